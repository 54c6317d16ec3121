import { describe, expect, it } from 'vitest';
import type { EspeakEvent } from './espeak-worker.js';
import { WordTimeline } from './word-timeline.js';

const word = (ms: number, position: number, length: number): EspeakEvent => ({
  kind: 'word',
  ms,
  position,
  length,
});
const phoneme = (ms: number, ipa: string): EspeakEvent => ({ kind: 'phoneme', ms, ipa });

/** Words as "text@offset start-end". */
function run(text: string, chunks: EspeakEvent[][], endMs: number): string[] {
  const timeline = new WordTimeline(text);
  const words = [...chunks.flatMap((events) => timeline.push(events)), ...timeline.finish(endMs)];
  return words.map((w) => `${w.text}@${w.textOffset} ${w.startMs}-${w.endMs}`);
}

// Event sequences below are espeak-ng-emscripten 0.3.5's own, trimmed.
describe('WordTimeline', () => {
  it('converts 1-based code-point positions to UTF-16 offsets and ends words at pauses', () => {
    const text = 'café au lait, hello';
    const events = [
      [word(0, 1, 4), phoneme(38, 'k'), phoneme(232, 'ˈeɪ'), word(357, 6, 2), phoneme(357, 'ˌoʊ')],
      [word(476, 9, 4), phoneme(485, 'l'), phoneme(770, 't'), phoneme(815, ''), phoneme(965, '')],
      [word(965, 15, 5), phoneme(977, 'h'), phoneme(1150, 'ˈoʊ')],
    ];
    expect(run(text, events, 1300)).toEqual([
      'café@0 0-357',
      'au@5 357-476',
      'lait@8 476-815',
      'hello@14 965-1300',
    ]);
  });

  it('counts astral characters as one position but two UTF-16 units', () => {
    // "I 😀 love 𝒳ylophones": espeak reads the emoji as two words, the second placed on the following space,
    // and repeats the word event while spelling 𝒳.
    const text = 'I 😀 love 𝒳ylophones';
    const events = [
      [
        word(0, 1, 1),
        word(100, 3, 1),
        word(300, 4, 1),
        word(500, 5, 4),
        word(700, 10, 10),
        word(800, 10, 10),
      ],
    ];
    expect(run(text, events, 1500)).toEqual([
      'I@0 0-100',
      '😀@2 100-500',
      'love@5 500-700',
      '𝒳ylophones@10 700-1500',
    ]);
  });

  it('stretches a Mandarin word over the characters espeak speaks with it', () => {
    // 你好 is one dictionary word, reported as 你 with length 1.
    const text = '你好世界。';
    const events = [
      [word(0, 1, 1), phoneme(0, 'n'), phoneme(288, 'ˈɑu'), phoneme(428, '')],
      [
        word(428, 3, 1),
        phoneme(440, 's.'),
        phoneme(683, ''),
        word(683, 4, 1),
        phoneme(722, 'tɕ'),
        phoneme(962, ''),
      ],
    ];
    expect(run(text, events, 1263)).toEqual(['你好@0 0-428', '世@2 428-683', '界@3 683-962']);
  });

  it('reaches a lone Mandarin word to the end of the letters at the end', () => {
    expect(run('你好', [[word(0, 1, 1), phoneme(0, 'n')]], 500)).toEqual(['你好@0 0-500']);
  });

  it('merges overlapping word events into one word', () => {
    // "123个苹果" gives 123, then 23个, then 个, then 苹.
    const text = '123个苹果';
    const events = [[word(0, 1, 3), word(600, 2, 3), word(900, 4, 1), word(1248, 5, 1)]];
    expect(run(text, events, 1792)).toEqual(['123个@0 0-1248', '苹果@4 1248-1792']);
  });

  it('keeps a word open across a pause inside it', () => {
    const events = [[word(0, 1, 5), phoneme(10, 'h'), phoneme(100, ''), phoneme(150, 'oʊ'), word(300, 7, 5)]];
    expect(run('hello world', events, 600)).toEqual(['hello@0 0-300', 'world@6 300-600']);
  });

  it('gives nothing for no words', () => {
    expect(run('', [[phoneme(0, '')]], 10)).toEqual([]);
  });
});
