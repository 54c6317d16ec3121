import type { WordTiming } from '@dhuman/core';

/**
 * Pinyin with tone digits as espeak's pinyin voice reads it: one syllable per word ("chuan2qi2" → "chuan2 qi2"),
 * and ü as v, the only spelling it knows ("nü3", "nu:3" → "nv3"; it reads the others as English).
 */
export function pinyinSpeechText(value: string): string {
  return value
    .replace(/ü|u:/giu, 'v')
    .replace(/([1-5])(?=\p{L})/gu, '$1 ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Maps the words spoken for a pinyin pronunciation back to the text it replaces. One syllable per character is
 * the usual case (`<phoneme alphabet="py" ph="chuan2 qi2">传奇</phoneme>`), and each character gets its
 * syllable's timing; otherwise the whole text gets the whole span. Times are kept as given; `sourceOffsetOf`
 * maps an index of `text` to the input.
 */
export function pinyinWords(
  text: string,
  sourceOffsetOf: (index: number) => number,
  spoken: readonly WordTiming[],
): WordTiming[] {
  const first = spoken[0];
  const last = spoken[spoken.length - 1];
  if (!first || !last) return [];
  const chars: { char: string; offset: number }[] = [];
  let offset = 0;
  for (const char of text) {
    if (!/\s/u.test(char)) chars.push({ char, offset });
    offset += char.length;
  }
  if (chars.length === spoken.length) {
    return spoken.map((word, i) => ({
      text: chars[i]?.char ?? '',
      textOffset: sourceOffsetOf(chars[i]?.offset ?? 0),
      startMs: word.startMs,
      endMs: word.endMs,
    }));
  }
  return [{ text, textOffset: sourceOffsetOf(0), startMs: first.startMs, endMs: last.endMs }];
}
