import type { TtsProvider } from '@dhuman/core';
import { EspeakTts } from './espeak/espeak-tts.js';
import { OpenAiCompatibleTts } from './openai/openai-tts.js';

export interface ChosenTts {
  tts: TtsProvider;
  /** Loads the engine (worker threads, WASM) so the first utterance is fast; remote engines have nothing to load. */
  warmUp(): Promise<void>;
}

/**
 * The TTS engine from the environment: an OpenAI-compatible endpoint when DHUMAN_TTS_URL is set, otherwise the
 * embedded espeak-ng (no network, English and Mandarin).
 */
export function createTts(env: NodeJS.ProcessEnv, options: { espeakWorkers?: number } = {}): ChosenTts {
  const remote = OpenAiCompatibleTts.fromEnv(env);
  if (remote) return { tts: remote, warmUp: () => Promise.resolve() };
  const espeak = new EspeakTts(options.espeakWorkers === undefined ? {} : { workers: options.espeakWorkers });
  return { tts: espeak, warmUp: () => espeak.warmUp() };
}
