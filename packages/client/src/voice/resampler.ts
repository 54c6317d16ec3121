/**
 * A streaming sample-rate converter for microphone audio: a windowed-sinc low-pass evaluated at each output
 * sample's position between input samples. Going from 48 or 44.1 kHz down to 16 kHz, dropping samples (or
 * averaging neighbours) would fold everything between 8 and 24 kHz into the speech band; the low-pass removes
 * it first. Pure TypeScript, no Web Audio, so it runs (and is tested) in Node as well.
 */

export interface ResamplerOptions {
  /**
   * Where the pass band ends, as a fraction of the lower rate's Nyquist frequency, default 0.85: 6.8 kHz at a
   * 16 kHz output, above the band speech recognisers look at (up to about 6.9 kHz for pocketsphinx's en-US
   * model), so that the transition band finishes near 8 kHz instead of letting higher frequencies alias.
   */
  cutoff?: number;
  /**
   * Zero crossings of the sinc on each side of the centre, default 16. More gives a steeper transition and
   * costs proportionally more: 16 gives about 2.3 kHz of transition at 48 kHz in, 114 taps per output sample.
   */
  zeroCrossings?: number;
}

/** Distinct kernel phases kept at most; rates with a larger reduced ratio round to the nearest phase. */
const MAX_PHASES = 1024;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function checkRate(name: string, rate: number): number {
  if (!(Number.isInteger(rate) && rate >= 1000 && rate <= 384_000)) {
    throw new RangeError(`${name} must be a whole number of Hz from 1000 to 384000, got ${rate}`);
  }
  return rate;
}

/** Blackman window over [-1, 1]: about 74 dB of stop-band rejection, enough for 16-bit audio. */
function blackman(x: number): number {
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/**
 * Converts a stream of float samples from `inputRate` to `outputRate`. Feed blocks of any size to `process`;
 * the output is the same however the input is split. Output lags the input by half the filter (about 1.2 ms
 * at 48 kHz in), and the filter's state starts at silence.
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Output position advances by `#step / #phases` input samples per output sample. */
  readonly #step: number;
  readonly #phases: number;
  /** Taps on each side of the centre, in input samples. */
  readonly #half: number;
  /** One kernel of `2 * #half` taps per table phase. */
  readonly #kernels: Float32Array[];
  readonly #tableSize: number;
  /** Input not yet consumed; `#buffer[0]` is input sample number `#bufferStart`. */
  #buffer: Float32Array;
  #bufferStart: number;
  /** The next output sample sits at input position `#index + #phase / #phases`. */
  #index = 0;
  #phase = 0;

  constructor(inputRate: number, outputRate: number, options: ResamplerOptions = {}) {
    this.inputRate = checkRate('inputRate', inputRate);
    this.outputRate = checkRate('outputRate', outputRate);
    const cutoff = options.cutoff ?? 0.85;
    if (!(cutoff > 0 && cutoff <= 1)) throw new RangeError(`cutoff must be in (0, 1], got ${cutoff}`);
    const zeroCrossings = options.zeroCrossings ?? 16;
    if (!(Number.isInteger(zeroCrossings) && zeroCrossings >= 2 && zeroCrossings <= 64)) {
      throw new RangeError(`zeroCrossings must be a whole number from 2 to 64, got ${zeroCrossings}`);
    }
    const divisor = gcd(inputRate, outputRate);
    this.#step = inputRate / divisor;
    this.#phases = outputRate / divisor;
    // Cycles per input sample at which the pass band ends.
    const fc = (cutoff * Math.min(inputRate, outputRate)) / 2 / inputRate;
    this.#half = Math.ceil(zeroCrossings / (2 * fc));
    this.#tableSize = Math.min(this.#phases, MAX_PHASES);
    this.#kernels = Array.from({ length: this.#tableSize }, (_, i) => this.#kernel(fc, i / this.#tableSize));
    // Silence before the first sample, so the first output needs no special case.
    this.#buffer = new Float32Array(this.#half - 1);
    this.#bufferStart = -(this.#half - 1);
  }

  /** Taps for an output `frac` (0 ≤ frac < 1) input samples after a centre sample; they sum to 1. */
  #kernel(fc: number, frac: number): Float32Array {
    const half = this.#half;
    const taps = new Float32Array(2 * half);
    let sum = 0;
    for (let j = 0; j < taps.length; j++) {
      // Distance from the output position to input sample (centre - half + 1 + j).
      const d = j - half + 1 - frac;
      const x = 2 * fc * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const value = 2 * fc * sinc * blackman(d / half);
      taps[j] = value;
      sum += value;
    }
    // Unity gain at DC whatever the phase, so a constant signal stays constant.
    for (let j = 0; j < taps.length; j++) taps[j] = (taps[j] ?? 0) / sum;
    return taps;
  }

  /**
   * Resamples the next block of input; returns the output samples it completes (possibly none). At equal rates
   * the input is already band-limited for the output: it is returned as a copy, with no delay.
   */
  process(input: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return input.slice();
    const buffer = new Float32Array(this.#buffer.length + input.length);
    buffer.set(this.#buffer);
    buffer.set(input, this.#buffer.length);
    const half = this.#half;
    const start = this.#bufferStart;
    const last = start + buffer.length - 1;
    // An output needs input up to index + half; count how many the buffer completes.
    const room = last - half - this.#index;
    const capacity = room < 0 ? 0 : Math.floor(((room + 1) * this.#phases) / this.#step) + 1;
    const output = new Float32Array(capacity);
    let count = 0;
    while (this.#index + half <= last) {
      const kernel = this.#kernels[
        Math.floor((this.#phase * this.#tableSize) / this.#phases)
      ] as Float32Array;
      const from = this.#index - half + 1 - start;
      let acc = 0;
      for (let j = 0; j < kernel.length; j++) acc += (kernel[j] as number) * (buffer[from + j] as number);
      output[count++] = acc;
      this.#phase += this.#step;
      this.#index += Math.floor(this.#phase / this.#phases);
      this.#phase %= this.#phases;
    }
    // Keep only what later outputs still reach back to.
    const keepFrom = Math.min(this.#index - half + 1, last + 1);
    this.#buffer = buffer.slice(keepFrom - start);
    this.#bufferStart = keepFrom;
    return count === capacity ? output : output.subarray(0, count);
  }
}
