import { BLENDSHAPE_FRAME_MS, BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import type { UtteranceBlendshapes } from './frame-timing.js';
import { videoFrameIndexAt, videoFramePts, weightsAt, weightsForVideoFrame } from './frame-timing.js';

const N = BLENDSHAPE_NAMES.length;
const JAW = BLENDSHAPE_NAMES.indexOf('jawOpen');

/** A frame with jawOpen = `jaw` and every other channel 0. */
function frame(jaw: number): Float32Array {
  const weights = new Float32Array(N);
  weights[JAW] = jaw;
  return weights;
}

const utterance: UtteranceBlendshapes = { startMs: 1000, frames: [frame(0.2), frame(0.6), frame(1)] };

describe('videoFramePts / videoFrameIndexAt', () => {
  it('places frames on the media clock at the video rate', () => {
    expect(videoFramePts(0)).toBe(0);
    expect(videoFramePts(25)).toBe(1000);
    expect(videoFramePts(3, 30)).toBeCloseTo(100);
    expect(videoFrameIndexAt(39.9)).toBe(0);
    expect(videoFrameIndexAt(40)).toBe(1);
    for (let i = 0; i < 100; i++) expect(videoFrameIndexAt(videoFramePts(i, 30), 30)).toBe(i);
    expect(videoFrameIndexAt(-5)).toBe(0);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => videoFramePts(1, 0)).toThrow(RangeError);
    expect(() => videoFrameIndexAt(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('weightsAt', () => {
  it('is rest (null) with no utterance, before it starts and after it has eased out', () => {
    expect(weightsAt(null, 1000)).toBeNull();
    expect(weightsAt({ startMs: 0, frames: [] }, 0)).toBeNull();
    expect(weightsAt(utterance, 999)).toBeNull();
    expect(weightsAt(utterance, 1000 + 3 * BLENDSHAPE_FRAME_MS)).toBeNull();
    expect(weightsAt(utterance, Number.NaN)).toBeNull();
  });

  it('answers each blendshape frame exactly at its own time', () => {
    expect(weightsAt(utterance, 1000)?.[JAW]).toBeCloseTo(0.2);
    expect(weightsAt(utterance, 1040)?.[JAW]).toBeCloseTo(0.6);
    expect(weightsAt(utterance, 1080)?.[JAW]).toBeCloseTo(1);
  });

  it('interpolates between frames and eases to rest after the last', () => {
    expect(weightsAt(utterance, 1020)?.[JAW]).toBeCloseTo(0.4);
    expect(weightsAt(utterance, 1050)?.[JAW]).toBeCloseTo(0.7);
    expect(weightsAt(utterance, 1100)?.[JAW]).toBeCloseTo(0.5);
    const weights = weightsAt(utterance, 1020);
    expect(weights).toHaveLength(N);
    expect([...(weights ?? [])].filter((_, i) => i !== JAW)).toEqual(new Array<number>(N - 1).fill(0));
  });

  it('returns a fresh array, never one of the utterance frames', () => {
    const weights = weightsAt(utterance, 1000);
    expect(weights).not.toBe(utterance.frames[0]);
    weights?.fill(9);
    expect(utterance.frames[0]?.[JAW]).toBeCloseTo(0.2);
  });
});

describe('weightsForVideoFrame', () => {
  it('at 25 fps lands each video frame on one blendshape frame', () => {
    // The utterance starts at 1000 ms = video frame 25.
    expect(weightsForVideoFrame(utterance, 24)).toBeNull();
    expect(weightsForVideoFrame(utterance, 25)?.[JAW]).toBeCloseTo(0.2);
    expect(weightsForVideoFrame(utterance, 26)?.[JAW]).toBeCloseTo(0.6);
    expect(weightsForVideoFrame(utterance, 27)?.[JAW]).toBeCloseTo(1);
    expect(weightsForVideoFrame(utterance, 28)).toBeNull();
  });

  it('at 30 fps samples between blendshape frames', () => {
    // Frame 31 at 30 fps is 1033.3 ms: 5/6 of the way from 0.2 to 0.6.
    expect(weightsForVideoFrame(utterance, 31, 30)?.[JAW]).toBeCloseTo(0.2 + (0.4 * 5) / 6);
    // Frame 30 is 1000 ms, the first frame exactly.
    expect(weightsForVideoFrame(utterance, 30, 30)?.[JAW]).toBeCloseTo(0.2);
  });
});
