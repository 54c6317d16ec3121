/**
 * Streaming sample-rate conversion of mono s16 PCM by linear interpolation. Speech sits far below the Nyquist
 * rate of every rate converted here (16 kHz and 22.05 kHz up to 24 kHz), so interpolation is enough for
 * upsampling; when downsampling, a moving-average pre-filter as wide as the ratio removes most of what would
 * fold back. State carries across chunks, so pushing a stream in pieces gives the same samples as one push.
 */
export class Resampler {
  private readonly step: number;
  private readonly smoothing: number;
  /** Position of the next output sample, in input samples, relative to the first unconsumed input sample. */
  private position = 0;
  /** The last input sample of the previous chunk, for interpolating across the boundary. */
  private previous: number | undefined;
  private readonly history: number[] = [];

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0)) throw new RangeError('sample rates must be positive');
    this.step = fromRate / toRate;
    this.smoothing = this.step > 1 ? Math.ceil(this.step) : 1;
  }

  push(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input.slice();
    const source = this.smoothing > 1 ? this.smooth(input) : input;
    // Virtual input: [previous, ...source]; index 0 is `previous` when there is one. This runs on the event loop
    // for every TTS chunk, so it writes straight into a typed array with no per-sample closure or allocation.
    const offset = this.previous === undefined ? 0 : 1;
    const length = source.length + offset;
    const previous = this.previous ?? 0;
    const out = new Int16Array(Math.max(0, Math.ceil((length - 1 - this.position) / this.step) + 1));
    let count = 0;
    let pos = this.position;
    while (pos + 1 < length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i < offset ? previous : (source[i - offset] ?? 0);
      const b = i + 1 < offset ? previous : (source[i + 1 - offset] ?? 0);
      const v = Math.round(a * (1 - frac) + b * frac);
      out[count++] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      pos += this.step;
    }
    if (length > 0) {
      // Keep the last sample as the next chunk's index 0.
      this.position = pos - (length - 1);
      this.previous = length - 1 < offset ? previous : (source[length - 1 - offset] ?? 0);
    }
    return out.subarray(0, count);
  }

  private smooth(input: Int16Array): Int16Array {
    const out = new Int16Array(input.length);
    let sum = this.history.reduce((a, b) => a + b, 0);
    for (let i = 0; i < input.length; i++) {
      const sample = input[i] ?? 0;
      this.history.push(sample);
      sum += sample;
      if (this.history.length > this.smoothing) sum -= this.history.shift() ?? 0;
      out[i] = Math.round(sum / this.history.length);
    }
    return out;
  }
}

/** Converts a whole buffer at once. */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  return new Resampler(fromRate, toRate).push(input);
}
