import type { VideoSentence } from './video-types.js';

/** IVH's `TextTimestampResult` entry: one sentence and its words, times in 100-ns units from the video start. */
export interface TextTimestamp {
  Sentence: string;
  Words: { Word: string; StartTimestamp: number; EndTimestamp: number }[];
}

/** 100-ns ticks per ms: IVH (like .NET and Windows) counts time in 100-ns units. */
const TICKS_PER_MS = 10_000;

/** The video's sentences in IVH's `TextTimestampResult` shape. */
export function textTimestamps(sentences: readonly VideoSentence[]): TextTimestamp[] {
  return sentences.map((sentence) => ({
    Sentence: sentence.text,
    Words: sentence.words.map((w) => ({
      Word: w.word,
      StartTimestamp: Math.round(w.startMs * TICKS_PER_MS),
      EndTimestamp: Math.round(w.endMs * TICKS_PER_MS),
    })),
  }));
}
