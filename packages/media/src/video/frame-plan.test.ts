import { describe, expect, it } from 'vitest';
import { fitAudio, frameAudio, planFrames } from './frame-plan.js';

describe('planFrames', () => {
  it('covers speech plus tail in whole frames, and the audio exactly as long', () => {
    const plan = planFrames(2_010, 300, 25, 24_000);
    expect(plan.totalFrames).toBe(58); // 2310 ms → 57.75 frames, rounded up
    expect(plan.durationMs).toBe(2_320);
    expect(plan.totalSamples).toBe(55_680);
  });

  it('does not add a frame to an exact multiple of the period, and makes at least one', () => {
    expect(planFrames(1_700, 300, 25, 24_000).totalFrames).toBe(50);
    expect(planFrames(0, 0, 25, 24_000).totalFrames).toBe(1);
  });

  it('gives every frame its own audio span, without gaps or drift at 30 fps', () => {
    const plan = planFrames(1_000, 0, 30, 24_000);
    const audio = Int16Array.from({ length: plan.totalSamples }, (_, i) => i % 30_000);
    let total = 0;
    for (let i = 0; i < plan.totalFrames; i++) {
      const span = frameAudio(plan, audio, i);
      expect(span[0]).toBe(total % 30_000);
      total += span.length;
    }
    expect(total).toBe(24_000);
  });

  it('pads the speech with silence to the plan, keeping it unchanged', () => {
    const plan = planFrames(100, 300, 25, 24_000);
    const speech = new Int16Array(2_400).fill(7);
    const fitted = fitAudio(plan, speech);
    expect(fitted.length).toBe(9_600);
    expect(fitted[2_399]).toBe(7);
    expect(fitted[2_400]).toBe(0);
  });
});
