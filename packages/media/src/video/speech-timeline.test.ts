import type { SpeechSegment } from '@dhuman/core';
import { BLENDSHAPE_NAMES } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import { collectSpeech } from './speech-timeline.js';
import { streamed, syntheticSpeech } from './video-test-support.js';

const weights = (jaw: number): Float32Array => {
  const w = new Float32Array(BLENDSHAPE_NAMES.length);
  w[0] = jaw;
  return w;
};

function segment(startMs: number, samples: number, extra: Partial<SpeechSegment> = {}): SpeechSegment {
  return {
    startMs,
    pcm: new Int16Array(samples).fill(1),
    visemes: [],
    blendshapes: [],
    words: [],
    actions: [],
    ...extra,
  };
}

describe('collectSpeech', () => {
  it('joins an async stream of segments into one audio, mouth track and word list', async () => {
    const { segments, words, speechMs } = syntheticSpeech('Hello there. How are you?');
    const timeline = await collectSpeech(streamed(segments));
    expect(timeline.speechMs).toBe(speechMs);
    expect(timeline.pcm.length).toBe((speechMs * 24_000) / 1000);
    expect(timeline.mouth.frames.length).toBe(speechMs / 40);
    // Word times are the utterance's already: not offset by the segment they travel in.
    expect(timeline.words).toEqual(words);
  });

  it('fills a gap between segments with silence and a missing blendshape frame with the previous pose', async () => {
    const timeline = await collectSpeech([
      segment(0, 2_400, { blendshapes: [{ timeMs: 0, weights: weights(0.5) }] }),
      segment(200, 2_400, { blendshapes: [{ timeMs: 120, weights: weights(0.9) }] }),
    ]);
    expect(timeline.pcm.length).toBe(7_200);
    expect(timeline.pcm[3_000]).toBe(0);
    expect(timeline.pcm[5_000]).toBe(1);
    expect(timeline.mouth.frames.map((f) => f[0])).toEqual([0.5, 0.5, 0.5, expect.closeTo(0.9)]);
  });

  it('refuses segments that overlap (a second utterance starting over at 0)', async () => {
    await expect(collectSpeech([segment(0, 2_400), segment(0, 2_400)])).rejects.toThrow(RangeError);
  });

  it('rejects with the abort reason while the source is stalled, and stops the source', async () => {
    let returned = false;
    const stalled: AsyncIterable<SpeechSegment> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<SpeechSegment>>(() => undefined),
        return: () => {
          returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    const controller = new AbortController();
    const collecting = collectSpeech(stalled, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(collecting).rejects.toThrow('cancelled');
    expect(returned).toBe(true);
  });
});
