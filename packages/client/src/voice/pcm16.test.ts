import { describe, expect, it } from 'vitest';
import { PcmChunker, floatToInt16, int16ToLeBytes, rmsLevel } from './pcm16.js';

describe('floatToInt16', () => {
  it('scales -1…1 onto the whole s16 range and rounds', () => {
    expect([...floatToInt16(Float32Array.from([0, 1, -1, 0.5, -0.5, 1 / 32767]))]).toEqual([
      0, 32767, -32768, 16384, -16384, 1,
    ]);
  });

  it('clips what overshoots and turns NaN into silence', () => {
    expect([...floatToInt16(Float32Array.from([1.7, -3, Number.NaN, Infinity, -Infinity]))]).toEqual([
      32767, -32768, 0, 32767, -32768,
    ]);
  });
});

describe('int16ToLeBytes', () => {
  it('writes little-endian bytes', () => {
    expect([...int16ToLeBytes(Int16Array.from([1, -2, 0x1234, -32768]))]).toEqual([
      0x01, 0x00, 0xfe, 0xff, 0x34, 0x12, 0x00, 0x80,
    ]);
  });
});

describe('rmsLevel', () => {
  it('is 0 for silence and nothing, about 0.707 for a full square wave', () => {
    expect(rmsLevel(new Int16Array(0))).toBe(0);
    expect(rmsLevel(new Int16Array(64))).toBe(0);
    expect(rmsLevel(Int16Array.from({ length: 64 }, (_, i) => (i % 2 ? 32767 : -32768)))).toBeCloseTo(1, 3);
    expect(rmsLevel(Int16Array.from({ length: 64 }, (_, i) => (i % 2 ? 16384 : -16384)))).toBeCloseTo(0.5, 3);
  });
});

describe('PcmChunker', () => {
  it('cuts blocks of any size into equal chunks and keeps the rest', () => {
    const chunker = new PcmChunker(4);
    expect(chunker.push(Int16Array.from([1, 2, 3]))).toEqual([]);
    expect(chunker.buffered).toBe(3);
    const chunks = chunker.push(Int16Array.from([4, 5, 6, 7, 8, 9, 10]));
    expect(chunks.map((c) => [...c])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect([...chunker.flush()]).toEqual([9, 10]);
    expect(chunker.buffered).toBe(0);
    expect(chunker.push(new Int16Array(0))).toEqual([]);
  });

  it('hands out chunks it never writes to again', () => {
    const chunker = new PcmChunker(2);
    const [first] = chunker.push(Int16Array.from([1, 2]));
    chunker.push(Int16Array.from([3, 4]));
    expect([...(first ?? [])]).toEqual([1, 2]);
  });

  it('refuses a size that is not a whole number', () => {
    expect(() => new PcmChunker(0)).toThrow(RangeError);
    expect(() => new PcmChunker(2.5)).toThrow(RangeError);
  });
});
