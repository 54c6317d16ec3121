import type { SpeechSegment } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS, BLENDSHAPE_NAMES } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import { applyGain } from '../audio/pcm.js';
import { concatPcm } from '../asr/asr-test-support.js';
import { speechFromAudio } from './audio-speech.js';

const RATE = 24_000;
const samples = (ms: number) => Math.round((RATE * ms) / 1000);
const JAW = BLENDSHAPE_NAMES.indexOf('jawOpen');

/** An open vowel: harmonics of 120 Hz with emphasis near 700 Hz (as in audio-estimator.test.ts). */
function openVowel(ms: number, peak = 10_000): Int16Array {
  const out = new Float64Array(samples(ms));
  for (let h = 120; h < 5000; h += 120) {
    const gain = Math.exp(-(((h - 700) / 200) ** 2)) + 0.02;
    const w = (2 * Math.PI * h) / RATE;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + gain * Math.sin(w * i);
  }
  const max = out.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Int16Array.from(out, (v) => Math.round((v / max) * peak));
}

/** 500 ms of silence, 600 ms of a loud open vowel, 500 ms of silence. */
const speech = concatPcm(new Int16Array(samples(500)), openVowel(600), new Int16Array(samples(500)));

/** Byte comparison: toEqual walks 38 400 samples one by one, slowly. */
const sameSamples = (a: Int16Array, b: Int16Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const frames = (segments: SpeechSegment[]) => segments.flatMap((s) => s.blendshapes);
const jawAt = (segments: SpeechSegment[], fromMs: number, toMs: number) =>
  frames(segments)
    .filter((f) => f.timeMs >= fromMs && f.timeMs < toMs)
    .map((f) => f.weights[JAW] ?? NaN);

describe('speechFromAudio', () => {
  it('cuts the audio into segments back to back whose PCM is the input, in order', () => {
    const segments = speechFromAudio(speech, { segmentMs: 300 });
    let at = 0;
    for (const segment of segments) {
      expect(segment.startMs).toBeCloseTo((at * 1000) / RATE, 9);
      expect(segment.words).toEqual([]);
      expect(segment.actions).toEqual([]);
      at += segment.pcm.length;
    }
    expect(at).toBe(speech.length);
    expect(sameSamples(concatPcm(...segments.map((s) => s.pcm)), speech)).toBe(true);
    // 1600 ms = 5 × 300 + 100; a last empty segment may carry the closing viseme.
    const lengths = segments.map((s) => s.pcm.length);
    expect(lengths.filter((n) => n > 0)).toEqual([...Array<number>(5).fill(samples(300)), samples(100)]);
    expect(lengths.slice(6).every((n) => n === 0)).toBe(true);
  });

  it('gives one blendshape frame every 40 ms from 0 to the end of the audio', () => {
    const times = frames(speechFromAudio(speech, { segmentMs: 300 })).map((f) => f.timeMs);
    const expected = Array.from({ length: Math.ceil(1600 / BLENDSHAPE_FRAME_MS) }, (_, i) => i * 40);
    expect(times).toEqual(expected);
  });

  it('opens the mouth where the audio is loud and keeps it closed in silence', () => {
    const segments = speechFromAudio(speech);
    expect(Math.max(...jawAt(segments, 0, 480))).toBe(0);
    expect(Math.min(...jawAt(segments, 400 + 500, 1080))).toBeGreaterThan(0.3);
    expect(Math.max(...jawAt(segments, 1300, 1600))).toBeLessThan(0.02);
    expect(segments.flatMap((s) => s.visemes).some((v) => v.viseme === 'aa')).toBe(true);
  });

  it('gives the same mouth however the audio is cut', () => {
    const whole = frames(speechFromAudio(speech, { segmentMs: 5_000 }));
    expect(frames(speechFromAudio(speech, { segmentMs: 40 }))).toEqual(whole);
    expect(frames(speechFromAudio(speech, { segmentMs: 17 }))).toEqual(whole);
  });

  it('applies the volume in the IVH scale', () => {
    const louder = speechFromAudio(speech, { volume: 10 });
    expect(sameSamples(concatPcm(...louder.map((s) => s.pcm)), applyGain(speech, 10))).toBe(true);
    expect(Math.min(...jawAt(louder, 900, 1080))).toBeGreaterThan(0.3);
  });

  it('gives no audio for no audio', () => {
    const segments = speechFromAudio(new Int16Array(0));
    expect(segments.reduce((n, s) => n + s.pcm.length, 0)).toBe(0);
  });

  it.each([0, -40, NaN, Infinity])('refuses segmentMs %s', (segmentMs) => {
    expect(() => speechFromAudio(speech, { segmentMs })).toThrow(RangeError);
  });
});
