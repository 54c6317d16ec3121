import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { PowerSpectrum } from './audio-fft.js';

/** 10 ms between frames: a viseme rarely lasts under 40 ms, so this resolves every change with room to spare. */
export const HOP_SAMPLES = SESSION_SAMPLE_RATE / 100;
/**
 * Each frame looks at 20 ms centred on its time: long enough to span two pitch periods of a low voice (so the
 * level does not pulse with the glottis), short enough to follow a syllable.
 */
const WINDOW_SAMPLES = 2 * HOP_SAMPLES;

/**
 * Formants need only 0–3 kHz, so the spectrum is taken at 8 kHz, over the central 16 ms of the frame: a 128-point
 * FFT instead of 512 at the full rate, which (with skipping the FFT for silence and frication) keeps a minute of
 * audio under ~40 ms of CPU. Decimation averages each 3 samples; that filter leaves 5–8 kHz partly aliased,
 * which only matters for fricatives, and those are told by their full-rate waveform (zero crossings, slope)
 * before the formants are looked at.
 */
const DECIMATION = 3;
const DECIMATED_RATE = SESSION_SAMPLE_RATE / DECIMATION;
const DECIMATED_HOP = HOP_SAMPLES / DECIMATION;
const DECIMATED_WINDOW = WINDOW_SAMPLES / DECIMATION;
/** Bins are 62.5 Hz apart. */
const FFT_SIZE = 128;
/** Where the FFT's samples start in the decimated window, so that they are centred on the frame's time. */
const FFT_OFFSET = (DECIMATED_WINDOW - FFT_SIZE) / 2;
const BIN_HZ = DECIMATED_RATE / FFT_SIZE;
const FULL_SCALE_POWER = 32768 * 32768;

/**
 * Power-weighted mean frequency over these ranges estimates the first and second formants well enough to place
 * a vowel on the chart: F1 (200–1000 Hz) rises as the jaw opens, F2 (800–3000 Hz) rises as the tongue moves
 * forward. Starting F2's range at 800 Hz keeps most of an open vowel's F1 out while still seeing the low F2 of
 * /o/ and /u/ (~850 Hz). On synthetic vowels with textbook formants, F1 lands within ~75 Hz; F2 is pulled
 * toward F1 when the two are close or F2 is weak (a female /i/ at 2790 Hz reads ~2100 Hz), which still leaves
 * it on the right side of the classifier's boundaries.
 */
const F1_RANGE = [200, 1000] as const;
const F2_RANGE = [800, 3000] as const;

/** What one frame sounds like. */
export interface FrameFeatures {
  /** Frame index; the frame is centred on `index × 10 ms` from the start of the utterance. */
  index: number;
  /** RMS level in dB relative to full scale, DC removed; −120 for digital silence. */
  levelDb: number;
  /** Zero crossings per sample (0..1): ~0.05 for vowels, ~0.25 for /ʃ/, 0.4–0.6 for /s/ and white noise. */
  zcr: number;
  /**
   * Mean square of the sample-to-sample difference over twice the mean square, about the share of power high
   * in the spectrum: white noise 1, /s/ 0.6–1, vowels under 0.1 (a 1 kHz tone gives 0.03, 5 kHz 0.74).
   */
  slope: number;
  /**
   * Estimated first and second formants. Computed on first call, since only vowel candidates need them; valid
   * only during the `onFrame` callback that received this object.
   */
  formants(): Formants;
}

/** Formant estimates in Hz (see F1_RANGE); 0 when the range holds no power. */
export interface Formants {
  f1Hz: number;
  f2Hz: number;
}

const bins = ([from, to]: readonly [number, number]) => ({
  first: Math.ceil(from / BIN_HZ),
  last: Math.floor(to / BIN_HZ),
});
const F1_BINS = bins(F1_RANGE);
const F2_BINS = bins(F2_RANGE);

const HANN = Float64Array.from(
  { length: FFT_SIZE },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / FFT_SIZE),
);
/** Undoes the 3-sample average's roll-off (−1.3 dB at 2.5 kHz, −1.9 dB at 3 kHz) so F2 is not pulled down. */
const EQUALIZER = Float64Array.from({ length: FFT_SIZE / 2 + 1 }, (_, k) => {
  const x = (Math.PI * k * BIN_HZ) / SESSION_SAMPLE_RATE;
  const gain = k === 0 ? 1 : Math.sin(DECIMATION * x) / (DECIMATION * Math.sin(x));
  return 1 / Math.max(gain * gain, 1e-3);
});

interface HopSums {
  sum: number;
  squares: number;
  slopes: number;
  crossings: number;
}

/**
 * Cuts a stream of PCM into overlapping frames and describes each. All state carries across pushes, so any
 * chunking of the same audio yields the same frames. The first frame is centred on time 0 and sees silence
 * before the utterance.
 */
