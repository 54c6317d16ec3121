import { percentile } from './load.js';

/** Nearest-rank summary of a set of times (ms) or ratios; every field is NaN when there are no values. */
export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** For `--json`: rounded, and NaN (no values) becomes null, which JSON can carry. */
export function statsJson(s: Stats, digits = 1): Record<keyof Stats, number | null> {
  const r = (value: number) => (Number.isNaN(value) ? null : round(value, digits));
  return { n: s.n, p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), min: r(s.min), max: r(s.max) };
}
