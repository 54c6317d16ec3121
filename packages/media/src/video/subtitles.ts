import { joinWords } from './sentences.js';
import type { VideoSentence, VideoWord } from './video-types.js';

/** One subtitle: a line of text shown from `startMs` to `endMs`. */
export interface SubtitleCue {
  startMs: number;
  endMs: number;
  text: string;
}

export interface SubtitleLimits {
  /** Characters per cue; 42 is the common broadcast line length (EBU, Netflix). Default 42. */
  maxChars?: number;
  /** Longest a cue stays up; longer and a viewer has read it and waits. Default 5000. */
  maxMs?: number;
}

const DEFAULT_MAX_CHARS = 42;
const DEFAULT_MAX_MS = 5_000;

/**
 * Cuts timed words into subtitle cues: words are added to a cue while it stays within `maxChars` and `maxMs`,
 * and a cue never spans two sentences. Given plain words, they are treated as one sentence. A word longer than
 * `maxChars` on its own gets a cue of its own. The last cue of a sentence ends with the sentence's own final
 * punctuation (words carry none).
 */
export function subtitleCues(
  input: readonly VideoSentence[] | readonly VideoWord[],
  limits: SubtitleLimits = {},
): SubtitleCue[] {
  const maxChars = limits.maxChars ?? DEFAULT_MAX_CHARS;
  const maxMs = limits.maxMs ?? DEFAULT_MAX_MS;
  const sentences = isSentences(input) ? input : [{ text: '', words: input }];
  const cues: SubtitleCue[] = [];
  for (const sentence of sentences) {
    let line: VideoWord[] = [];
    const flush = (final: boolean): void => {
      const first = line[0];
      if (!first) return;
      let text = joinWords(line.map((w) => w.word));
      if (final) text += trailingPunctuation(sentence.text, text);
      cues.push({ startMs: first.startMs, endMs: Math.max(...line.map((w) => w.endMs)), text });
      line = [];
    };
    for (const word of sentence.words) {
      const first = line[0];
      const longer = joinWords([...line.map((w) => w.word), word.word]);
      if (first && (longer.length > maxChars || word.endMs - first.startMs > maxMs)) flush(false);
      line.push(word);
    }
    flush(true);
  }
  return cues;
}

/** The punctuation that ends `sentence`, unless `text` already ends with it. */
function trailingPunctuation(sentence: string, text: string): string {
  const end = /[^\p{L}\p{N}\s]+$/u.exec(sentence)?.[0] ?? '';
  return end.length > 0 && !text.endsWith(end) ? end : '';
}

function isSentences(
  input: readonly VideoSentence[] | readonly VideoWord[],
): input is readonly VideoSentence[] {
  const first = input[0];
  return first !== undefined && 'words' in first;
}

/** `HH:MM:SS,mmm`, SRT's time format (hours not limited to two digits). */
export function srtTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor(total / 60_000) % 60;
  const seconds = Math.floor(total / 1000) % 60;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)},${pad(total % 1000, 3)}`;
}

/** An SRT file: numbered cues, CRLF-free (players accept LF), separated by blank lines. */
export function toSrt(cues: readonly SubtitleCue[]): string {
  return cues
    .map((cue, i) => `${i + 1}\n${srtTime(cue.startMs)} --> ${srtTime(cue.endMs)}\n${cue.text}\n`)
    .join('\n');
}
