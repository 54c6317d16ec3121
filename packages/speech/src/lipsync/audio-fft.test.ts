import { describe, expect, it } from 'vitest';
import { PowerSpectrum } from './audio-fft.js';

/** |X[k]|² by the definition, for comparison. */
function naivePower(frame: Float64Array): number[] {
  const n = frame.length;
  return Array.from({ length: n / 2 + 1 }, (_, k) => {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += (frame[t] ?? 0) * Math.cos((-2 * Math.PI * k * t) / n);
      im += (frame[t] ?? 0) * Math.sin((-2 * Math.PI * k * t) / n);
    }
    return re * re + im * im;
  });
}

describe('PowerSpectrum', () => {
  it.each([4, 8, 128, 512])('matches the DFT definition at size %d', (size) => {
    const frame = Float64Array.from(
      { length: size },
      (_, i) => Math.sin(i * 1.3) * 100 + ((i * 7919) % 13) - 6,
    );
    const out = new Float64Array(size / 2 + 1);
    new PowerSpectrum(size).compute(frame, out);
    const expected = naivePower(frame);
    out.forEach((value, k) => {
      const want = expected[k] ?? NaN;
      expect(Math.abs(value - want)).toBeLessThan(1e-6 + 1e-9 * want);
    });
  });

  it('puts a bin-centred tone in its bin', () => {
    const frame = Float64Array.from({ length: 128 }, (_, i) => Math.cos((2 * Math.PI * 10 * i) / 128));
    const out = new Float64Array(65);
    new PowerSpectrum(128).compute(frame, out);
    expect(out.indexOf(Math.max(...out))).toBe(10);
    expect(out[10]).toBeCloseTo(64 * 64, 6);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new PowerSpectrum(96)).toThrow(RangeError);
  });
});
