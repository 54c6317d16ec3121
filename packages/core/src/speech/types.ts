import type { VisemeEvent } from './visemes.js';

/** All audio inside dhuman: signed 16-bit little-endian mono PCM at this rate (the client-render rate, §6.2). */
export const SESSION_SAMPLE_RATE = 24_000;

/** A phoneme as a TTS engine reports it: an IPA symbol starting at `timeMs` of its request's audio. */
export interface PhonemeEvent {
  timeMs: number;
  ipa: string;
}

/** A word of the input text and when it is spoken; offsets are UTF-16 indexes into the request text. */
export interface WordTiming {
  text: string;
  textOffset: number;
  startMs: number;
  endMs: number;
}

export interface VoiceInfo {
  /** The `TimbreKey` clients send, e.g. `en-us`, `cmn`. */
  key: string;
  name: string;
  /** BCP 47 language, e.g. `en-US`, `zh-CN`. */
  language: string;
}

export interface TtsRequest {
  text: string;
  voice: string;
  /** Speaking-rate factor, 0.5-2 (1 = normal). */
  speed: number;
  /** Gain in the IVH scale -10..10 (0 = unchanged). */
  volume: number;
}

/**
 * One piece of synthesized audio. Times are in ms from the start of the request's audio, so chunks of one
 * request can be concatenated as they come.
 */
export interface TtsChunk {
  pcm: Int16Array;
  sampleRate: number;
  /** Present only when the engine reports phoneme timing (`capabilities.phonemeTimings`). */
  phonemes: PhonemeEvent[];
  words: WordTiming[];
}

/**
 * A text-to-speech engine. `synthesize` streams chunks as the engine produces them and stops early, without
 * error, once `signal` aborts. Engines that cannot time phonemes say so, and their audio is lip-synced by the
 * audio-to-viseme estimator instead.
 */
export interface TtsProvider {
  readonly label: string;
  readonly capabilities: { readonly phonemeTimings: boolean };
  voices(): readonly VoiceInfo[];
  synthesize(request: TtsRequest, signal: AbortSignal): AsyncIterable<TtsChunk>;
  close(): Promise<void>;
}

/** Lip-sync from audio alone (any language, no transcript): PCM at SESSION_SAMPLE_RATE in, visemes out. */
export interface AudioVisemeEstimator {
  /**
   * Feeds the next PCM of one utterance and returns the visemes that start inside it, timed from the start of
   * the utterance. Stateful per utterance: create one with `start()` for each.
   */
  start(): { push(pcm: Int16Array): VisemeEvent[]; end(): VisemeEvent[] };
}
