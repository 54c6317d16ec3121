import { describe, expect, it } from 'vitest';
import { isWordBoundary, spokenWeight, textSegments } from './word-segments.js';

/** Segments as their text, non-lexical ones in brackets. */
function segments(text: string): string[] {
  const codePoints = [...text];
  return textSegments(codePoints).map((s) => {
    const part = codePoints.slice(s.start, s.end).join('');
    return s.lexical ? part : `[${part}]`;
  });
}

describe('textSegments', () => {
  it('splits at spaces and keeps the punctuation around words apart', () => {
    expect(segments('This is a test of the talking avatar.')).toEqual([
      'This',
      'is',
      'a',
      'test',
      'of',
      'the',
      'talking',
      'avatar',
      '[.]',
    ]);
    expect(segments('"Wait..." (really) — yes!')).toEqual([
      '["]',
      'Wait',
      '[..."]',
      '[(]',
      'really',
      '[)]',
      '[—]',
      'yes',
      '[!]',
    ]);
  });

  it('keeps connectors between letters or digits inside the word', () => {
    expect(
      segments("don't well-known U.S.A. e.g. 3.5 1,000 10:30 12/05/2024 a@b.com AT&T snake_case"),
    ).toEqual([
      "don't",
      'well-known',
      'U.S.A',
      '[.]',
      'e.g',
      '[.]',
      '3.5',
      '1,000',
      '10:30',
      '12/05/2024',
      'a@b.com',
      'AT&T',
      'snake_case',
    ]);
    expect(segments("students' -5 end-")).toEqual(['students', "[']", '[-]', '5', 'end', '[-]']);
  });

  it('keeps symbols with what they touch, and alone they are not lexical', () => {
    expect(segments('$5 C++ 50% & 😀 ++')).toEqual(['$5', 'C++', '50', '[%]', '[&]', '[😀]', '[++]']);
  });

  it('keeps Hanzi runs whole, split only at their punctuation', () => {
    expect(segments('你好世界，今天天气很好。')).toEqual(['你好世界', '[，]', '今天天气很好', '[。]']);
    expect(segments('我说 Hello。2024年3月')).toEqual(['我说', 'Hello', '[。]', '2024年3月']);
  });

  it('counts code points, not UTF-16 units', () => {
    const codePoints = [...'𝒳y 😀'];
    expect(textSegments(codePoints)).toEqual([
      { start: 0, end: 2, lexical: true },
      { start: 3, end: 4, lexical: false },
    ]);
  });
});

describe('isWordBoundary', () => {
  it('allows a word to end only next to a character of a script without spaces', () => {
    const codePoints = [...'ab你好3个'];
    expect([1, 2, 3, 4, 5].map((i) => isWordBoundary(codePoints, i))).toEqual([
      false,
      true,
      true,
      true,
      true,
    ]);
    expect(isWordBoundary([...'12/05'], 2)).toBe(false);
  });
});

describe('spokenWeight', () => {
  it('counts letters and digits, at least 1', () => {
    const codePoints = [...'U.S.A 你好 ++'];
    expect(spokenWeight(codePoints, 0, 5)).toBe(3);
    expect(spokenWeight(codePoints, 6, 8)).toBe(2);
    expect(spokenWeight(codePoints, 9, 11)).toBe(1);
  });
});
