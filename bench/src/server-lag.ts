/**
 * The server's event-loop delay, read from its Prometheus endpoint. prom-client resets the histogram behind
 * these gauges on every scrape, so one scrape at the start of a window and one at its end give the window's
 * values. The values include monitorEventLoopDelay's sampling period (10 ms), which an idle loop reports too.
 */

export interface LoopLag {
  p99Ms: number;
  maxMs: number;
}

/** Undefined when the endpoint or the gauges are missing (metrics switched off, server gone). */
export async function scrapeServerLag(baseUrl: string): Promise<LoopLag | undefined> {
  let text: string;
  try {
    const response = await fetch(`${baseUrl}/dhuman/metrics`);
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  const gauge = (stat: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`dhuman_nodejs_eventloop_lag_${stat}_seconds `));
    const seconds = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  };
  const p99Ms = gauge('p99');
  const maxMs = gauge('max');
  return p99Ms === undefined || maxMs === undefined ? undefined : { p99Ms, maxMs };
}
