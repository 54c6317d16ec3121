import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { describe, expect, it, vi } from 'vitest';
import { AudioScheduler, SCHEDULE_MARGIN_SEC, type SchedulerContext } from './audio-scheduler.js';
import { FaceTimeline } from './face-timeline.js';

// Test-only stand-ins for the few Web Audio objects the scheduler touches; the clock is moved by hand.
class FakeSource {
  buffer: { length: number; duration: number } | null = null;
  startedAt: number | undefined;
  stopped = false;
  onended: (() => void) | null = null;
  connect(): void {}
  disconnect(): void {}
  start(when = 0): void {
    this.startedAt = when;
  }
  stop(): void {
    this.stopped = true;
  }
}

class FakeAudioContext {
  currentTime = 0;
  readonly sources: FakeSource[] = [];
  createBuffer(_channels: number, length: number, sampleRate: number) {
    return { length, duration: length / sampleRate, copyToChannel: () => undefined };
  }
  createBufferSource(): FakeSource {
    const source = new FakeSource();
    this.sources.push(source);
    return source;
  }
  /** [start, end] of every source in scheduling order, rounded to µs. */
  get spans(): Array<[number, number]> {
    const us = (t: number) => Math.round(t * 1e6) / 1e6;
    return this.sources.map((s) => [
      us(s.startedAt ?? NaN),
      us((s.startedAt ?? NaN) + (s.buffer?.duration ?? 0)),
    ]);
  }
}

/** `ms` of audio at 24 kHz. */
const audio = (ms: number) => new Float32Array((ms * 24_000) / 1000);
const output = {} as AudioNode;

function setup(jitterSec = 0.08) {
  const context = new FakeAudioContext();
  const onStart = vi.fn<(reqId: string, time: number) => void>();
  const onDrained = vi.fn<(reqId: string, end: number | undefined) => void>();
  const scheduler = new AudioScheduler(context as unknown as SchedulerContext, output, {
    jitterSec,
    onStart,
    onDrained,
  });
  return { context, scheduler, onStart, onDrained };
}

