import { describe, expect, it } from 'vitest';
import { splitSpan } from './split-span.js';

/** Spans as "start-end". */
const split = (startMs: number, endMs: number, weights: number[], phonemes: number[]): string[] =>
  splitSpan({ startMs, endMs }, weights, phonemes).map((s) => `${s.startMs}-${s.endMs}`);

describe('splitSpan', () => {
  it('gives one word the whole span', () => {
    expect(split(100, 400, [5], [120, 200, 300])).toEqual(['100-400']);
  });

  it('gives nothing for no words', () => {
    expect(split(100, 400, [], [120])).toEqual([]);
  });

  it('splits "of the" at ð: phonemes shared by letters, each word starting at its first phoneme', () => {
    // ʌ v ð ə, weights 2 and 3: round(4 × 2/5) = 2 phonemes for "of".
    expect(split(693, 912, [2, 3], [693, 757, 818, 865])).toEqual(['693-818', '818-912']);
    // "that the": ð æ t ð ɪ, weights 4 and 3: round(5 × 4/7) = 3.
    expect(split(211, 521, [4, 3], [223, 269, 377, 422, 468])).toEqual(['211-422', '422-521']);
    // "U.S.A e.g": j uː ɛ s eɪ iː dʒ iː, weights 3 and 2: round(8 × 3/5) = 5.
    expect(split(0, 629, [3, 2], [0, 72, 107, 190, 263, 382, 454, 524])).toEqual(['0-382', '382-629']);
  });

  it('leaves every word at least one phoneme, however uneven the weights', () => {
    expect(split(0, 400, [1, 10, 1], [0, 100, 200, 300])).toEqual(['0-100', '100-300', '300-400']);
    expect(split(0, 300, [10, 1, 1], [0, 100, 200])).toEqual(['0-100', '100-200', '200-300']);
  });

  it('ignores phonemes outside the span', () => {
    expect(split(100, 300, [1, 1], [50, 100, 200, 300, 350])).toEqual(['100-200', '200-300']);
  });

  it('shares the time by weight when there are fewer phonemes than words', () => {
    expect(split(0, 600, [1, 2, 3], [0, 300])).toEqual(['0-100', '100-300', '300-600']);
    expect(split(0, 300, [1, 1, 1], [])).toEqual(['0-100', '100-200', '200-300']);
  });

  it('counts a weight that is not positive as 1', () => {
    expect(split(0, 300, [0, -4, Number.NaN], [])).toEqual(['0-100', '100-200', '200-300']);
  });

  it('tiles the span with ordered spans, even with phonemes at the same time', () => {
    const spans = splitSpan({ startMs: 10, endMs: 90 }, [3, 1, 2, 5], [10, 20, 20, 20, 50, 70]);
    expect(spans[0]?.startMs).toBe(10);
    expect(spans.at(-1)?.endMs).toBe(90);
    for (let i = 0; i < spans.length; i++) {
      expect(spans[i]?.endMs).toBeGreaterThanOrEqual(spans[i]?.startMs ?? 0);
      if (i > 0) expect(spans[i]?.startMs).toBe(spans[i - 1]?.endMs);
    }
  });
});
