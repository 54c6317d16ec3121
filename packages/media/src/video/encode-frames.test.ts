import { BLENDSHAPE_NAMES } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import type { RenderFrame } from '../render/avatar-frame-renderer.js';
import type { VideoEncoderInput, VideoFrameRenderer } from './encode-frames.js';
import { encodeFrames } from './encode-frames.js';
import { fitAudio, planFrames } from './frame-plan.js';

/** Answers each frame after a random delay with one byte: the frame's time in 40 ms steps. */
class FakeRenderer implements VideoFrameRenderer {
  readonly maxInFlight = 3;
  readonly frames: RenderFrame[] = [];
  /** Frames handed back, by their byte (the frame number). */
  readonly recycled: number[] = [];
  inFlight = 0;
  peak = 0;

  recycle(rgba: Uint8Array): void {
    this.recycled.push(rgba[0] ?? -1);
  }

  render(frame: RenderFrame): Promise<Uint8Array> {
    if (this.inFlight >= this.maxInFlight) return Promise.reject(new Error('busy'));
    this.frames.push(frame);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    return new Promise((resolve) =>
      setTimeout(() => {
        this.inFlight--;
        resolve(Uint8Array.of(Math.round(frame.timeSec * 25)));
      }, Math.random() * 3),
    );
  }
}

class FakeEncoder implements VideoEncoderInput {
  readonly video: number[] = [];
  audioSamples = 0;
  /** Called when a frame's write resolves, before anything else can see it. */
  onWritten: (frame: number) => void = () => undefined;

  async writeFrame(rgba: Uint8Array): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.video.push(rgba[0] ?? -1);
    this.onWritten(rgba[0] ?? -1);
  }

  writeAudio(pcm: Int16Array): Promise<void> {
    this.audioSamples += pcm.length;
    return Promise.resolve();
  }
}

describe('encodeFrames', () => {
  const plan = planFrames(1_000, 300, 25, 24_000);
  const audio = fitAudio(plan, new Int16Array(24_000));
  const jaw = (value: number): Float32Array => {
    const w = new Float32Array(BLENDSHAPE_NAMES.length);
    w[0] = value;
    return w;
  };
  const mouth = { startMs: 0, frames: Array.from({ length: 25 }, (_, i) => jaw(i / 25)) };

  it.each([1, 2, 3])('writes every frame once, in order, with its audio, from %i renderer(s)', async (n) => {
    const renderers = Array.from({ length: n }, () => new FakeRenderer());
    const encoder = new FakeEncoder();
    const counts: number[] = [];
    await encodeFrames(renderers, encoder, plan, mouth, audio, (count) => counts.push(count));
    expect(encoder.video).toEqual(Array.from({ length: plan.totalFrames }, (_, i) => i));
    expect(encoder.audioSamples).toBe(plan.totalSamples);
    expect(counts).toEqual(Array.from({ length: plan.totalFrames }, (_, i) => i + 1));
    renderers.forEach((renderer, r) => {
      expect(renderer.peak).toBeLessThanOrEqual(renderer.maxInFlight);
      expect(renderer.frames.every((f) => Math.round(f.timeSec * 25) % n === r)).toBe(true);
    });
  });

  it('hands each frame back to the renderer that drew it, only once ffmpeg has taken it', async () => {
    const renderers = [new FakeRenderer(), new FakeRenderer()];
    const encoder = new FakeEncoder();
    const written = new Set<number>();
    encoder.onWritten = (frame) => written.add(frame);
    const early: number[] = [];
    for (const renderer of renderers) {
      const recycle = renderer.recycle.bind(renderer);
      renderer.recycle = (rgba) => {
        if (!written.has(rgba[0] ?? -1)) early.push(rgba[0] ?? -1);
        recycle(rgba);
      };
    }
    await encodeFrames(renderers, encoder, plan, mouth, audio, () => undefined);
    expect(early).toEqual([]);
    renderers.forEach((renderer, r) => {
      const drawn = Array.from({ length: plan.totalFrames }, (_, i) => i).filter((i) => i % 2 === r);
      expect(renderer.recycled).toEqual(drawn);
    });
  });

  it('draws the mouth from the blendshape track at each frame time, and rest after it', async () => {
    const renderer = new FakeRenderer();
    await encodeFrames([renderer], new FakeEncoder(), plan, mouth, audio, () => undefined);
    expect(renderer.frames[10]?.weights?.[0]).toBeCloseTo(10 / 25);
    expect(renderer.frames[26]?.weights).toBeNull();
    expect(renderer.frames[26]?.timeSec).toBeCloseTo(26 * 0.04);
  });

  it('rejects when a render fails, without unhandled rejections from frames drawn ahead', async () => {
    const failing: VideoFrameRenderer = {
      maxInFlight: 3,
      render: (frame) =>
        frame.timeSec > 0.1 ? Promise.reject(new Error('draw failed')) : Promise.resolve(new Uint8Array(1)),
    };
    await expect(
      encodeFrames([failing], new FakeEncoder(), plan, mouth, audio, () => undefined),
    ).rejects.toThrow('draw failed');
  });
});
