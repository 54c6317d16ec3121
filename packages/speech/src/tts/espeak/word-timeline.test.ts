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

  it('takes repeated and overlapping events as one word, but a Hanzi with its own event as the next', () => {
    // "123个苹果" gives 123, then 23个, then 个, then 苹.
    const text = '123个苹果';
    const events = [[word(0, 1, 3), word(600, 2, 3), word(900, 4, 1), word(1248, 5, 1)]];
    expect(run(text, events, 1792)).toEqual(['123@0 0-900', '个@3 900-1248', '苹果@4 1248-1792']);
    // "1234 dollars": one event per part of the number, the later ones a character late.
    const number = [[word(156, 1, 5), word(584, 7, 4), word(833, 8, 4), word(1275, 8, 4), word(2479, 12, 7)]];
    expect(run('costs 1234 dollars', number, 3000)).toEqual([
      'costs@0 156-584',
      '1234@6 584-2479',
      'dollars@11 2479-3000',
    ]);
  });

  it('splits a word espeak merged into the one before at the phoneme where it starts', () => {
    // "This is a test of the talking avatar.": "of" (length 2), then ʌ v ð ə, then "talking".
    const text = 'a test of the talking';
    const events = [
      [word(308, 1, 1), phoneme(308, 'ɐ'), word(367, 3, 4), phoneme(416, 't'), phoneme(653, 't')],
      [word(693, 8, 2), phoneme(693, 'ʌ'), phoneme(757, 'v'), phoneme(818, 'ð'), phoneme(865, 'ə')],
      [word(912, 15, 7), phoneme(961, 't'), phoneme(1276, 'ŋ'), phoneme(1892, '')],
    ];
    expect(run(text, events, 1899)).toEqual([
      'a@0 308-367',
      'test@2 367-693',
      'of@7 693-818',
      'the@10 818-912',
      'talking@14 912-1892',
    ]);
  });

  it('shares a span among several merged words, ending the last at the pause', () => {
    // "U.S.A. e.g. test.": one event for U (length 1) over j uː ɛ s eɪ iː dʒ iː.
    const text = 'U.S.A. e.g. test.';
    const sounds = [0, 72, 107, 190, 263, 382, 454, 524].map((ms, i) => phoneme(ms, `p${i}`));
    const events = [[word(0, 1, 1), ...sounds, phoneme(600, ''), word(629, 13, 4), phoneme(678, 't')]];
    expect(run(text, events, 1035)).toEqual(['U.S.A@0 0-382', 'e.g@7 382-600', 'test@12 629-1035']);
  });

  it('keeps words inside connectors whole and drops the punctuation around them', () => {
    // espeak reports "don" (length 3) and "well" (length 4), nothing for "t" or "known".
    const text = "(I don't) well-known, rock-n-roll!";
    const events = [[word(0, 2, 1), word(98, 4, 3), word(440, 11, 4), word(900, 23, 4)]];
    expect(run(text, events, 1500)).toEqual([
      'I@1 0-98',
      "don't@3 98-440",
      'well-known@10 440-900',
      'rock-n-roll@22 900-1500',
    ]);
  });

  it('makes punctuation a word only when espeak says it', () => {
    const text = 'Tom & Jerry — 50% off';
    const events = [
      [
        word(0, 1, 3),
        word(331, 5, 1),
        word(542, 7, 5),
        word(1008, 15, 2),
        word(1389, 17, 1),
        word(1866, 19, 3),
      ],
    ];
    expect(run(text, events, 2300)).toEqual([
      'Tom@0 0-331',
      '&@4 331-542',
      'Jerry@6 542-1008',
      '50@14 1008-1389',
      '%@16 1389-1866',
      'off@18 1866-2300',
    ]);
  });

  it('gives words before the first event and after the last a share of the nearest span', () => {
    const events = [
      [word(100, 3, 3), phoneme(100, 'a'), phoneme(200, 'b'), phoneme(300, 'c'), phoneme(400, 'd')],
    ];
    expect(run('a bcd ef', events, 500)).toEqual(['a@0 100-200', 'bcd@2 200-400', 'ef@6 400-500']);
  });

  it('shares the whole audio among the words when espeak reports none', () => {
    expect(run('one two', [[phoneme(0, 'w')]], 600)).toEqual(['one@0 0-300', 'two@4 300-600']);
  });

  it('keeps a word open across a pause inside it', () => {
    const events = [[word(0, 1, 5), phoneme(10, 'h'), phoneme(100, ''), phoneme(150, 'oʊ'), word(300, 7, 5)]];
    expect(run('hello world', events, 600)).toEqual(['hello@0 0-300', 'world@6 300-600']);
  });

  it('gives nothing for no words', () => {
    expect(run('', [[phoneme(0, '')]], 10)).toEqual([]);
  });
});
