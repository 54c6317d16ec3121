import { describe, expect, it } from 'vitest';
import {
  applyGain,
  AudioFormatError,
  decodeBase64Pcm16,
  downmixPcm16,
  encodePcm16Base64,
  parseWav,
  pcmDurationMs,
  readWavHeader,
  volumeGain,
  wavFile,
} from './pcm.js';

const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

describe('decodeBase64Pcm16', () => {
  it('decodes little-endian samples', () => {
    expect(Array.from(decodeBase64Pcm16(b64([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f])))).toEqual([
      1, -1, -32768, 32767,
    ]);
  });

  it('decodes both padding lengths and the empty string', () => {
    expect(Array.from(decodeBase64Pcm16(b64([0x34, 0x12])))).toEqual([0x1234]); // "NBI="
    expect(Array.from(decodeBase64Pcm16(b64([1, 0, 2, 0, 3, 0, 4, 0])))).toEqual([1, 2, 3, 4]); // "…AA=="
    expect(decodeBase64Pcm16('')).toHaveLength(0);
  });

  it('round-trips with encodePcm16Base64', () => {
    const pcm = Int16Array.from({ length: 1001 }, (_, i) => (i * 7919) % 65536);
    const text = encodePcm16Base64(pcm);
    expect(text).toBe(Buffer.from(pcm.buffer).toString('base64'));
    expect(decodeBase64Pcm16(text)).toEqual(pcm);
  });

  it.each([
    ['AAAAAAAAAAAAAAAAA!AA', 'Audio is not valid Base64 at character 17'],
    ['AAAA AAA', 'Audio is not valid Base64 at character 4'],
    ['    ', 'Audio is not valid Base64 at character 0'],
    ['AAAA\nAAAA', 'Audio is not valid Base64 at character 4'],
    ['AA-_', 'Audio is not valid Base64 at character 2'], // URL-safe alphabet is not the spec's
    ['AAé=', 'Audio is not valid Base64 at character 2'],
    ['A=AA', 'Audio is not valid Base64 at character 1'],
    ['AA=A', 'Audio is not valid Base64 at character 2'],
    ['AAAA=', 'Audio is not valid Base64 at character 4'],
    ['A===', 'Audio is not valid Base64 at character 1'],
    ['AAAAAA', 'Audio is not valid Base64: its length 6 is not a multiple of 4'],
    ['AA==', 'Audio has 1 bytes; s16le needs an even count'],
  ])('rejects %j', (input, message) => {
    expect(() => decodeBase64Pcm16(input)).toThrow(new AudioFormatError(message));
  });

  it('names the byte count of an odd-length payload', () => {
    const odd = Buffer.alloc(5121, 1).toString('base64');
    expect(() => decodeBase64Pcm16(odd)).toThrow('Audio has 5121 bytes; s16le needs an even count');
  });

  it('decodes a 1 MB chunk quickly', () => {
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const text = bytes.toString('base64');
    decodeBase64Pcm16(text); // warm up the JIT
    const started = performance.now();
    const pcm = decodeBase64Pcm16(text);
    const elapsed = performance.now() - started;
    // Buffer.equals, because a deep equal of 512k elements takes seconds.
    expect(Buffer.from(pcm.buffer).equals(bytes)).toBe(true);
    expect(elapsed).toBeLessThan(50);
  });
});

describe('gain', () => {
  it('leaves volume 0 untouched and scales 0.6 dB per step', () => {
    const pcm = Int16Array.from([1000, -1000]);
    expect(applyGain(pcm, 0)).toBe(pcm);
    expect(volumeGain(10)).toBeCloseTo(2, 1);
    expect(volumeGain(-10)).toBeCloseTo(0.5, 1);
    expect(Array.from(applyGain(pcm, 10))).toEqual([1995, -1995]);
    expect(Array.from(applyGain(pcm, -10))).toEqual([501, -501]);
  });

  it('saturates instead of wrapping and clamps the volume range', () => {
    expect(Array.from(applyGain(Int16Array.from([30000, -30000]), 10))).toEqual([32767, -32768]);
    expect(volumeGain(50)).toBe(volumeGain(10));
    expect(volumeGain(Number.NaN)).toBe(1);
  });
});

