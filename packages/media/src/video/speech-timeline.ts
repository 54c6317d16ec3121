import type { SpeechSegment, WordTiming } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS } from '@dhuman/protocol';
import type { UtteranceBlendshapes } from '../render/frame-timing.js';

/** One utterance gathered from its segments: the whole audio, the mouth track and the words. */
export interface SpeechTimeline {
  /** Mono PCM at `SESSION_SAMPLE_RATE`, from the utterance's start. */
  pcm: Int16Array;
  speechMs: number;
  /** Blendshape frame i describes `i * BLENDSHAPE_FRAME_MS`; read with `weightsAt`, as the live stream does. */
  mouth: UtteranceBlendshapes;
  /** In speaking order; times are already from the utterance start (`SpeechSegment` says so), not offset again. */
  words: WordTiming[];
}

/** A segment starting this far from where the previous one ended is out of place (rounding stays far below). */
const SAMPLE_SLACK = 1;

/**
 * Reads every segment of one utterance and joins them. A segment that starts after the audio so far ends gets
 * silence in between (segments should be back to back, so this only absorbs a producer's rounding); one that
 * starts before it overlaps or belongs to another utterance, and is refused with a `RangeError`. Rejects with
 * the signal's reason when it aborts, even while the source is waiting for its next segment.
 */
export async function collectSpeech(
  speech: Iterable<SpeechSegment> | AsyncIterable<SpeechSegment>,
  signal?: AbortSignal,
): Promise<SpeechTimeline> {
  const chunks: { at: number; pcm: Int16Array }[] = [];
  const frames: ArrayLike<number>[] = [];
  const words: WordTiming[] = [];
  let samples = 0;
  for await (const segment of abortable(speech, signal)) {
    const at = Math.round((segment.startMs * SESSION_SAMPLE_RATE) / 1000);
    if (at < samples - SAMPLE_SLACK) {
      throw new RangeError(
        `speech segment at ${segment.startMs} ms starts before the audio so far ends ` +
          `(${(samples * 1000) / SESSION_SAMPLE_RATE} ms): expected one utterance, segments back to back`,
      );
    }
    const start = Math.max(at, samples);
    if (segment.pcm.length > 0) chunks.push({ at: start, pcm: segment.pcm });
    samples = start + segment.pcm.length;
    for (const frame of segment.blendshapes) {
      const index = Math.round(frame.timeMs / BLENDSHAPE_FRAME_MS);
      if (index < 0) continue;
      // A gap holds the previous pose rather than snapping to rest (as the live stream's pump does).
      while (frames.length < index) frames.push(frames.at(-1) ?? frame.weights);
      frames[index] = frame.weights;
    }
    words.push(...segment.words);
  }
  const pcm = new Int16Array(samples);
  for (const chunk of chunks) pcm.set(chunk.pcm, chunk.at);
  words.sort((a, b) => a.startMs - b.startMs || a.textOffset - b.textOffset);
  return {
    pcm,
    speechMs: (samples * 1000) / SESSION_SAMPLE_RATE,
    mouth: { startMs: 0, frames },
    words,
  };
}

/**
 * Iterates `source`, racing each step against `signal`: a TTS stream that stalls cannot hold up a cancel. On
 * abort the source is told to stop (`return`) without waiting for it.
 */
async function* abortable<T>(
  source: Iterable<T> | AsyncIterable<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  signal?.throwIfAborted();
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal) {
    aborted = new Promise<never>((_, reject) => {
      // The caller's own reason, as `signal.throwIfAborted()` would throw it (an AbortError unless one was given).
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
  }
  let done = false;
  try {
    for (;;) {
      const next = Promise.resolve(iterator.next());
      // If the abort wins the race, a later failure of this step has no one to hear it.
      next.catch(() => undefined);
      const step = aborted ? await Promise.race([next, aborted]) : await next;
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
