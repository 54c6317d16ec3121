import { describe, expect, it } from 'vitest';
import { pcmToBase64 } from '../channel/pcm.js';
import { decodePcmBase64 } from './pcm.js';

describe('decodePcmBase64', () => {
  it('decodes s16le into floats in [-1, 1)', () => {
    const samples = decodePcmBase64(pcmToBase64(Int16Array.of(0, 16384, -16384, 32767, -32768, 1, -1)));
    expect([...samples]).toEqual([0, 0.5, -0.5, 32767 / 32768, -1, 1 / 32768, -1 / 32768]);
  });

  it('reads the bytes little-endian', () => {
    // Bytes 0x02 0x01 are the sample 0x0102.
    expect(decodePcmBase64(btoa('\x02\x01'))[0]).toBe(0x0102 / 32768);
  });

  it('drops a trailing odd byte and decodes nothing to nothing', () => {
    expect(decodePcmBase64(btoa('\x00\x40\x7f'))).toEqual(Float32Array.of(0.5));
    expect(decodePcmBase64('')).toHaveLength(0);
  });

  it('decodes a second of 24 kHz audio quickly', () => {
    const source = Int16Array.from({ length: 24_000 }, (_, i) => Math.round(Math.sin(i / 10) * 20_000));
    const encoded = pcmToBase64(source);
    const started = performance.now();
    const samples = decodePcmBase64(encoded);
    expect(performance.now() - started).toBeLessThan(50);
    expect(samples).toHaveLength(24_000);
    expect(samples[1234]).toBe((source[1234] ?? 0) / 32768);
  });

  it('throws on text that is not Base64', () => {
    expect(() => decodePcmBase64('not base64!')).toThrow();
  });
});
