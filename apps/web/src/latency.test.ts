import { describe, expect, it } from 'vitest';
import { LatencyStats, formatMs } from './latency.js';

describe('LatencyStats', () => {
  it('has nothing to report before the first sample', () => {
    const stats = new LatencyStats();
    expect(stats.count).toBe(0);
    expect(stats.last).toBeUndefined();
    expect(stats.median).toBeUndefined();
  });

  it('reports the last sample and the exact median, odd and even counts', () => {
    const stats = new LatencyStats();
    for (const ms of [400, 120, 900]) stats.add(ms);
    expect(stats.last).toBe(900);
    expect(stats.median).toBe(400);
    stats.add(200);
    expect(stats.median).toBe(300);
    expect(stats.count).toBe(4);
  });

  it('ignores values that are not durations', () => {
    const stats = new LatencyStats();
    stats.add(Number.NaN);
    stats.add(-5);
    stats.add(Number.POSITIVE_INFINITY);
    expect(stats.count).toBe(0);
  });

  it('forgets everything on clear', () => {
    const stats = new LatencyStats();
    stats.add(10);
    stats.clear();
    expect(stats.median).toBeUndefined();
  });
});

describe('formatMs', () => {
  it('rounds to whole milliseconds and shows a dash for nothing', () => {
    expect(formatMs(412.6)).toBe('413');
    expect(formatMs(undefined)).toBe('—');
  });
});
