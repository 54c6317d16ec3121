import { randomBytes } from 'node:crypto';
import { DhumanClient } from '@dhuman/client';
import { SESSION_PATHS, signedQuery } from '@dhuman/protocol';
import { cpuShares, cpuSnapshot, type CpuShares } from './cpu.js';
import { runLoad, summarize, type LoadSummary } from './load.js';
import { startServer } from './server-process.js';
import type { BenchOptions, BenchResult } from './types.js';

export const name = 'gateway';
export const description =
  'signed statsession and createsession through the HTTP gateway at 1, 16 and 64 concurrent clients';

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';
const CONCURRENCIES = [1, 16, 64] as const;
const WARMUP_MS = 1_000;
/** Above this share of a core used by unrelated processes, a phase's numbers are flagged as disturbed. */
const NOISY_OTHER_PCT = 20;
/** The gateway's target on the reference machine (informational: the bench reports it, never fails on it). */
const AIM = { call: 'statsession', clients: 16, minReqPerSec: 3000, maxP95Ms: 10 } as const;

type Call = 'statsession' | 'createsession';

interface Phase {
  call: Call;
  clients: number;
  summary: LoadSummary;
  errorKinds: Record<string, number>;
  cpu: CpuShares;
}

/** HTTP 200 with `Header.Code` 0 is success; anything else is labelled so equal failures are counted together. */
function checkEnvelope(status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  let header: { Code?: unknown; Message?: unknown } | undefined;
  try {
    header = (JSON.parse(body) as { Header?: typeof header }).Header;
  } catch {
    return 'response is not JSON';
  }
  if (header?.Code === 0) return undefined;
  const message = typeof header?.Message === 'string' ? header.Message : '';
  return `Code ${String(header?.Code)}: ${message}`;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { progress } = options;
  progress('gateway: starting dhuman serve');
  const server = await startServer({
    env: {
      DHUMAN_APPKEY: APPKEY,
      DHUMAN_ACCESSTOKEN: ACCESSTOKEN,
      // Every createsession adds a live session; 100000 is the most the server's config accepts.
      DHUMAN_MAX_SESSIONS: '100000',
    },
  });
  try {
    // statsession needs a session that exists; make it a started one, as a real client's polling would see.
    const client = new DhumanClient({ baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN });
    const created = await client.createSession({
      VirtualmanProjectId: 'demo',
      UserId: 'bench-stat',
      Protocol: 'webrtc',
      DriverType: 1,
    });
    await client.waitUntilReady(created.SessionId);
    await client.startSession(created.SessionId);

    // ReqIds are 32 hex digits like real clients send; a per-run prefix plus a counter is unique and costs the
    // load generator (which shares the CPUs with the server) far less than a random UUID per request.
    const prefix = randomBytes(8).toString('hex');
    let seq = 0;
    const reqId = (n: number) => `${prefix}${n.toString(16).padStart(16, '0')}`;
    const payloads: Record<Call, (n: number) => Record<string, unknown>> = {
      statsession: (n) => ({ ReqId: reqId(n), SessionId: created.SessionId }),
      // A fresh UserId each time: reusing one would close the previous session (takeover), a different path.
      createsession: (n) => ({
        ReqId: reqId(n),
        VirtualmanProjectId: 'demo',
        UserId: `bench-${n}`,
        Protocol: 'webrtc',
        DriverType: 1,
      }),
    };

    const results: Phase[] = [];
    for (const call of ['statsession', 'createsession'] as const) {
      for (const clients of CONCURRENCIES) {
        progress(
          `gateway: ${call}, ${clients} clients, ${options.durationSec} s (+${WARMUP_MS / 1000} s warm-up)`,
        );
        // Signed once per phase: the server accepts a signature again within its 300 s window.
        const path = `${SESSION_PATHS[call]}?${await signedQuery({ appkey: APPKEY, accesstoken: ACCESSTOKEN })}`;
        const before = cpuSnapshot(server.pid);
        const result = await runLoad({
          origin: server.url,
          concurrency: clients,
          warmupMs: WARMUP_MS,
          durationMs: options.durationSec * 1000,
          request: () => ({ path, body: JSON.stringify({ Header: {}, Payload: payloads[call](seq++) }) }),
          check: checkEnvelope,
        });
        const cpu = cpuShares(before, cpuSnapshot(server.pid));
        results.push({ call, clients, summary: summarize(result), errorKinds: result.errorKinds, cpu });
      }
    }
    return report(results, options.durationSec);
  } finally {
    progress('gateway: stopping the server');
    await server.stop();
  }
}

function report(results: readonly Phase[], durationSec: number): BenchResult {
  const rows = results.map(({ call, clients, summary: s }) => [
    call,
    clients,
    s.reqPerSec.toFixed(0),
    s.p50Ms.toFixed(2),
    s.p95Ms.toFixed(2),
    s.p99Ms.toFixed(2),
    s.errors,
  ]);

  const notes: string[] = [];
  const aimRow = results.find((r) => r.call === AIM.call && r.clients === AIM.clients)?.summary;
  const met =
    aimRow !== undefined &&
    aimRow.errors === 0 &&
    aimRow.reqPerSec >= AIM.minReqPerSec &&
    aimRow.p95Ms <= AIM.maxP95Ms;
  notes.push(
    `aim: ${AIM.call} at ${AIM.clients} clients >= ${AIM.minReqPerSec} req/s and p95 <= ${AIM.maxP95Ms} ms: ` +
      `${met ? 'meets aim' : 'below aim'}` +
      (aimRow ? ` (${aimRow.reqPerSec.toFixed(0)} req/s, p95 ${aimRow.p95Ms.toFixed(2)} ms)` : ''),
  );
  // A single-threaded server near 100% of a core is the limit; far below it, look at the load client or waits.
  for (const call of new Set(results.map((r) => r.call))) {
    const perClients = results
      .filter((r) => r.call === call)
      .map((r) => `${r.clients}: ${r.cpu.serverPct ?? '?'}/${r.cpu.loadClientPct}`);
    notes.push(`cpu, % of one core (server/load client), ${call} by clients: ${perClients.join(', ')}`);
  }
  for (const { call, clients, errorKinds, cpu } of results) {
    for (const [kind, count] of Object.entries(errorKinds)) {
      notes.push(`errors: ${call} at ${clients} clients: ${count} x ${kind}`);
    }
    if ((cpu.otherPct ?? 0) > NOISY_OTHER_PCT) {
      notes.push(
        `noisy: ${call} at ${clients} clients: other processes used ${cpu.otherPct}% of a core ` +
          `(server ${cpu.serverPct}%, load client ${cpu.loadClientPct}%); rerun on a quiet machine`,
      );
    }
  }

  const calls: Record<string, Record<string, unknown>> = {};
  for (const { call, clients, summary: s, errorKinds, cpu } of results) {
    (calls[call] ??= {})[String(clients)] = {
      requests: s.requests,
      errors: s.errors,
      errorKinds,
      reqPerSec: round(s.reqPerSec, 1),
      p50Ms: round(s.p50Ms, 3),
      p95Ms: round(s.p95Ms, 3),
      p99Ms: round(s.p99Ms, 3),
      // Percent of one core over the phase, warm-up included.
      cpu,
    };
  }
  return {
    table: { columns: ['call', 'clients', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'], rows },
    notes,
    figures: {
      durationSec,
      warmupSec: WARMUP_MS / 1000,
      calls,
      aim: { ...AIM, met },
    },
  };
}