export class FrameAnalyzer {
  private readonly spectrum = new PowerSpectrum(FFT_SIZE);
  /** The last DECIMATED_WINDOW decimated samples, oldest first; starts as half a window of silence. */
  private readonly decimated = new Float64Array(DECIMATED_WINDOW);
  private decimatedFill = DECIMATED_HOP;
  private decimationSum = 0;
  private decimationPhase = 0;
  private readonly padded = new Float64Array(FFT_SIZE);
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly previousHop: HopSums = { sum: 0, squares: 0, slopes: 0, crossings: 0 };
  private readonly hop: HopSums = { sum: 0, squares: 0, slopes: 0, crossings: 0 };
  private previousSample = 0;
  /** Zero crossings are counted around the previous hop's mean, so a DC offset does not hide them. */
  private crossingLevel = 0;
  private below = false;
  private next = 0;
  private readonly formants: Formants & { index: number } = { index: -1, f1Hz: 0, f2Hz: 0 };
  private readonly features: FrameFeatures = {
    index: 0,
    levelDb: -120,
    zcr: 0,
    slope: 0,
    formants: () => this.estimateFormants(),
  };

  /** Feeds samples; calls `onFrame` for each frame completed, with a features object reused between calls. */
  push(pcm: Int16Array, onFrame: (features: Readonly<FrameFeatures>) => void): void {
    // Hot loop: the running sums live in locals and go back to fields at each hop and at the end.
    const { hop, decimated } = this;
    let { sum, squares, slopes, crossings } = hop;
    let previous = this.previousSample;
    let below = this.below;
    let level = this.crossingLevel;
    let decimationSum = this.decimationSum;
    let phase = this.decimationPhase;
    let decimatedFill = this.decimatedFill;
    for (let i = 0; i < pcm.length; i++) {
      const x = pcm[i]!;
      sum += x;
      squares += x * x;
      const d = x - previous;
      slopes += d * d;
      previous = x;
      const isBelow = x < level;
      crossings += isBelow === below ? 0 : 1;
      below = isBelow;
      decimationSum += x;
      if (++phase === DECIMATION) {
        decimated[decimatedFill++] = decimationSum / DECIMATION;
        decimationSum = 0;
        phase = 0;
        if (decimatedFill === DECIMATED_WINDOW) {
          // Hop boundaries fall on decimation boundaries (240 = 3 × 80), so a full window is a finished hop.
          setSums(hop, sum, squares, slopes, crossings);
          level = sum / HOP_SAMPLES;
          onFrame(this.analyse());
          decimated.copyWithin(0, DECIMATED_HOP);
          decimatedFill = DECIMATED_WINDOW - DECIMATED_HOP;
          sum = squares = slopes = crossings = 0;
        }
      }
    }
    setSums(hop, sum, squares, slopes, crossings);
    this.previousSample = previous;
    this.below = below;
    this.crossingLevel = level;
    this.decimationSum = decimationSum;
    this.decimationPhase = phase;
    this.decimatedFill = decimatedFill;
  }

  private analyse(): FrameFeatures {
    const { features } = this;
    const a = this.previousHop;
    const b = this.hop;
    const sum = a.sum + b.sum;
    const variance = (a.squares + b.squares - (sum * sum) / WINDOW_SAMPLES) / WINDOW_SAMPLES;
    const ratio = variance / FULL_SCALE_POWER;
    features.levelDb = ratio > 1e-12 ? 10 * Math.log10(ratio) : -120;
    features.zcr = (a.crossings + b.crossings) / WINDOW_SAMPLES;
    features.slope = variance > 0 ? (a.slopes + b.slopes) / WINDOW_SAMPLES / (2 * variance) : 0;
    features.index = this.next++;
    setSums(a, b.sum, b.squares, b.slopes, b.crossings);
    return features;
  }

  private estimateFormants(): Formants {
    const { formants, decimated, padded, power } = this;
    if (formants.index === this.features.index) return formants;
    let mean = 0;
    for (let i = 0; i < FFT_SIZE; i++) mean += decimated[FFT_OFFSET + i]!;
    mean /= FFT_SIZE;
    for (let i = 0; i < FFT_SIZE; i++) padded[i] = (decimated[FFT_OFFSET + i]! - mean) * HANN[i]!;
    this.spectrum.compute(padded, power);
    formants.index = this.features.index;
    formants.f1Hz = centroid(power, F1_BINS);
    formants.f2Hz = centroid(power, F2_BINS);
    return formants;
  }
}

function centroid(power: Float64Array, { first, last }: { first: number; last: number }): number {
  let sum = 0;
  let moment = 0;
  for (let k = first; k <= last; k++) {
    const p = power[k]! * EQUALIZER[k]!;
    sum += p;
    moment += p * k;
  }
  return sum > 0 ? (moment / sum) * BIN_HZ : 0;
}

function setSums(target: HopSums, sum: number, squares: number, slopes: number, crossings: number): void {
  target.sum = sum;
  target.squares = squares;
  target.slopes = slopes;
  target.crossings = crossings;
}
