/**
 * Raw PCM as it crosses dhuman's edges: Base64 s16le in SEND_AUDIO commands and SPEECH responses, WAV files
 * for the CLI and for TTS servers that answer WAV. Everything inside is mono `Int16Array`; bytes on the wire are
 * little-endian whatever the host's byte order.
 */

/** Bad audio from outside (a client's SEND_AUDIO, a WAV file, a TTS server); the message says what is wrong. */
export class AudioFormatError extends Error {
  override readonly name = 'AudioFormatError';
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const EQUALS = 0x3d;
/** The standard alphabet with 0–2 `=` at the end; the length is checked separately. */
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes the Base64 of raw s16le mono PCM (SEND_AUDIO's `Audio`). Strict: only the standard alphabet, no
 * whitespace or line breaks, `=` padding to a multiple of 4 characters, an even number of bytes. Errors name the
 * 0-based index of the first bad character. An empty string is zero samples.
 */
export function decodeBase64Pcm16(b64: string): Int16Array {
  // A native regex and Buffer's decoder take ~5 ms for 1 MB, a JS loop ~15 ms, so the loop only runs to
  // explain input that the regex already rejected.
  if (b64.length % 4 !== 0 || !STRICT_BASE64.test(b64)) throw explainBadBase64(b64);
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  const byteCount = (b64.length / 4) * 3 - padding;
  if (byteCount % 2 !== 0) {
    throw new AudioFormatError(`Audio has ${byteCount} bytes; s16le needs an even count`);
  }
  return pcm16FromBytes(Buffer.from(b64, 'base64'));
}

function explainBadBase64(b64: string): AudioFormatError {
  const length = b64.length;
  for (let i = 0; i < length; i++) {
    if (b64.charCodeAt(i) === EQUALS) {
      // Padding is only ever the last one or two characters of the last quartet.
      const rest = length - i;
      const ok =
        (rest === 1 && i % 4 === 3) || (rest === 2 && i % 4 === 2 && b64.charCodeAt(i + 1) === EQUALS);
      if (!ok) return notBase64(i);
      break;
    }
    if (!isBase64Code(b64.charCodeAt(i))) return notBase64(i);
  }
  return new AudioFormatError(`Audio is not valid Base64: its length ${length} is not a multiple of 4`);
}

function isBase64Code(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || // +
    code === 0x2f // /
  );
}

function notBase64(index: number): AudioFormatError {
  return new AudioFormatError(`Audio is not valid Base64 at character ${index}`);
}

/** Base64 of the samples as s16le (SPEECH responses). */
export function encodePcm16Base64(pcm: Int16Array): string {
  const bytes = pcm16ToBytes(pcm);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Samples (s16le, even length) → a new Int16Array. */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.length >> 1);
  if (hostIsLittleEndian) {
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  }
  return samples;
}

/** Samples → s16le bytes (a view of `pcm` itself on little-endian hosts). */
export function pcm16ToBytes(pcm: Int16Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] ?? 0, true);
  return bytes;
}

export function pcmDurationMs(samples: number, sampleRate: number): number {
  return (samples * 1000) / sampleRate;
}

/**
 * IVH's `Volume` (−10..10, 0 = unchanged) as a gain of 0.6 dB per step: ±10 halves or doubles the amplitude.
 * The spec gives no curve; Tencent's TTS documents the scale as loudness levels without a mute, so the ends stay
 * audible, and +6 dB keeps typical TTS peaks (about −6 dBFS) from clipping hard. Out-of-range values are clamped.
 */
export function volumeGain(volume: number): number {
  const steps = Math.max(-10, Math.min(10, Number.isFinite(volume) ? volume : 0));
  return 10 ** ((steps * 0.6) / 20);
}

/** Applies `volumeGain(volume)` with saturation. Returns `pcm` itself when the gain is 1, otherwise a copy. */
export function applyGain(pcm: Int16Array, volume: number): Int16Array {
  const gain = volumeGain(volume);
  if (gain === 1) return pcm;
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round((pcm[i] ?? 0) * gain);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

const WAV_HEADER_BYTES = 44;

/** A canonical 44-byte-header RIFF/WAVE file of 16-bit mono PCM. */
export function wavFile(pcm: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = pcm.length * 2;
  const file = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(file.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) file[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  file.set(pcm16ToBytes(pcm), WAV_HEADER_BYTES);
  return file;
}

export interface WavHeader {
  sampleRate: number;
  channels: number;
  /** Where the samples start in the file. */
  dataOffset: number;
  /** Bytes of samples, or undefined when the header does not know (streamed WAV writes 0 or 0xFFFFFFFF). */
  dataBytes: number | undefined;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Reads a WAV header from the start of a file. Returns undefined while `bytes` is too short to reach the
 * `data` chunk, so a stream can call it again as more arrives; throws AudioFormatError when the file is not
 * 16-bit PCM WAV.
 */
export function readWavHeader(bytes: Uint8Array): WavHeader | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new AudioFormatError('Not a WAV file (no RIFF/WAVE header)');
  let format: { sampleRate: number; channels: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (!format) throw new AudioFormatError('WAV has no fmt chunk before its data');
      const known = size !== 0 && size !== 0xffffffff;
      return { ...format, dataOffset: body, dataBytes: known ? size : undefined };
    }
    if (id === 'fmt ') {
      if (body + 16 > bytes.length) return undefined;
      format = readFormat(view, body, size);
    }
    // Chunks are padded to an even size.
    offset = body + size + (size & 1);
  }
  return undefined;
}

function readFormat(view: DataView, at: number, size: number): { sampleRate: number; channels: number } {
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bits = view.getUint16(at + 14, true);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
  if (formatTag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && at + 26 <= view.byteLength) {
    formatTag = view.getUint16(at + 24, true);
  }
  if (formatTag !== WAVE_FORMAT_PCM) {
    throw new AudioFormatError(`WAV format ${formatTag} is not supported; only PCM (1) is`);
  }
  if (bits !== 16) throw new AudioFormatError(`WAV has ${bits}-bit samples; only 16-bit PCM is supported`);
  if (channels < 1) throw new AudioFormatError('WAV has no channels');
  if (sampleRate < 1) throw new AudioFormatError('WAV has a sample rate of 0');
  return { sampleRate, channels };
}

/**
 * Interleaved s16le frames → mono samples, averaging the channels. `bytes` must hold whole frames
 * (2 × channels bytes each).
 */
export function downmixPcm16(bytes: Uint8Array, channels: number): Int16Array {
  const interleaved = pcm16FromBytes(bytes);
  if (channels === 1) return interleaved;
  const mono = new Int16Array(Math.floor(interleaved.length / channels));
  for (let frame = 0, i = 0; frame < mono.length; frame++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++] ?? 0;
    mono[frame] = Math.round(sum / channels);
  }
  return mono;
}

/** A whole 16-bit PCM WAV file → mono samples (multi-channel audio is averaged) and its rate. */
export function parseWav(bytes: Uint8Array): { pcm: Int16Array; sampleRate: number; channels: number } {
  const header = readWavHeader(bytes);
  if (!header) throw new AudioFormatError('WAV file is truncated before its data chunk');
  const available = bytes.length - header.dataOffset;
  const dataBytes = Math.min(header.dataBytes ?? available, available);
  const frameBytes = 2 * header.channels;
  const whole = dataBytes - (dataBytes % frameBytes);
  const data = bytes.subarray(header.dataOffset, header.dataOffset + whole);
  return {
    pcm: downmixPcm16(data, header.channels),
    sampleRate: header.sampleRate,
    channels: header.channels,
  };
}
