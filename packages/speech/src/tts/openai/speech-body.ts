import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { downmixPcm16, readWavHeader } from '../../audio/pcm.js';
import { Resampler } from '../../audio/resample.js';

/**
 * Response types that carry raw s16le mono 24 kHz, OpenAI's `response_format: "pcm"`. Servers label it
 * differently (OpenAI itself sends application/octet-stream), and some send none. audio/L16 is left out: by
 * its RFC it is big-endian.
 */
const RAW_TYPES = new Set(['', 'application/octet-stream', 'audio/pcm', 'audio/raw', 'audio/x-raw']);
/** Compatible servers that ignore `response_format` often answer WAV instead. */
const WAV_TYPES = new Set(['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave']);
/** Bytes to see before deciding a raw-labelled body is really WAV ("RIFF....WAVE"). */
const SNIFF_BYTES = 12;

/** Whether a response's Content-Type is audio this decoder reads. */
export function isSupportedSpeechType(contentType: string | null): boolean {
  const type = mediaType(contentType);
  return RAW_TYPES.has(type) || WAV_TYPES.has(type);
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Turns a streamed speech response body into mono samples at SESSION_SAMPLE_RATE as bytes arrive. Network
 * chunks split samples anywhere, so bytes of an incomplete sample (or WAV frame) wait for the next chunk. A
 * WAV body is parsed from its header and downmixed and resampled as needed; a raw body labelled as PCM but
 * starting with a RIFF header is read as WAV too.
 */
export class SpeechBodyDecoder {
  private head: Uint8Array = new Uint8Array(0);
  private mode: 'sniff' | 'wav-header' | 'samples';
  private frameBytes = 2;
  /** Bytes of sample data still expected, when a WAV header said so. */
  private remaining = Infinity;
  private resampler: Resampler | undefined;

  constructor(contentType: string | null) {
    this.mode = WAV_TYPES.has(mediaType(contentType)) ? 'wav-header' : 'sniff';
  }

  push(bytes: Uint8Array): Int16Array {
    if (this.mode === 'samples' && this.head.length === 0) return this.samples(bytes);
    this.head = joined(this.head, bytes);
    if (this.mode === 'sniff') {
      if (this.head.length < SNIFF_BYTES) return new Int16Array(0);
      this.mode = isWav(this.head) ? 'wav-header' : 'samples';
    }
    if (this.mode === 'wav-header') {
      const header = readWavHeader(this.head);
      if (!header) return new Int16Array(0);
      this.mode = 'samples';
      this.frameBytes = 2 * header.channels;
      this.remaining = header.dataBytes ?? Infinity;
      if (header.sampleRate !== SESSION_SAMPLE_RATE)
        this.resampler = new Resampler(header.sampleRate, SESSION_SAMPLE_RATE);
      this.head = this.head.subarray(header.dataOffset);
    }
    const pending = this.head;
    this.head = new Uint8Array(0);
    return this.samples(pending);
  }

  /**
   * The samples still held back. A short body still being sniffed is raw PCM; a trailing partial sample is
   * dropped, since every whole sample before it was aligned from the start.
   */
  end(): Int16Array {
    if (this.mode === 'wav-header' && this.head.length > 0) {
      // readWavHeader throws for a malformed header, else the body ended inside it.
      if (readWavHeader(this.head) === undefined) throw new Error('the WAV response ended inside its header');
    }
    if (this.mode !== 'sniff') return new Int16Array(0);
    this.mode = 'samples';
    const pending = this.head;
    this.head = new Uint8Array(0);
    return this.samples(pending);
  }

  private samples(input: Uint8Array): Int16Array {
    // Anything after the data chunk (trailing WAV chunks) is not audio.
    const bytes = this.remaining < input.length ? input.subarray(0, this.remaining) : input;
    const whole = bytes.length - (bytes.length % this.frameBytes);
    this.remaining -= whole;
    // Keep the split frame's bytes for the next chunk; joined() copies them out of the caller's buffer.
    if (whole < bytes.length) this.head = joined(new Uint8Array(0), bytes.subarray(whole));
    const mono = downmixPcm16(bytes.subarray(0, whole), this.frameBytes / 2);
    return this.resampler ? this.resampler.push(mono) : mono;
  }
}

function isWav(bytes: Uint8Array): boolean {
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return tag(0) === 'RIFF' && tag(8) === 'WAVE';
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
