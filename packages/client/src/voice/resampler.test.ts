import { describe, expect, it } from 'vitest';
import { Resampler } from './resampler.js';

function sine(rate: number, hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** RMS of the middle of `samples`, away from the filter's start-up. */
function steadyRms(samples: Float32Array): number {
  const from = Math.floor(samples.length / 4);
  const to = Math.floor((samples.length * 3) / 4);
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
}

/** Amplitude of frequency `hz` in `samples` (a single-bin DFT over the steady middle). */
function amplitudeAt(samples: Float32Array, rate: number, hz: number): number {
  const from = Math.floor(samples.length / 4);
  const to = Math.floor((samples.length * 3) / 4);
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    const phase = (2 * Math.PI * hz * i) / rate;
    re += (samples[i] ?? 0) * Math.cos(phase);
    im += (samples[i] ?? 0) * Math.sin(phase);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

const db = (ratio: number) => 20 * Math.log10(ratio);

function concat(blocks: Float32Array[]): Float32Array {
  const out = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

describe('Resampler', () => {
  it.each([48_000, 44_100, 22_050, 96_000, 32_000])(
    '%i Hz → 16 kHz gives a third of the samples or so',
    (rate) => {
      const resampler = new Resampler(rate, 16_000);
      const out = resampler.process(new Float32Array(rate));
      // One second in: one second out, less the half filter still waiting for input.
      expect(out.length).toBeGreaterThan(15_900);
      expect(out.length).toBeLessThanOrEqual(16_000);
    },
  );

  it('gives the same output however the input is split', () => {
    const input = sine(44_100, 440, 0.5);
    const whole = new Resampler(44_100, 16_000).process(input);
    const split = new Resampler(44_100, 16_000);
    const blocks: Float32Array[] = [];
    // Uneven blocks, including empty and single-sample ones, as an audio device might deliver.
    const sizes = [128, 1, 0, 441, 7, 960, 2048, 3];
    for (let at = 0, k = 0; at < input.length; k++) {
      const size = sizes[k % sizes.length] ?? 128;
      blocks.push(split.process(input.subarray(at, at + size)));
      at += size;
    }
    const joined = concat(blocks);
    expect(joined.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(joined[i]).toBeCloseTo(whole[i] ?? 0, 6);
  });

  it('keeps speech-band tones at their level and frequency', () => {
    for (const rate of [48_000, 44_100]) {
      for (const hz of [200, 1000, 3000, 6000]) {
        const out = new Resampler(rate, 16_000).process(sine(rate, hz, 1));
        expect(Math.abs(db(amplitudeAt(out, 16_000, hz) / 0.5))).toBeLessThan(0.5);
      }
    }
  });

  it('removes what would alias into the speech band', () => {
    // 12 kHz at 48 kHz would fold to 4 kHz, 10 kHz to 6 kHz, 9 kHz to 7 kHz after plain decimation.
    for (const [rate, hz] of [
      [48_000, 12_000],
      [48_000, 10_000],
      [48_000, 9_000],
      [44_100, 11_025],
      [44_100, 15_000],
    ] as const) {
      const out = new Resampler(rate, 16_000).process(sine(rate, hz, 1));
      expect(db(steadyRms(out) / (0.5 / Math.SQRT2))).toBeLessThan(-50);
    }
  });

  it('passes DC at unity gain at every phase', () => {
    const out = new Resampler(44_100, 16_000).process(new Float32Array(44_100).fill(0.25));
    for (let i = 200; i < out.length; i++) expect(out[i]).toBeCloseTo(0.25, 5);
  });

  it('upsamples too', () => {
    const out = new Resampler(8_000, 16_000).process(sine(8_000, 1000, 1));
    expect(out.length).toBeGreaterThan(15_900);
    expect(Math.abs(db(amplitudeAt(out, 16_000, 1000) / 0.5))).toBeLessThan(0.5);
  });

  it('passes through at equal rates', () => {
    const input = sine(16_000, 500, 0.1);
    const out = new Resampler(16_000, 16_000).process(input);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it('refuses rates and options out of range', () => {
    expect(() => new Resampler(0, 16_000)).toThrow(RangeError);
    expect(() => new Resampler(48_000.5, 16_000)).toThrow(RangeError);
    expect(() => new Resampler(48_000, 16_000, { cutoff: 1.5 })).toThrow(RangeError);
    expect(() => new Resampler(48_000, 16_000, { zeroCrossings: 1 })).toThrow(RangeError);
  });
});