describe('AudioScheduler', () => {
  it('places chunks back to back from now + jitter, counting audio already in hand', () => {
    const { context, scheduler, onStart } = setup(0.08);
    context.currentTime = 1;
    scheduler.open('a');
    scheduler.push('a', audio(40));
    context.currentTime = 1.03;
    scheduler.push('a', audio(40));
    scheduler.push('a', audio(100));
    // 40 ms in hand, so 40 ms more of lead makes the 80 ms jitter buffer.
    expect(context.spans).toEqual([
      [1.04, 1.08],
      [1.08, 1.12],
      [1.12, 1.22],
    ]);
    expect(onStart).toHaveBeenCalledExactlyOnceWith('a', 1.04);
    expect(scheduler.underruns).toBe(0);
  });

  it('starts a long first chunk at once (only the scheduling margin ahead)', () => {
    const { context, scheduler } = setup(0.08);
    context.currentTime = 2;
    scheduler.open('a');
    scheduler.push('a', audio(500));
    expect(context.spans).toEqual([[2 + SCHEDULE_MARGIN_SEC, 2.5 + SCHEDULE_MARGIN_SEC]]);
  });

  it('waits the whole jitter buffer with no jitter budget used up', () => {
    const { context, scheduler } = setup(0.2);
    scheduler.open('a');
    scheduler.push('a', audio(20));
    expect(context.spans[0]?.[0]).toBeCloseTo(0.18, 9);
  });

  it('pushes the schedule forward when a chunk comes after its slot, and counts the underrun', () => {
    const { context, scheduler } = setup(0.08);
    scheduler.open('a');
    scheduler.push('a', audio(40)); // 0.04 … 0.08
    context.currentTime = 0.075; // the next slot (0.08) is closer than the scheduling margin
    scheduler.push('a', audio(40));
    expect(scheduler.underruns).toBe(1);
    // Restarted a doubled jitter buffer (160 ms) ahead, counting the 40 ms in hand.
    expect(context.spans[1]).toEqual([0.195, 0.235]);
    context.currentTime = 0.1;
    scheduler.push('a', audio(40)); // on time again: straight after
    expect(context.spans[2]).toEqual([0.235, 0.275]);
    expect(scheduler.underruns).toBe(1);
    // The gap is silence; positions continue where the audio left off.
    expect(scheduler.positionAt(0.1)).toBeNull();
    expect(scheduler.positionAt(0.205)).toEqual({ reqId: 'a', sample: expect.closeTo(960 + 240, 6) });
  });

  it('doubles the jitter buffer at each underrun of a track, up to 1 s, and starts the next track afresh', () => {
    const { context, scheduler } = setup(0.08);
    scheduler.open('a');
    scheduler.push('a', audio(40));
    const lateBy = (ms: number) => {
      const end = context.spans.at(-1)?.[1] ?? 0;
      context.currentTime = end + ms / 1000;
      scheduler.push('a', audio(40));
      const [start] = context.spans.at(-1) ?? [];
      return Math.round(((start ?? 0) - context.currentTime) * 1000);
    };
    // Lead = jitter - 40 ms in hand: 160, 320, 640, then the 1 s cap.
    expect([lateBy(5), lateBy(5), lateBy(5), lateBy(5), lateBy(5)]).toEqual([120, 280, 600, 960, 960]);
    expect(scheduler.underruns).toBe(5);
    scheduler.finish('a');
    context.currentTime += 5;
    scheduler.open('b');
    scheduler.push('b', audio(40));
    expect(Math.round(((context.spans.at(-1)?.[0] ?? 0) - context.currentTime) * 1000)).toBe(40);
  });

  it('plays utterances in order: a later one buffers until the earlier one is finished', () => {
    const { context, scheduler, onStart, onDrained } = setup(0.08);
    scheduler.open('a');
    scheduler.open('b');
    scheduler.push('b', audio(100));
    expect(context.sources).toHaveLength(0);
    scheduler.push('a', audio(200)); // 0.015 … 0.215
    context.currentTime = 0.05;
    scheduler.finish('a');
    expect(onDrained).toHaveBeenCalledWith('a', expect.closeTo(0.215, 9));
    expect(context.spans[1]).toEqual([0.215, 0.315]);
    expect(onStart.mock.calls.map(([id]) => id)).toEqual(['a', 'b']);
    expect(scheduler.positionAt(0.22)).toEqual({ reqId: 'b', sample: expect.closeTo(120, 6) });
  });

  it('reports an utterance without audio as drained with no end', () => {
    const { scheduler, onDrained, onStart } = setup();
    scheduler.open('a');
    scheduler.finish('a');
    expect(onDrained).toHaveBeenCalledExactlyOnceWith('a', undefined);
    expect(onStart).not.toHaveBeenCalled();
  });

  it('maps context time to the sample playing then, and null in silence', () => {
    const { scheduler } = setup(0);
    scheduler.open('a');
    scheduler.push('a', audio(100)); // 0.015 … 0.115
    scheduler.push('a', audio(100)); // 0.115 … 0.215
    expect(scheduler.positionAt(0.01)).toBeNull();
    expect(scheduler.positionAt(0.015)).toEqual({ reqId: 'a', sample: 0 });
    expect(scheduler.positionAt(0.165)?.sample).toBeCloseTo(3600, 6);
    expect(scheduler.positionAt(0.2151)).toBeNull();
  });

  it('stop() stops every scheduled source at once and forgets all tracks', () => {
    const { context, scheduler, onDrained } = setup();
    scheduler.open('a');
    scheduler.open('b');
    scheduler.push('a', audio(100));
    scheduler.push('a', audio(100));
    scheduler.push('b', audio(100));
    scheduler.stopAll();
    expect(context.sources.map((s) => s.stopped)).toEqual([true, true]);
    expect(scheduler.positionAt(0.1)).toBeNull();
    scheduler.push('a', audio(100));
    scheduler.finish('b');
    expect(context.sources).toHaveLength(2);
    expect(onDrained).not.toHaveBeenCalled();
    // The timeline starts afresh: a new utterance is not queued behind the stopped audio.
    context.currentTime = 0.05;
    scheduler.open('c');
    scheduler.push('c', audio(40));
    expect(context.spans[2]).toEqual([0.09, 0.13]);
  });

  it('refuses a ReqId already playing and a bad jitter', () => {
    const { scheduler } = setup();
    scheduler.open('a');
    expect(() => scheduler.open('a')).toThrow(/already playing/);
    expect(() => new AudioScheduler({} as SchedulerContext, output, { jitterSec: -1 })).toThrow(TypeError);
  });
});

describe('FaceTimeline on the scheduled audio', () => {
  const pose = (jaw: number) => {
    const weights = new Array<number>(BLENDSHAPE_NAMES.length).fill(0);
    weights[0] = jaw;
    return weights;
  };

  it('starts the mouth with the sound and follows it through an underrun gap', () => {
    const { context, scheduler } = setup(0.08);
    const faces = new FaceTimeline(scheduler);
    scheduler.open('a');
    faces.add('a', 0, [...pose(0.1), ...pose(0.2)], 17);
    scheduler.push('a', audio(80)); // 0.015 … 0.095 (80 ms in hand: margin only)
    expect(faces.weightsAt(0.014)).toBeNull();
    expect(faces.weightsAt(0.015)?.[0]).toBeCloseTo(0.1, 6);
    expect(faces.weightsAt(0.055)?.[0]).toBeCloseTo(0.2, 6);
    context.currentTime = 0.2; // late: the second chunk restarts at 0.2 + 0.16 - 0.04
    faces.add('a', 1920, [...pose(0.5), ...pose(0.7)], 17);
    scheduler.push('a', audio(40));
    expect(faces.weightsAt(0.3)).toBeNull();
    expect(faces.weightsAt(0.3201)?.[0]).toBeCloseTo(0.5, 2);
    expect(faces.weightsAt(0.34)?.[0]).toBeCloseTo(0.6, 6);
    expect(faces.weightsAt(0.361)).toBeNull();
  });
});
