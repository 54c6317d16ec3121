import type { Viseme } from '@dhuman/core';
import type { FrameFeatures } from './audio-frames.js';

/** What the classifier knows about the recent past, from the estimator's level tracking. */
export interface FrameContext {
  /** Below this level a frame is silence (dBFS): the adaptive noise floor plus a margin. */
  gateDb: number;
  /** Level of the most recent vowels (dBFS, decaying), or undefined when there were none lately. */
  vowelDb: number | undefined;
}

/**
 * Frication: a noisy waveform with most power high in the spectrum. Vowels cross zero ~0.05 times a sample with
 * a slope measure under 0.1; /s/ and white noise cross 0.4–0.6 times with a slope of 0.6–1, /ʃ/ ~0.25 and
 * ~0.4, so both thresholds sit well clear of vowels.
 */
const FRICATIVE_SLOPE = 0.25;
const FRICATIVE_ZCR = 0.15;
/** /ʃ/ (CH) peaks at 2.5–4 kHz and so crosses zero less often than /s/, whose power is above 5 kHz. */
const SIBILANT_ZCR = 0.33;
/** /f/ and /θ/ are 20–30 dB weaker than the vowels around them; /s/ and /ʃ/ only 10–15 dB. */
const WEAK_FRICATIVE_DB = 20;

/**
 * A voiced frame this far below the recent vowels, with no frication, is a closure or a nasal murmur:
 * /m n ŋ/ sit ~10–20 dB below the vowels, the voice bar of /b d g/ ~20–30 dB.
 */
const DIP_DB = 12;
const CLOSURE_DB = 20;

/**
 * Vowel chart boundaries on the formant estimates (Hz), from Peterson & Barney's and Hillenbrand's averages for
 * men and women: front vowels (/i ɪ e ɛ/) have F2 above ~1500 Hz, back and rounded ones (/u ʊ o ɔ/) below
 * ~1100 Hz. F1 grows with opening: /i u/ ~300, /e o/ ~450–600, /æ a/ ~650–850.
 */
const FRONT_F2_HZ = 1400;
const CLOSE_F1_HZ = 400;
const FRONT_OPEN_F1_HZ = 560;
const BACK_OPEN_F1_HZ = 640;
const BACK_CLOSE_F1_HZ = 420;

/**
 * One 20 ms frame → the viseme it most likely shows. It sorts a frame into silence, frication, a dip between
 * vowels, or a vowel placed by its first two formants; it never yields TH, DD, kk or RR, which differ from
 * their neighbours by tongue position the spectrum of 20 ms cannot reveal reliably.
 */
export function classifyFrame(frame: Readonly<FrameFeatures>, context: FrameContext): Viseme {
  const { levelDb } = frame;
  if (levelDb < context.gateDb) return 'sil';

  if (frame.slope >= FRICATIVE_SLOPE && frame.zcr >= FRICATIVE_ZCR) {
    if (frame.zcr < SIBILANT_ZCR) return 'CH';
    const weak = context.vowelDb !== undefined && levelDb < context.vowelDb - WEAK_FRICATIVE_DB;
    return weak ? 'FF' : 'SS';
  }

  if (context.vowelDb !== undefined && levelDb < context.vowelDb - DIP_DB) {
    return levelDb < context.vowelDb - CLOSURE_DB ? 'PP' : 'nn';
  }

  const { f1Hz, f2Hz } = frame.formants();
  return vowelViseme(f1Hz, f2Hz);
}

/** Whether `viseme` is one `vowelViseme` returns, i.e. the frame sets the level that dips are measured from. */
export function isVowel(viseme: Viseme): boolean {
  return viseme === 'aa' || viseme === 'E' || viseme === 'ih' || viseme === 'oh' || viseme === 'ou';
}

function vowelViseme(f1Hz: number, f2Hz: number): Viseme {
  if (f2Hz >= FRONT_F2_HZ) {
    if (f1Hz >= FRONT_OPEN_F1_HZ) return 'aa';
    return f1Hz < CLOSE_F1_HZ ? 'ih' : 'E';
  }
  if (f1Hz >= BACK_OPEN_F1_HZ) return 'aa';
  return f1Hz < BACK_CLOSE_F1_HZ ? 'ou' : 'oh';
}
