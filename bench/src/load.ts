import { Pool } from 'undici';

/**
 * Closed-loop HTTP load: `concurrency` workers each keep exactly one POST in flight on their own keep-alive
 * connection, sending the next as soon as the previous answer is read. Closed rather than open loop because the
 * question is "how fast does the server answer N busy clients", and because on a shared 2-core machine an open
 * loop would measure the load generator's own queueing as much as the server.
 */

export interface LoadRequest {
  path: string;
  body: string;
}

export interface LoadOptions {
  /** `http://host:port` of the server. */
  origin: string;
  concurrency: number;
  /** Requests started before this are sent but not measured: JIT, connection setup and caches settle first. */
  warmupMs: number;
  durationMs: number;
  /** Builds request number `i` (unique within the run, so bodies can carry unique ids). */
  request: (i: number) => LoadRequest;
  /** An error label for a bad answer (same labels are counted together), or undefined when it is fine. */
  check: (status: number, body: string) => string | undefined;
}

export interface LoadResult {
  /** Measured requests that succeeded. */
  ok: number;
  /** Measured requests that failed, by label. */
  errors: number;
  errorKinds: Record<string, number>;
  /** From the end of warm-up to the last measured answer. */
  elapsedMs: number;
  /** Latency of every successful measured request, ascending. */
  latenciesMs: Float64Array;
}

const CONTENT_TYPE = 'application/json;charset=utf-8';
/** A stuck server must fail the phase, not hang the bench for undici's 5-minute default. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, request, check } = options;
  // hrtime is monotonic and nanosecond-grained; kept relative to t0 so the millisecond doubles stay precise.
  const t0 = process.hrtime.bigint();
  const nowMs = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const measureFrom = options.warmupMs;
  const stopAt = options.warmupMs + options.durationMs;

  const pool = new Pool(options.origin, {
    connections: concurrency,
    pipelining: 1, // one request per connection at a time, like browsers and the SDK's fetch
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const latencies: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  let lastEnd = measureFrom;

  const worker = async () => {
    for (let start = nowMs(); start < stopAt; start = nowMs()) {
      const { path, body } = request(next++);
      let failure: string | undefined;
      try {
        const response = await pool.request({
          path,
          method: 'POST',
          headers: { 'content-type': CONTENT_TYPE },
          body,
        });
        failure = check(response.statusCode, await response.body.text());
      } catch (error) {
        failure = `transport: ${(error as { code?: string }).code ?? (error as Error).message}`;
      }
      const end = nowMs();
      if (start < measureFrom) continue;
      lastEnd = Math.max(lastEnd, end);
      if (failure === undefined) {
        latencies.push(end - start);
      } else {
        errors++;
        errorKinds[failure] = (errorKinds[failure] ?? 0) + 1;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  return {
    ok: latencies.length,
    errors,
    errorKinds,
    elapsedMs: lastEnd - measureFrom,
    latenciesMs: Float64Array.from(latencies).sort(),
  };
}

/** Nearest-rank percentile (`p` in 0-100) of ascending values; NaN when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export interface LoadSummary {
  requests: number;
  errors: number;
  reqPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Throughput counts successful answers only, so fast error replies cannot inflate it. */
export function summarize(result: LoadResult): LoadSummary {
  return {
    requests: result.ok + result.errors,
    errors: result.errors,
    reqPerSec: result.elapsedMs > 0 ? (result.ok * 1000) / result.elapsedMs : 0,
    p50Ms: percentile(result.latenciesMs, 50),
    p95Ms: percentile(result.latenciesMs, 95),
    p99Ms: percentile(result.latenciesMs, 99),
  };
}
