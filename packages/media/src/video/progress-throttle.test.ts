import { describe, expect, it } from 'vitest';
import { throttleProgress } from './progress-throttle.js';
import type { VideoProgress } from './video-types.js';

describe('throttleProgress', () => {
  it('reports at most once per interval, and always the last frame', () => {
    let now = 0;
    const seen: VideoProgress[] = [];
    const report = throttleProgress(
      (p) => seen.push(p),
      50,
      100,
      () => now,
    );
    for (let frame = 1; frame <= 50; frame++) {
      now = frame * 7; // a frame every 7 ms: 350 ms in all
      report(frame);
    }
    expect(seen.map((p) => p.framesEncoded)).toEqual([1, 16, 31, 46, 50]);
    expect(seen.every((p) => p.totalFrames === 50)).toBe(true);
  });

  it('survives a throwing listener', () => {
    const report = throttleProgress(() => {
      throw new Error('display broke');
    }, 2);
    expect(() => report(2)).not.toThrow();
  });
});
