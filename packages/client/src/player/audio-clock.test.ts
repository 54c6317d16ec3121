import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioClock } from './audio-clock.js';
import { IdleTime } from './idle-time.js';

describe('AudioClock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is currentTime less the latencies the browser reports', () => {
    expect(new AudioClock({ currentTime: 2, baseLatency: 0.01, outputLatency: 0.04 }).now()).toBeCloseTo(
      1.95,
      9,
    );
    expect(new AudioClock({ currentTime: 2 }).now()).toBe(2);
    // A nonsense report is not trusted beyond half a second.
    expect(new AudioClock({ currentTime: 2, outputLatency: 30 }).now()).toBe(1.5);
  });

  it('calls back once the audible time reaches a moment, not before', () => {
    const source = { currentTime: 0, outputLatency: 0.02 };
    const clock = new AudioClock(source);
    const fn = vi.fn();
    clock.at(0.1, fn);
    // The context ran slower than the timer: the callback waits for the clock, not for wall time.
    source.currentTime = 0.1;
    vi.advanceTimersByTime(120);
    expect(fn).not.toHaveBeenCalled();
    source.currentTime = 0.125;
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('cancels one wait, or all of them', () => {
    const source = { currentTime: 0 };
    const clock = new AudioClock(source);
    const one = vi.fn();
    const two = vi.fn();
    clock.at(0.05, one)();
    clock.at(0.05, two);
    clock.cancelAll();
    source.currentTime = 1;
    vi.advanceTimersByTime(1000);
    expect(one).not.toHaveBeenCalled();
    expect(two).not.toHaveBeenCalled();
  });
});

describe('IdleTime', () => {
  it('follows the audio clock while it runs and wall time while it is suspended, without jumps', () => {
    const idle = new IdleTime();
    expect(idle.at(0, false, 1000)).toBe(0);
    expect(idle.at(0, false, 1500)).toBeCloseTo(0.5, 9);
    // Resumed: continues from 0.5 and then moves with the audio clock.
    expect(idle.at(0, true, 1510)).toBeCloseTo(0.5, 9);
    expect(idle.at(0.25, true, 1700)).toBeCloseTo(0.75, 9);
    expect(idle.at(0.25, false, 2700)).toBeCloseTo(1.75, 9);
  });
});
