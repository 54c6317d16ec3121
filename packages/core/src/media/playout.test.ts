import { beforeEach, describe, expect, it } from 'vitest';
import type { SpeechSegment } from '../speech/segment.js';
import { AsyncQueue } from '../util/async-queue.js';
import { MediaClock } from './media-clock.js';
import type { MediaFrame } from './media-frames.js';
import { SessionPlayout, type PlaySegment } from './playout.js';

const RATE = 24; // samples per ms

function segment(ms: number, extra: Partial<SpeechSegment> = {}): PlaySegment {
  return {
    startMs: 0,
    pcm: new Int16Array(ms * RATE).fill(1000),
    visemes: [],
    blendshapes: [],
    words: [],
    actions: [],
    ...extra,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('SessionPlayout', () => {
  let now: number;
  let clock: MediaClock;
  let frames: MediaFrame[];
  let log: string[];
  let playout: SessionPlayout;

  beforeEach(() => {
    now = 1000;
    clock = new MediaClock({ now: () => now });
    // Local arrays: a playout left over from an earlier test must not write into this test's.
    const sink: MediaFrame[] = (frames = []);
    const events: string[] = (log = []);
    playout = new SessionPlayout({
      clock,
      originMs: 1000,
      publish: (f) => sink.push(f),
      hooks: {
        started: (id, pts) => events.push(`start ${id} ${pts}`),
        ended: (id, pts, interrupted) => events.push(`end ${id} ${pts}${interrupted ? ' interrupted' : ''}`),
        cue: (id, cue, pts) => events.push(`cue ${id} ${cue.name} ${pts}`),
        failed: (id) => events.push(`failed ${id}`),
      },
    });
  });

  async function advance(toMs: number, step = 20): Promise<void> {
    clock.tickAll();
    await flush();
    while (now < toMs) {
      now = Math.min(toMs, now + step);
      clock.tickAll();
      await flush();
    }
  }

  const audioSamples = (id: string) =>
    frames
      .filter((f) => f.kind === 'audio' && f.utteranceId === id)
      .reduce((n, f) => n + (f.kind === 'audio' ? f.pcm.length : 0), 0);

  it('plays audio in real time and ends when the last sample has played', async () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'u1', signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    q.push(segment(600));
    q.push(segment(400));
    q.end();
    await flush();
    clock.tickAll();
    expect(log).toEqual(['start u1 0']);
    await advance(1500);
    expect(audioSamples('u1')).toBe(500 * RATE);
    await advance(2000);
    expect(audioSamples('u1')).toBe(1000 * RATE);
    expect(log).toEqual(['start u1 0', 'end u1 1000']);
    expect(clock.activeListeners).toBe(0);
    // pts of audio frames follow the sample count.
    const audio = frames.filter((f) => f.kind === 'audio');
    let expected = 0;
    for (const f of audio) {
      expect(f.pts).toBeCloseTo(expected, 3);
      expected += (f.kind === 'audio' ? f.pcm.length : 0) / RATE;
    }
  });

  it('publishes visemes, words, actions and cues when their time is played', async () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'u1', signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    q.push(
      segment(500, {
        visemes: [{ timeMs: 100, viseme: 'aa', weight: 1 }],
        actions: [{ timeMs: 0, action: 'wave' }],
      }),
    );
    // The second segment was rendered on its own timeline; the playout chains it after the first.
    q.push({
      ...segment(500, { startMs: 0, words: [{ text: 'hi', textOffset: 3, startMs: 50, endMs: 300 }] }),
      cues: [{ offsetMs: 0, name: 'sentence' }],
    });
    q.end();
    await flush();
    await advance(1140);
    expect(frames.filter((f) => f.kind === 'viseme').map((f) => f.pts)).toEqual([100]);
    expect(frames.filter((f) => f.kind === 'action').map((f) => f.pts)).toEqual([0]);
    expect(frames.some((f) => f.kind === 'word')).toBe(false);
    await advance(1600);
    const word = frames.find((f) => f.kind === 'word');
    expect(word?.kind === 'word' && [word.pts, word.word.startMs, word.word.endMs]).toEqual([550, 550, 800]);
    expect(log).toContain('cue u1 sentence 500');
  });

  it('stops at once on interrupt and publishes nothing of the utterance afterwards', async () => {
    const q = new AsyncQueue<PlaySegment>();
    const controller = new AbortController();
    playout.enqueue({ id: 'u1', signal: controller.signal, segments: q, prebufferMs: 0 });
    q.push(segment(2000, { visemes: [{ timeMs: 1500, viseme: 'oh', weight: 1 }] }));
    await flush();
    await advance(1300);
    now = 1310;
    controller.abort();
    expect(log.at(-1)).toBe('end u1 310 interrupted');
    const count = frames.length;
    await advance(3000);
    expect(frames.length).toBe(count);
    expect(frames.at(-1)).toMatchObject({ kind: 'utterance-end', interrupted: true });
  });

  it('stalls on underrun instead of skipping, keeping pts continuous', async () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'u1', signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    q.push(segment(100));
    await flush();
    await advance(1400);
    expect(audioSamples('u1')).toBe(100 * RATE);
    q.push(segment(100));
    q.end();
    await flush();
    await advance(1600);
    expect(audioSamples('u1')).toBe(200 * RATE);
    const audio = frames.filter((f) => f.kind === 'audio');
    const second = audio.find((f) => f.pts >= 100);
    expect(second?.pts).toBeGreaterThanOrEqual(100);
    expect(log.at(-1)).toMatch(/^end u1 /);
  });

  it('waits for the prebuffer before starting uplink audio', async () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'a1', signal: new AbortController().signal, segments: q, prebufferMs: 160 });
    q.push(segment(100));
    await flush();
    await advance(1100);
    expect(log).toEqual([]);
    q.push(segment(100));
    await flush();
    await advance(1120);
    expect(log).toEqual(['start a1 100']);
  });

  it('plays queued utterances back to back without a gap', async () => {
    for (const id of ['u1', 'u2']) {
      const q = new AsyncQueue<PlaySegment>();
      q.push(segment(250));
      q.end();
      playout.enqueue({ id, signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    }
    await flush();
    await advance(1700);
    expect(log).toEqual(['start u1 0', 'end u1 250', 'start u2 250', 'end u2 500']);
  });

  it('reports a failing source and ends after what was buffered', async () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'u1', signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    q.push(segment(100));
    q.fail(new Error('tts crashed'));
    await flush();
    await advance(1200);
    expect(log).toEqual(['failed u1', 'start u1 0', 'end u1 100']);
  });

  it('close() ends the current and queued utterances as interrupted', () => {
    const q = new AsyncQueue<PlaySegment>();
    playout.enqueue({ id: 'u1', signal: new AbortController().signal, segments: q, prebufferMs: 0 });
    playout.enqueue({
      id: 'u2',
      signal: new AbortController().signal,
      segments: new AsyncQueue<PlaySegment>(),
      prebufferMs: 0,
    });
    playout.close();
    playout.close();
    expect(log).toEqual(['end u2 0 interrupted', 'end u1 0 interrupted']);
    expect(() =>
      playout.enqueue({ id: 'u3', signal: new AbortController().signal, segments: q, prebufferMs: 0 }),
    ).toThrow();
  });
});
