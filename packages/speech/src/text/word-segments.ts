/**
 * A stretch of text between spaces and separating punctuation: a word, or a run of punctuation and symbols.
 * Indexes count code points (as espeak's text positions do), end exclusive.
 */
export interface TextSegment {
  start: number;
  end: number;
  /**
   * Has a letter or digit, so it is said whatever a TTS engine reports. Runs of only punctuation, symbols or
   * emoji ("—", "&", "%", "😀") are said only sometimes, so they count as words only when the engine says so.
   */
  lexical: boolean;
}

const LETTER_OR_DIGIT = /[\p{L}\p{M}\p{N}]/u;
const PUNCTUATION = /\p{P}/u;
const SPACE = /\s/u;
/** Punctuation that joins what is on both sides into one word: don't, well-known, U.S.A, 3.5, 1,000, 10:30, 12/05, a@b, AT&T. */
const CONNECTORS = new Set(["'", '’', 'ʼ', '-', '‐', '‑', '.', ',', ':', '/', '@', '&', '_']);
/** Scripts written without spaces between words, which a word may end inside of. */
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;

/**
 * Splits text (as code points) into segments. Spaces separate, and so does punctuation, except a connector
 * between two letters or digits. Symbols stay with what they touch ("$5", "C++"). So a segment's text is a word
 * without the punctuation around it ("avatar." → "avatar", "(really)" → "really"), and the punctuation is its
 * own, non-lexical segment. Text without spaces (Hanzi) stays one segment: see `isWordBoundary`.
 */
export function textSegments(codePoints: readonly string[]): TextSegment[] {
  const segments: TextSegment[] = [];
  let open: (TextSegment & { separator: boolean }) | undefined;
  const close = (): void => {
    if (open) segments.push({ start: open.start, end: open.end, lexical: open.lexical });
    open = undefined;
  };
  codePoints.forEach((char, i) => {
    if (SPACE.test(char)) {
      close();
      return;
    }
    const separator = PUNCTUATION.test(char) && !joins(codePoints, i);
    if (open?.separator !== separator) {
      close();
      open = { start: i, end: i, lexical: false, separator };
    }
    open.end = i + 1;
    if (LETTER_OR_DIGIT.test(char)) open.lexical = true;
  });
  close();
  return segments;
}

/** Whether a word may end before `index` inside a segment: next to a character of a script without spaces. */
export function isWordBoundary(codePoints: readonly string[], index: number): boolean {
  return NO_SPACE_SCRIPT.test(codePoints[index - 1] ?? '') || NO_SPACE_SCRIPT.test(codePoints[index] ?? '');
}

/** The letters and digits of a stretch, a rough measure of how long it takes to say (at least 1). */
export function spokenWeight(codePoints: readonly string[], start: number, end: number): number {
  let weight = 0;
  for (let i = start; i < end; i++) if (LETTER_OR_DIGIT.test(codePoints[i] ?? '')) weight++;
  return Math.max(1, weight);
}

function joins(codePoints: readonly string[], i: number): boolean {
  return (
    CONNECTORS.has(codePoints[i] ?? '') &&
    LETTER_OR_DIGIT.test(codePoints[i - 1] ?? '') &&
    LETTER_OR_DIGIT.test(codePoints[i + 1] ?? '')
  );
}
