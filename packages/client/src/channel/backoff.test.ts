import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from 250 ms to a 10 s cap by default, each delay within [base/2, base]', () => {
    const high = new Backoff({}, () => 1);
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    const low = new Backoff({}, () => 0);
    expect(Array.from({ length: 3 }, () => low.next())).toEqual([125, 250, 500]);
  });

  it('never hands out a shorter delay than the previous one while doubling, whatever the jitter', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 1000 });
    let previous = 0;
    // Bases 10, 20 … 640: seven delays before the cap.
    for (let i = 0; i < 7; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(previous);
      previous = delay;
    }
  });

  it('starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('refuses nonsense settings', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(/initialMs/);
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow(/maxMs/);
  });
});
