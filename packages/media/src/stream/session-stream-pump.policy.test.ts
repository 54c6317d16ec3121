// The pump's bounded policies with scripted fakes (no worker, no ffmpeg), so slow and failing parts can be held
// exactly: a slow or refusing renderer gives repeated frames, never fewer frames; a stuck encoder makes the pump
// skip whole spans instead of queueing; a failed encoder stops the pump and is reported once.
import type { ClockListener, MediaFrame } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import type { RenderFrame } from '../render/avatar-frame-renderer.js';
import { AvatarRenderError } from '../render/avatar-frame-renderer.js';
import { DEFAULT_MAX_BACKLOG_MS, SessionStreamPump } from './session-stream-pump.js';

const W = 4;
const H = 2;

class ManualClock {
  readonly listeners = new Set<ClockListener>();
  add(listener: ClockListener): void {
    this.listeners.add(listener);
  }
  remove(listener: ClockListener): void {
    this.listeners.delete(listener);
  }
  tick(nowMs: number): void {
    for (const listener of [...this.listeners]) listener.tick(nowMs);
  }
}

/** Renders a frame whose first byte is the render's sequence number; `hold` keeps renders pending. */
class ScriptedRenderer {
  readonly width = W;
  readonly height = H;
  hold = false;
  refuse = false;
  calls = 0;
  readonly pending: (() => void)[] = [];
  render(_frame: RenderFrame): Promise<Uint8Array> {
    const n = ++this.calls;
    if (this.refuse) return Promise.reject(new AvatarRenderError('RENDER_BUSY', 'busy'));
    const rgba = new Uint8Array(W * H * 4).fill(n % 256);
    if (!this.hold) return Promise.resolve(rgba);
    return new Promise((resolve) => this.pending.push(() => resolve(rgba)));
  }
}

/** Records writes; `stuck` holds video writes until released; `failWith` rejects the next write. */
class ScriptedEncoder {
  frames: number[] = [];
  samples = 0;
  stuck = false;
  failWith: Error | undefined;
  readonly held: (() => void)[] = [];
  writeFrame(rgba: Uint8Array): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.frames.push(rgba[0] ?? -1);
    if (!this.stuck) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }
  writeAudio(pcm: Int16Array): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.samples += pcm.length;
    return Promise.resolve();
  }
}

function setup(): {
  clock: ManualClock;
  renderer: ScriptedRenderer;
  encoder: ScriptedEncoder;
  pump: SessionStreamPump;
  errors: unknown[];
  tick: (count: number) => Promise<void>;
} {
  const clock = new ManualClock();
  const renderer = new ScriptedRenderer();
  const encoder = new ScriptedEncoder();
  const errors: unknown[] = [];
  const subscribe = (_listener: (frame: MediaFrame) => void) => () => undefined;
  const pump = new SessionStreamPump({
    subscribe,
    clock,
    renderer,
    encoder,
    originMs: 0,
    onError: (error) => errors.push(error),
  });
  pump.start();
  let now = 0;
  const tick = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      now += 20;
      clock.tick(now);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { clock, renderer, encoder, pump, errors, tick };
}

describe('SessionStreamPump policies', () => {
  it('repeats the last frame when the renderer refuses, keeping one frame per 40 ms of audio', async () => {
    const { renderer, encoder, pump, tick } = setup();
    await tick(10);
    renderer.refuse = true;
    await tick(10);
    renderer.refuse = false;
    await tick(10);
    await pump.stop();
    const written = pump.stats;
    expect(written.videoFrames).toBe(Math.ceil(pump.writtenMs / 40));
    expect(written.repeatedFrames).toBe(5);
    expect(encoder.frames.length).toBe(written.videoFrames);
    expect(encoder.samples).toBe((pump.writtenMs * 24_000) / 1000);
  });

  it('repeats when a render is late, and drops the late render when it comes', async () => {
    const { renderer, encoder, pump, tick } = setup();
    await tick(6);
    const before = encoder.frames.length;
    renderer.hold = true;
    // Frames wait for their render up to RENDER_WAIT_FRAMES behind; later ones push the oldest out as repeats.
    await tick(12);
    expect(encoder.frames.length).toBeGreaterThan(before);
    expect(pump.stats.repeatedFrames).toBeGreaterThan(0);
    const lastGood = encoder.frames[before - 1];
    expect(encoder.frames.slice(before)).toEqual(encoder.frames.slice(before).map(() => lastGood));
    renderer.hold = false;
    for (const release of renderer.pending.splice(0)) release();
    await tick(2);
    await pump.stop();
    expect(pump.stats.droppedFrames).toBeGreaterThan(0);
    expect(pump.stats.videoFrames).toBe(Math.ceil(pump.writtenMs / 40));
  });

  it('skips whole spans when the encoder is stuck, instead of queueing without bound', async () => {
    const { encoder, pump, tick } = setup();
    await tick(5);
    encoder.stuck = true;
    await tick(100); // 2 s with the video input blocked
    const stats = pump.stats;
    expect(stats.skippedMs).toBeGreaterThan(2_000 - DEFAULT_MAX_BACKLOG_MS - 200);
    // Bounded: what was accepted while stuck is at most the backlog bound (plus the frame being written).
    expect(pump.writtenMs + stats.skippedMs).toBeGreaterThanOrEqual(2_000);
    encoder.stuck = false;
    for (const release of encoder.held.splice(0)) release();
    await tick(5);
    const stopping = pump.stop();
    for (const release of encoder.held.splice(0)) release();
    await stopping;
    expect(pump.stats.videoFrames).toBe(Math.ceil(pump.writtenMs / 40));
    expect(encoder.frames.length).toBe(pump.stats.videoFrames);
  });

  it('stops and reports once when the encoder fails', async () => {
    const { clock, encoder, pump, errors, tick } = setup();
    await tick(5);
    encoder.failWith = new Error('ffmpeg gone');
    await tick(5);
    expect(errors).toHaveLength(1);
    expect(clock.listeners.size).toBe(0);
    await expect(pump.stop()).resolves.toBeUndefined();
  });
});
