import { describe, expect, it } from 'vitest';
import { streamCost } from './session-streams.js';

describe('streamCost', () => {
  it('counts a 512x512 25 fps stream as one unit', () => {
    expect(streamCost({ width: 512, height: 512, fps: 25 })).toBe(1);
  });

  it('counts 720p at about 2.26 units: half the cost is fixed, half grows with the pixels', () => {
    expect(streamCost({ width: 1280, height: 720, fps: 25 })).toBeCloseTo(
      0.5 + 0.5 * ((1280 * 720) / (512 * 512)),
      6,
    );
    expect(streamCost({ width: 1280, height: 720, fps: 25 })).toBeCloseTo(2.258, 3);
  });

  it('scales with the frame rate', () => {
    expect(streamCost({ width: 512, height: 512, fps: 12.5 })).toBe(0.5);
    expect(streamCost({ width: 512, height: 512, fps: 30 })).toBeCloseTo(1.2, 6);
  });
});
