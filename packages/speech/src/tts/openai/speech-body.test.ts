import { describe, expect, it } from 'vitest';
import { wavFile } from '../../audio/pcm.js';
import { resample } from '../../audio/resample.js';
import { isSupportedSpeechType, SpeechBodyDecoder } from './speech-body.js';

const ramp = (n: number) => Int16Array.from({ length: n }, (_, i) => ((i * 37) % 2000) - 1000);
const bytesOf = (pcm: Int16Array) => new Uint8Array(pcm.buffer.slice(0));

/** Feeds `bytes` in pieces of the given sizes (cycling) and joins what comes out. */
function decode(contentType: string | null, bytes: Uint8Array, sizes: number[]): Int16Array {
  const decoder = new SpeechBodyDecoder(contentType);
  const out: number[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(...decoder.push(bytes.subarray(at, at + size)));
    at += size;
  }
  out.push(...decoder.end());
  return Int16Array.from(out);
}

describe('SpeechBodyDecoder', () => {
  it('reassembles raw PCM split at odd byte counts', () => {
    const pcm = ramp(999);
    for (const sizes of [[1], [3], [7, 1, 2], [1001], [5, 4096]]) {
      expect(decode('application/octet-stream', bytesOf(pcm), sizes)).toEqual(pcm);
    }
  });

  it('does not keep a reference to the caller’s buffer for a split sample', () => {
    const decoder = new SpeechBodyDecoder('audio/pcm');
    const first = new Uint8Array(13).fill(0);
    first[12] = 0x34;
    expect(decoder.push(first)).toEqual(new Int16Array(6));
    first.fill(0xff); // the network layer may reuse its buffer
    expect(Array.from(decoder.push(Uint8Array.from([0x12])))).toEqual([0x1234]);
  });

  it('drops a trailing half sample and reads a short body as PCM', () => {
    expect(Array.from(decode(null, Uint8Array.from([1, 0, 2]), [3]))).toEqual([1]);
  });

  it('reads WAV, resampling 16 kHz to 24 kHz, however the header is split', () => {
    const pcm = ramp(1600);
    const expected = resample(pcm, 16_000, 24_000);
    for (const sizes of [[1], [13, 5], [44], [45, 3]]) {
      expect(decode('audio/wav', wavFile(pcm, 16_000), sizes)).toEqual(expected);
    }
  });

  it('spots WAV sent with a raw content type', () => {
    const pcm = ramp(300);
    expect(decode('application/octet-stream', wavFile(pcm, 24_000), [7])).toEqual(pcm);
  });

  it('stops at the end of the WAV data chunk', () => {
    const pcm = ramp(10);
    const trailer = new TextEncoder().encode('LIST\u0004\u0000\u0000\u0000abcd');
    const file = new Uint8Array([...wavFile(pcm, 24_000), ...trailer]);
    expect(decode('audio/wav', file, [3])).toEqual(pcm);
  });

  it('rejects a WAV body that ends inside its header or is not 16-bit PCM', () => {
    const decoder = new SpeechBodyDecoder('audio/wav');
    decoder.push(wavFile(ramp(4), 24_000).subarray(0, 30));
    expect(() => decoder.end()).toThrow('the WAV response ended inside its header');
    const float = wavFile(ramp(4), 24_000);
    float[20] = 3; // WAVE_FORMAT_IEEE_FLOAT
    expect(() => new SpeechBodyDecoder('audio/wav').push(float)).toThrow('WAV format 3 is not supported');
  });

  it('knows which content types it reads', () => {
    for (const type of [null, 'application/octet-stream', 'audio/pcm', 'audio/wav', 'audio/x-wav']) {
      expect(isSupportedSpeechType(type)).toBe(true);
    }
    for (const type of [
      'audio/mpeg',
      'audio/L16; rate=24000',
      'audio/ogg',
      'application/json',
      'text/html; charset=utf-8',
    ]) {
      expect(isSupportedSpeechType(type)).toBe(false);
    }
  });
});
