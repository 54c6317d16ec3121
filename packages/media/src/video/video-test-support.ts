// Synthetic speech for the video tests: segments shaped like renderSpeech's (24 kHz PCM, a blendshape frame
// every 40 ms, word timings from the utterance start, segments back to back), made without a TTS engine so the
// tests know every time exactly. Test code only (tsconfig excludes *-test-support.ts from the build).
import type { BlendshapeFrame, SpeechSegment, WordTiming } from '@dhuman/core';
import { BLENDSHAPE_NAMES, SESSION_SAMPLE_RATE } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS } from '@dhuman/protocol';

const JAW = BLENDSHAPE_NAMES.indexOf('jawOpen');
/** Spoken time per character of a word, and the pause between words and after a sentence. */
const MS_PER_CHAR = 70;
const WORD_GAP_MS = 80;
const SENTENCE_GAP_MS = 400;
/** Segment length, like one engine chunk. */
const SEGMENT_MS = 200;

/** The words of `text` (letters and digits), timed one after another; sentence punctuation adds a pause. */
export function timeWords(text: string): WordTiming[] {
  const words: WordTiming[] = [];
  let at = 100;
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    const startMs = at;
    const endMs = startMs + word.length * MS_PER_CHAR;
    words.push({ text: word, textOffset: match.index, startMs, endMs });
    const after = text.slice(match.index + word.length, match.index + word.length + 1);
    at = endMs + (/[.!?]/.test(after) ? SENTENCE_GAP_MS : WORD_GAP_MS);
  }
  return words;
}

/**
 * One utterance reading `text`: a voiced buzz (150 Hz with harmonics) while each word is spoken, silence
 * between, the jaw open in the middle of each word, cut into 200 ms segments. The audio ends 200 ms after the
 * last word.
 */
export function syntheticSpeech(text: string): {
  segments: SpeechSegment[];
  words: WordTiming[];
  speechMs: number;
} {
  const words = timeWords(text);
  const speechMs = Math.ceil(((words.at(-1)?.endMs ?? 0) + 200) / SEGMENT_MS) * SEGMENT_MS;
  const samples = (speechMs * SESSION_SAMPLE_RATE) / 1000;
  const pcm = new Int16Array(samples);
  for (const word of words) {
    const from = Math.round((word.startMs * SESSION_SAMPLE_RATE) / 1000);
    const to = Math.round((word.endMs * SESSION_SAMPLE_RATE) / 1000);
    for (let i = from; i < to; i++) {
      const t = i / SESSION_SAMPLE_RATE;
      const buzz = Math.sin(2 * Math.PI * 150 * t) + 0.5 * Math.sin(2 * Math.PI * 300 * t);
      pcm[i] = Math.round(6000 * buzz);
    }
  }
  const jawAt = (ms: number): number => {
    const word = words.find((w) => ms >= w.startMs && ms < w.endMs);
    if (!word) return 0;
    const phase = (ms - word.startMs) / (word.endMs - word.startMs);
    return 0.8 * Math.sin(Math.PI * phase);
  };
  const segments: SpeechSegment[] = [];
  for (let startMs = 0; startMs < speechMs; startMs += SEGMENT_MS) {
    const endMs = startMs + SEGMENT_MS;
    const blendshapes: BlendshapeFrame[] = [];
    for (let t = startMs; t < endMs; t += BLENDSHAPE_FRAME_MS) {
      const weights = new Float32Array(BLENDSHAPE_NAMES.length);
      weights[JAW] = jawAt(t);
      blendshapes.push({ timeMs: t, weights });
    }
    const from = (startMs * SESSION_SAMPLE_RATE) / 1000;
    const to = (endMs * SESSION_SAMPLE_RATE) / 1000;
    segments.push({
      startMs,
      pcm: pcm.slice(from, to),
      visemes: [],
      blendshapes,
      // A word travels with the segment its end falls in, as the speech renderer's assembler does.
      words: words.filter((w) => w.endMs > startMs && w.endMs <= endMs),
      actions: [],
    });
  }
  return { segments, words, speechMs };
}

/** The same segments, delivered one at a time as an async stream (like a TTS render). */
export async function* streamed(segments: readonly SpeechSegment[]): AsyncGenerator<SpeechSegment> {
  for (const segment of segments) {
    await new Promise((resolve) => setImmediate(resolve));
    yield segment;
  }
}