describe('WAV', () => {
  it('writes a canonical header and reads it back', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768]);
    const file = wavFile(pcm, 16000);
    expect(file).toHaveLength(44 + 10);
    expect(Buffer.from(file.subarray(0, 4)).toString('latin1')).toBe('RIFF');
    expect(readWavHeader(file)).toEqual({ sampleRate: 16000, channels: 1, dataOffset: 44, dataBytes: 10 });
    expect(parseWav(file)).toEqual({ pcm, sampleRate: 16000, channels: 1 });
    expect(pcmDurationMs(16000, 16000)).toBe(1000);
  });

  it('skips unknown chunks, downmixes stereo and stops at the data size', () => {
    const parts = [
      Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
      chunk('LIST', Buffer.from('odd')), // odd size: padded with one byte
      chunk('fmt ', fmt(1, 2, 22050, 16)),
      chunk('data', Buffer.from(Int16Array.from([100, 300, -2, -4, 7, 8]).buffer)),
      chunk('id3 ', Buffer.from('tail')),
    ];
    const parsed = parseWav(Buffer.concat(parts));
    expect(parsed.sampleRate).toBe(22050);
    expect(parsed.channels).toBe(2);
    expect(Array.from(parsed.pcm)).toEqual([200, -3, 8]);
  });

  it('reads streamed WAV whose data size is unknown, and waits for more bytes', () => {
    const header = Buffer.concat([
      Buffer.from('RIFF\xff\xff\xff\xffWAVE', 'latin1'),
      chunk('fmt ', fmt(1, 1, 16000, 16)),
      Buffer.from('data\xff\xff\xff\xff', 'latin1'),
    ]);
    for (let n = 0; n < header.length; n++) expect(readWavHeader(header.subarray(0, n))).toBeUndefined();
    expect(readWavHeader(header)).toMatchObject({ dataOffset: 44, dataBytes: undefined });
    const file = Buffer.concat([header, Buffer.from(Int16Array.from([5, 6, 7]).buffer)]);
    expect(Array.from(parseWav(file).pcm)).toEqual([5, 6, 7]);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with a PCM sub-format', () => {
    const ext = Buffer.alloc(40);
    fmt(0xfffe, 1, 8000, 16).copy(ext);
    ext.writeUInt16LE(1, 24);
    const file = Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
      chunk('fmt ', ext),
      chunk('data', Buffer.alloc(4)),
    ]);
    expect(parseWav(file)).toMatchObject({ sampleRate: 8000, channels: 1 });
  });

  it.each([
    [Buffer.from('RIFX\0\0\0\0WAVE', 'latin1'), 'Not a WAV file (no RIFF/WAVE header)'],
    [wavWithFormat(3, 32), 'WAV format 3 is not supported; only PCM (1) is'],
    [wavWithFormat(1, 24), 'WAV has 24-bit samples; only 16-bit PCM is supported'],
    [Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), 'WAV file is truncated before its data chunk'],
  ])('explains what is wrong with a file it cannot read (%#)', (file, message) => {
    if (message.startsWith('WAV file is truncated')) expect(readWavHeader(file)).toBeUndefined();
    expect(() => parseWav(file)).toThrow(message);
  });

  it('downmixes any channel count', () => {
    const bytes = new Uint8Array(Int16Array.from([3, 6, 9, -3, -6, -9]).buffer);
    expect(Array.from(downmixPcm16(bytes, 3))).toEqual([6, -6]);
  });
});

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
}

function fmt(tag: number, channels: number, rate: number, bits: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return body;
}

function wavWithFormat(tag: number, bits: number): Buffer {
  return Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), chunk('fmt ', fmt(tag, 1, 16000, bits))]);
}
