import type { TtsRequest, VoiceInfo } from '@dhuman/core';
import type { EspeakJob } from './espeak-worker.js';
import { volumeGain } from '../../audio/pcm.js';

/** The voices offered. */
export const ESPEAK_VOICES: readonly VoiceInfo[] = Object.freeze([
  { key: 'en-us', name: 'English (US)', language: 'en-US' },
  { key: 'en-gb', name: 'English (UK)', language: 'en-GB' },
  { key: 'cmn', name: 'Mandarin Chinese (reads Hanzi)', language: 'zh-CN' },
  { key: 'cmn-latn-pinyin', name: 'Mandarin Chinese (reads pinyin with tone digits)', language: 'zh-CN' },
]);

/**
 * espeak-ng's identifier of each voice: `set_voice` matches voice files, not language tags, so "en-gb" fails
 * (British English is the file `gmw/en`). Keep in step with the warm-up in `espeak-worker.ts`.
 */
const ESPEAK_IDENTIFIERS: Readonly<Record<string, string>> = {
  'en-us': 'gmw/en-US',
  'en-gb': 'gmw/en',
  cmn: 'sit/cmn',
  'cmn-latn-pinyin': 'sit/cmn-Latn-pinyin',
};

/** espeak-ng's default speaking rate and the range it accepts (it clamps anything outside). */
const DEFAULT_WPM = 175;
const MIN_WPM = 80;
const MAX_WPM = 450;

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** Speed factor 0.5-2 → words per minute. */
export function espeakRate(speed: number): number {
  const factor = Number.isFinite(speed) ? clamp(speed, 0.5, 2) : 1;
  return clamp(Math.round(DEFAULT_WPM * factor), MIN_WPM, MAX_WPM);
}

/**
 * espeak-ng reads `<…>` in its input as markup and silently drops it, so literal angle brackets (decoded from
 * `&lt;` in SSML, or typed in plain text) are blanked one-for-one: the text keeps its length, and word offsets
 * still point into the caller's text.
 */
export function plainForEspeak(text: string): string {
  return text.replace(/[<>]/g, ' ');
}

export function espeakJob(request: TtsRequest): EspeakJob {
  const voice = ESPEAK_IDENTIFIERS[request.voice];
  if (voice === undefined || !Object.hasOwn(ESPEAK_IDENTIFIERS, request.voice)) {
    const known = ESPEAK_VOICES.map((v) => v.key).join(', ');
    throw new Error(`espeak.tts: unknown voice "${request.voice}"; known voices: ${known}`);
  }
  return {
    text: plainForEspeak(request.text),
    voice,
    rate: espeakRate(request.speed),
    gain: volumeGain(request.volume),
  };
}
