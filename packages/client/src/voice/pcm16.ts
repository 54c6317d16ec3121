/**
 * Float samples (Web Audio's -1…1) to the voice channel's 16-bit PCM, and 16-bit PCM to the little-endian bytes
 * of its binary frames.
 */

/**
 * s16 samples for float samples: clipped to -1…1 (a loud microphone overshoots, and wrapping around would turn
 * the peak into a click), scaled asymmetrically so that -1 → -32768 and 1 → 32767, and rounded.
 */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    // NaN (never from a microphone, but possible from a faulty node) becomes silence rather than -32768.
    const clipped = v > 1 ? 1 : v < -1 ? -1 : v === v ? v : 0;
    out[i] = Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767);
  }
  return out;
}

/**
 * The bytes of `samples` as s16le. Written through a DataView rather than taken from the array's buffer, which
 * would be big-endian on a big-endian host.
 */
export function int16ToLeBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return bytes;
}

/** Root mean square of `samples` on the -1…1 scale: what a level meter shows. 0 for an empty block. */
export function rmsLevel(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] ?? 0) / 32768;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

/**
 * Re-cuts a stream of s16 blocks into chunks of exactly `size` samples, keeping the remainder for the next
 * block: the worklet's blocks follow the audio device, the voice channel wants steady ~40 ms frames.
 */
export class PcmChunker {
  readonly size: number;
  #pending: Int16Array;
  #filled = 0;

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1))
      throw new RangeError(`size must be a whole number >= 1, got ${size}`);
    this.size = size;
    this.#pending = new Int16Array(size);
  }

  /** Samples held back, waiting for a full chunk. */
  get buffered(): number {
    return this.#filled;
  }

  /** Adds `block` and returns the chunks it completes, oldest first. */
  push(block: Int16Array): Int16Array[] {
    const chunks: Int16Array[] = [];
    let offset = 0;
    while (offset < block.length) {
      const take = Math.min(this.size - this.#filled, block.length - offset);
      this.#pending.set(block.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.size) {
        chunks.push(this.#pending);
        // A fresh array: the consumer may keep the chunk just returned.
        this.#pending = new Int16Array(this.size);
        this.#filled = 0;
      }
    }
    return chunks;
  }

  /** The partial chunk held back (possibly empty), and a fresh start. */
  flush(): Int16Array {
    const rest = this.#pending.slice(0, this.#filled);
    this.#filled = 0;
    return rest;
  }
}
