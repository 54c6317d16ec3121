import { describe, expect, it } from 'vitest';
import { AUDIO_PACING, Pacer } from './pacer.js';

/** A clock that only moves when the pacer sleeps, plus `lag` ms of timer lateness per sleep. */
function fakeClock(lag = 0) {
  const clock = { now: 0 };
  return {
    clock,
    now: () => clock.now,
    sleep: (ms: number) => {
      clock.now += ms + lag;
      return Promise.resolve();
    },
  };
}

async function sendTimes(pacer: Pacer, count: number, now: () => number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await pacer.slot();
    times.push(now());
  }
  return times;
}

describe('Pacer', () => {
  it('releases the first 6 chunks at once, then one per 120 ms', async () => {
    const { now, sleep } = fakeClock();
    const pacer = new Pacer({ ...AUDIO_PACING, now, sleep });
    expect(await sendTimes(pacer, 9, now)).toEqual([0, 0, 0, 0, 0, 0, 120, 240, 360]);
  });

  it('paces a live source at 160 ms and makes up for late timers on the fixed schedule', async () => {
    const { now, sleep } = fakeClock(5);
    const pacer = new Pacer({ ...AUDIO_PACING, intervalMs: 160, now, sleep });
    // Each wake-up is 5 ms late, but the next slot is still counted from the schedule, not from the wake-up.
    expect(await sendTimes(pacer, 9, now)).toEqual([0, 0, 0, 0, 0, 0, 165, 325, 485]);
  });

  it('lets a stalled source catch up no faster than one chunk per 120 ms', async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new Pacer({ ...AUDIO_PACING, intervalMs: 160, now, sleep });
    await sendTimes(pacer, 6, now);
    clock.now = 1000; // the microphone stalled for a second and now has a backlog
    expect(await sendTimes(pacer, 4, now)).toEqual([1000, 1120, 1240, 1360]);
  });
});
