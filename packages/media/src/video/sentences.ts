import type { WordTiming } from '@dhuman/core';
import type { VideoSentence, VideoWord } from './video-types.js';

/** Full-width sentence ends (CJK) end a sentence wherever they stand. */
const WIDE_END = /[。！？；…]/;
/**
 * ASCII sentence ends count only when followed (after closing quotes or brackets) by white space: "3.5" and
 * "e.g." inside a sentence are read as separate words with a bare "." between them, and must not split it.
 */
const ASCII_END = /[.!?;]["'”’)\]]*\s/;
/** SSML markup between words (`<break time="1.5s"/>`) is not text: its dots and quotes must not count. */
const TAG = /<[^>]*>/g;
const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/;

export function toVideoWords(words: readonly WordTiming[]): VideoWord[] {
  return words.map((w) => ({ word: w.text, startMs: w.startMs, endMs: w.endMs }));
}

/** Words joined for display: with spaces, except between CJK characters, which are written without them. */
export function joinWords(words: readonly string[]): string {
  let out = '';
  for (const word of words) {
    if (out.length > 0 && word.length > 0 && !(CJK.test(out.at(-1) ?? '') && CJK.test(word[0] ?? ''))) {
      out += ' ';
    }
    out += word;
  }
  return out;
}

/**
 * Groups timed words into sentences. With `text` (what the words' `textOffset` index), a sentence ends after a
 * word followed by sentence punctuation, and its text is the source's own (punctuation kept, markup dropped,
 * white space collapsed). Without it there is nothing to split on, and all words form one sentence.
 */
export function groupSentences(words: readonly WordTiming[], text?: string): VideoSentence[] {
  if (words.length === 0) return [];
  if (text === undefined) return [sentenceOf(words, joinWords(words.map((w) => w.text)))];
  const sentences: VideoSentence[] = [];
  let first = 0;
  words.forEach((word, i) => {
    const after = word.textOffset + word.text.length;
    const nextWord = words[i + 1];
    const gap = text.slice(after, nextWord ? nextWord.textOffset : text.length).replace(TAG, ' ');
    const last = nextWord === undefined;
    const ends = last || WIDE_END.test(gap) || ASCII_END.test(gap);
    if (!ends) return;
    const from = words[first]?.textOffset ?? after;
    // The sentence's own text runs to the end of its punctuation (not into the space or markup after it).
    const punctuation = /^[^\p{L}\p{N}\s<]*/u.exec(text.slice(after))?.[0] ?? '';
    const written = text
      .slice(from, after + punctuation.length)
      .replace(TAG, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    sentences.push(sentenceOf(words.slice(first, i + 1), written));
    first = i + 1;
  });
  return sentences;
}

function sentenceOf(words: readonly WordTiming[], text: string): VideoSentence {
  return {
    text,
    startMs: words[0]?.startMs ?? 0,
    endMs: Math.max(...words.map((w) => w.endMs)),
    words: toVideoWords(words),
  };
}
