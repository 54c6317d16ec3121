/** SEND_AUDIO input (spec §4.4): 16 kHz, 16-bit, mono PCM, cut into 160 ms chunks. */
export const SAMPLE_RATE = 16_000;
export const CHUNK_MS = 160;
/** 160 ms at 16 kHz: 2560 samples, 5120 bytes. */
export const CHUNK_SAMPLES = (SAMPLE_RATE * CHUNK_MS) / 1000;

/**
 * Re-cuts `source` into chunks of exactly `CHUNK_SAMPLES`, carrying the remainder of each input block over to
 * the next, so only the last chunk may be shorter. Input blocks of any size work (a microphone's 128-sample
 * frames as well as a whole file).
 */
export async function* pcmChunks(
  source: Int16Array | AsyncIterable<Int16Array> | Iterable<Int16Array>,
): AsyncGenerator<Int16Array> {
  const blocks = source instanceof Int16Array ? [source] : source;
  let pending = new Int16Array(CHUNK_SAMPLES);
  let filled = 0;
  for await (const block of blocks) {
    let offset = 0;
    while (offset < block.length) {
      const take = Math.min(CHUNK_SAMPLES - filled, block.length - offset);
      pending.set(block.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === CHUNK_SAMPLES) {
        yield pending;
        // A fresh buffer, since the consumer may still hold the chunk just yielded.
        pending = new Int16Array(CHUNK_SAMPLES);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield pending.slice(0, filled);
}

/** Bytes per `String.fromCharCode` call: well under any engine's argument-count limit. */
const CHARS_PER_CALL = 8192;

/**
 * Standard Base64 of `samples` as s16le. The bytes are written little-endian explicitly rather than taken from
 * the array's buffer, which would be big-endian on a big-endian host. `btoa` exists in browsers and Node 16+.
 */
export function pcmToBase64(samples: Int16Array): string {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHARS_PER_CALL) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHARS_PER_CALL));
  }
  return btoa(binary);
}
