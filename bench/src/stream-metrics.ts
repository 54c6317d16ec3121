/**
 * The server's own stream counters, from `GET /dhuman/metrics` (Prometheus text, unauthenticated): frames
 * handed to the encoders and how many of them were repeats (the render was late), rendered frames thrown away
 * (they came after their repeat), and media time skipped because an encoder fell behind. All are totals since
 * start, so a window is the difference of two scrapes. The same scrape carries the event-loop delay, which
 * prom-client resets on each scrape (see server-lag.ts), so the second scrape gives the window's values.
 */

export interface StreamCounters {
  running: number;
  viewers: number;
  encoded: number;
  repeated: number;
  dropped: number;
  skippedMs: number;
  /** Event-loop delay p99 and max over the time since the previous scrape, ms (sampling period included). */
  lagP99Ms: number | undefined;
  lagMaxMs: number | undefined;
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  const n = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  return Number.isFinite(n) ? n : undefined;
}

export async function scrapeStreamCounters(baseUrl: string): Promise<StreamCounters> {
  const response = await fetch(`${baseUrl}/dhuman/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /dhuman/metrics: HTTP ${response.status}`);
  const text = await response.text();
  const required = (series: string) => {
    const n = value(text, series);
    if (n === undefined) throw new Error(`/dhuman/metrics has no ${series}`);
    return n;
  };
  const seconds = (series: string) => {
    const n = value(text, series);
    return n === undefined ? undefined : n * 1000;
  };
  return {
    running: required('dhuman_streams_running'),
    viewers: required('dhuman_stream_viewers'),
    encoded: required('dhuman_stream_frames{kind="encoded"}'),
    repeated: required('dhuman_stream_frames{kind="repeated"}'),
    dropped: required('dhuman_stream_frames{kind="dropped"}'),
    skippedMs: required('dhuman_stream_skipped_ms'),
    lagP99Ms: seconds('dhuman_nodejs_eventloop_lag_p99_seconds'),
    lagMaxMs: seconds('dhuman_nodejs_eventloop_lag_max_seconds'),
  };
}

/** What the server's streams did within a window. */
export interface StreamCounterDeltas {
  encoded: number;
  repeated: number;
  dropped: number;
  skippedMs: number;
}

export function counterDeltas(from: StreamCounters, to: StreamCounters): StreamCounterDeltas {
  return {
    encoded: to.encoded - from.encoded,
    repeated: to.repeated - from.repeated,
    dropped: to.dropped - from.dropped,
    skippedMs: to.skippedMs - from.skippedMs,
  };
}
