import { describe, expect, it } from 'vitest';
import { resample, Resampler } from './resample.js';

function sine(freq: number, rate: number, seconds: number): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(10000 * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}

/** Estimated frequency from zero crossings. */
function frequency(pcm: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1] ?? 0) < 0 !== (pcm[i] ?? 0) < 0) crossings++;
  return crossings / 2 / (pcm.length / rate);
}

describe('Resampler', () => {
  it.each([
    [16000, 24000],
    [22050, 24000],
    [48000, 24000],
  ])('converts %d Hz to %d Hz keeping duration and pitch', (from, to) => {
    const out = resample(sine(440, from, 1), from, to);
    expect(Math.abs(out.length - to)).toBeLessThanOrEqual(2);
    expect(frequency(out, to)).toBeCloseTo(440, -1);
  });

  it('gives the same samples whether the input comes whole or in chunks', () => {
    const input = sine(300, 16000, 0.5);
    const whole = resample(input, 16000, 24000);
    const r = new Resampler(16000, 24000);
    const parts: number[] = [];
    for (let i = 0; i < input.length; i += 333) parts.push(...r.push(input.subarray(i, i + 333)));
    expect(parts.length).toBe(whole.length);
    expect(parts).toEqual([...whole]);
  });

  it('passes audio through unchanged at equal rates', () => {
    const input = sine(200, 24000, 0.1);
    expect([...resample(input, 24000, 24000)]).toEqual([...input]);
  });
});
