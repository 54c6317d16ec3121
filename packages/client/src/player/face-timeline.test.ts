import { BLENDSHAPE_NAMES, THFEAT_CHANNELS } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import type { PlaybackPosition } from './audio-scheduler.js';
import { FaceTimeline, type PlaybackMap } from './face-timeline.js';

/** Playback of one ReqId's audio starting at context time `start` with no gaps, for `lengthSec`. */
function playback(reqId: string, start: number, lengthSec: number): PlaybackMap {
  return {
    positionAt: (time: number): PlaybackPosition | null =>
      time >= start && time < start + lengthSec ? { reqId, sample: (time - start) * 24_000 } : null,
  };
}

/** A ThFeat frame: every channel `value`, so any channel shows the frame. */
const frame = (value: number) => new Array<number>(BLENDSHAPE_NAMES.length).fill(value);
const frames = (...values: number[]) => values.flatMap(frame);

describe('FaceTimeline', () => {
  it('puts frame i at 40 ms × i from the audio start and interpolates between neighbours', () => {
    const faces = new FaceTimeline(playback('a', 10, 1));
    faces.add('a', 0, frames(0, 0.4, 0.8, 0.2), 17);
    expect(faces.weightsAt(10)?.[0]).toBeCloseTo(0, 6);
    expect(faces.weightsAt(10.04)?.[5]).toBeCloseTo(0.4, 6);
    expect(faces.weightsAt(10.05)?.[16]).toBeCloseTo(0.5, 6);
    expect(faces.weightsAt(10.1)?.[0]).toBeCloseTo(0.5, 6);
    // The last frame is held for one frame, then nothing covers the audio.
    expect(faces.weightsAt(10.15)?.[0]).toBeCloseTo(0.2, 6);
    expect(faces.weightsAt(10.2)).toBeNull();
  });

  it('is at rest (null) outside speech and for a ReqId with no frames', () => {
    const faces = new FaceTimeline(playback('a', 10, 1));
    faces.add('a', 0, frames(0.3, 0.3), 17);
    expect(faces.weightsAt(9.99)).toBeNull();
    expect(faces.weightsAt(11)).toBeNull();
    const silent = new FaceTimeline(playback('b', 0, 1));
    silent.add('a', 0, frames(0.3), 17);
    expect(silent.weightsAt(0.5)).toBeNull();
  });

  it('anchors each SPEECH frame at the first 40 ms grid point of its audio', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    faces.add('a', 0, frames(0.1, 0.1, 0.1), 17); // 0, 40, 80 ms
    // The next SPEECH frame's audio starts at 100 ms: its frames sit at 120, 160 ms.
    faces.add('a', 2400, frames(0.9, 0.9), 17);
    expect(faces.weightsAt(0.08)?.[0]).toBeCloseTo(0.1, 6);
    expect(faces.weightsAt(0.1)?.[0]).toBeCloseTo(0.5, 6);
    expect(faces.weightsAt(0.12)?.[0]).toBeCloseTo(0.9, 6);
  });

  it('replaces frames a later SPEECH frame covers, so a surplus frame never runs ahead', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    faces.add('a', 0, frames(0.1, 0.1, 0.1, 0.1), 17); // 0 … 120 ms, one more than the 100 ms of audio
    faces.add('a', 1920, frames(0.7), 17); // audio from 80 ms
    expect(faces.weightsAt(0.08)?.[0]).toBeCloseTo(0.7, 6);
    expect(faces.weightsAt(0.11)?.[0]).toBeCloseTo(0.7, 6);
    expect(faces.weightsAt(0.121)).toBeNull();
  });

  it('reads a 52-channel frame in the vendor order dhuman sends', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    const wire = new Array<number>(52).fill(0);
    wire[THFEAT_CHANNELS.indexOf('jawOpen')] = 0.8;
    wire[THFEAT_CHANNELS.indexOf('mouthLowerDownRight')] = 0.3;
    wire[THFEAT_CHANNELS.indexOf('tongueOut')] = 0.2;
    wire[THFEAT_CHANNELS.indexOf('eyeBlinkLeft')] = 1; // not a channel dhuman draws
    faces.add('a', 0, wire, 52);
    const weights = [...(faces.weightsAt(0) ?? [])];
    const expected = BLENDSHAPE_NAMES.map((name) =>
      name === 'jawOpen' ? 0.8 : name === 'mouthLowerDownRight' ? 0.3 : name === 'tongueOut' ? 0.2 : 0,
    );
    weights.forEach((w, c) => expect(w).toBeCloseTo(expected[c] ?? Number.NaN, 6));
  });

  it('reads a 17-channel frame (older servers) in the internal order', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    faces.add('a', 0, [0.9, ...new Array<number>(16).fill(0)], 17);
    expect(faces.weightsAt(0)?.[BLENDSHAPE_NAMES.indexOf('jawOpen')]).toBeCloseTo(0.9, 6);
  });

  it('keeps the 17 known channels of a wider ThDim and zero-fills a narrower one', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    faces.add('a', 0, [...frame(0.5), 9, 9, 9], 20);
    const wide = faces.weightsAt(0);
    expect(wide).toHaveLength(17);
    expect([...(wide ?? [])].every((w) => w === 0.5)).toBe(true);
    const narrow = new FaceTimeline(playback('a', 0, 1));
    narrow.add('a', 0, [0.25, 0.5], 2);
    expect([...(narrow.weightsAt(0) ?? [])].slice(0, 3)).toEqual([0.25, 0.5, 0]);
  });

  it('forgets a ReqId on delete and everything on clear', () => {
    const faces = new FaceTimeline(playback('a', 0, 1));
    faces.add('a', 0, frames(0.3), 17);
    faces.delete('a');
    expect(faces.weightsAt(0)).toBeNull();
    faces.add('a', 0, frames(0.3), 17);
    faces.clear();
    expect(faces.weightsAt(0)).toBeNull();
  });
});
