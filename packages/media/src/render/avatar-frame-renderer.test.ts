import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from '@dhuman/avatar/node';
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { Path2D } from '@napi-rs/canvas';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AvatarFrameRenderer, AvatarRenderError } from './avatar-frame-renderer.js';
import { RENDER_THREAD_NAME } from './render-worker.js';

// The worker draws with @dhuman/avatar's built dist (see renderWorkerUrl), the in-process reference with its
// sources: `npm test` builds first, so a mismatch here after editing packages/avatar means a stale build.

let manifest: AvatarManifest;
const open: AvatarFrameRenderer[] = [];

beforeAll(async () => {
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((renderer) => renderer.close()));
});

async function start(width = 512, height = 512, maxInFlight?: number): Promise<AvatarFrameRenderer> {
  const renderer = await AvatarFrameRenderer.create({ manifest, width, height, maxInFlight });
  open.push(renderer);
  return renderer;
}

function jawOpen(value: number): Float32Array {
  const weights = new Float32Array(BLENDSHAPE_NAMES.length);
  weights[BLENDSHAPE_NAMES.indexOf('jawOpen')] = value;
  return weights;
}

/** Bytes that differ inside `box` between two width-wide RGBA images. */
function differingBytes(a: Uint8Array, b: Uint8Array, width: number, box: PixelBox): number {
  let count = 0;
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.ceil(box.y + box.height); y++) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(width, Math.ceil(box.x + box.width)); x++) {
      for (let c = 0; c < 4; c++) if (a[(y * width + x) * 4 + c] !== b[(y * width + x) * 4 + c]) count++;
    }
  }
  return count;
}

/** Threads of this process named like the render workers (Linux only; elsewhere, null). */
function renderThreads(): number | null {
  try {
    return readdirSync('/proc/self/task').filter((tid) => {
      try {
        return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === RENDER_THREAD_NAME;
      } catch {
        return false; // the thread ended while we looked
      }
    }).length;
  } catch {
    return null;
  }
}

describe('AvatarFrameRenderer', () => {
  it('draws the same bytes as renderAvatarRgba in-process', async () => {
    const renderer = await start();
    for (const frame of [
      { weights: null, timeSec: 0 },
      { weights: jawOpen(0.8), timeSec: 1.25 },
      { weights: jawOpen(0.3), timeSec: 7.5 },
    ]) {
      const rgba = await renderer.render(frame);
      expect(rgba).toBeInstanceOf(Uint8Array);
      expect(rgba.byteLength).toBe(512 * 512 * 4);
      expect(Buffer.from(rgba).equals(Buffer.from(renderAvatarRgba(manifest, frame, 512, 512)))).toBe(true);
    }
  });

  it('opens the mouth for jawOpen 0.8: the mouth box differs from rest, the background does not', async () => {
    const renderer = await start();
    const rest = await renderer.render({ weights: null, timeSec: 2 });
    const open08 = await renderer.render({ weights: jawOpen(0.8), timeSec: 2 });
    const box = new AvatarRenderer(manifest, { Path2D }).mouthBox(512, 512);
    expect(differingBytes(rest, open08, 512, box)).toBeGreaterThan(1000);
    // The top-left corner (background) is the same.
    expect(differingBytes(rest, open08, 512, { x: 0, y: 0, width: 64, height: 64 })).toBe(0);
  });

  it('renders 50 frames at 512² well under 2 s', async () => {
    const renderer = await start(512, 512, 3);
    await renderer.render({ weights: null, timeSec: 0 }); // warm up
    const fps = await throughput(renderer, 50);
    console.log(`render worker: ${fps.toFixed(0)} fps at 512×512`);
    expect(50 / fps).toBeLessThan(1);
  });

  it('renders 720p', async () => {
    const renderer = await start(1280, 720, 3);
    await renderer.render({ weights: null, timeSec: 0 });
    const fps = await throughput(renderer, 50);
    console.log(`render worker: ${fps.toFixed(0)} fps at 1280×720`);
    const rgba = await renderer.render({ weights: jawOpen(0.5), timeSec: 3 });
    expect(rgba.byteLength).toBe(1280 * 720 * 4);
    expect(fps).toBeGreaterThan(25);
  });

  it('refuses a frame when maxInFlight frames are pending, and takes frames again once they are done', async () => {
    const renderer = await start(512, 512, 2);
    const first = renderer.render({ weights: null, timeSec: 0 });
    const second = renderer.render({ weights: jawOpen(0.5), timeSec: 0.04 });
    expect(renderer.inFlight).toBe(2);
    await expect(renderer.render({ weights: null, timeSec: 0.08 })).rejects.toMatchObject({
      code: 'RENDER_BUSY',
    });
    expect(renderer.inFlight).toBe(2);
    const frames = await Promise.all([first, second]);
    expect(frames.map((f) => f.byteLength)).toEqual([512 * 512 * 4, 512 * 512 * 4]);
    expect(renderer.inFlight).toBe(0);
    expect(renderer.state).toBe('ready');
    await expect(renderer.render({ weights: null, timeSec: 0.12 })).resolves.toHaveLength(512 * 512 * 4);
  });

  it('close() terminates the worker, rejects pending frames and is idempotent', async () => {
    const before = renderThreads();
    const renderer = await AvatarFrameRenderer.create({ manifest, width: 512, height: 512 });
    expect(renderer.threadId).toBeGreaterThan(0);
    if (before !== null) expect(renderThreads()).toBe(before + 1);
    const pending = renderer.render({ weights: null, timeSec: 0 });
    const closing = renderer.close();
    expect(renderer.close()).toBe(closing);
    await expect(pending).rejects.toMatchObject({ code: 'RENDER_CLOSED' });
    await closing;
    expect(renderer.threadId).toBe(-1);
    expect(renderer.state).toBe('closed');
    if (before !== null) expect(renderThreads()).toBe(before);
    await expect(renderer.render({ weights: null, timeSec: 0 })).rejects.toMatchObject({
      code: 'RENDER_CLOSED',
    });
    await renderer.close();
  });

  it('a manifest the worker cannot set up rejects create() and leaves no thread', async () => {
    const before = renderThreads();
    const poisoned = { ...manifest, layers: null } as unknown as AvatarManifest;
    const error = await AvatarFrameRenderer.create({ manifest: poisoned, width: 64, height: 64 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AvatarRenderError);
    expect(error).toMatchObject({ code: 'RENDER_FAILED', message: expect.stringMatching(/worker error/) });
    if (before !== null) expect(renderThreads()).toBe(before);
  });

  it('a draw fault rejects every pending frame, fails the renderer and reports it once', async () => {
    // Valid enough to construct the renderer, but the background gradient has no stops: drawing throws.
    const background = { type: 'linear', from: [0, 0], to: [0, 1], stops: null };
    const poisoned = { ...manifest, background } as unknown as AvatarManifest;
    const faults: AvatarRenderError[] = [];
    const renderer = await AvatarFrameRenderer.create({
      manifest: poisoned,
      width: 64,
      height: 64,
      onFault: (error) => faults.push(error),
    });
    open.push(renderer);
    const pending = [0, 1, 2].map((i) => renderer.render({ weights: null, timeSec: i }));
    for (const frame of pending) {
      await expect(frame).rejects.toMatchObject({
        code: 'RENDER_FAILED',
        message: expect.stringMatching(/drawing frame 1 failed/),
      });
    }
    expect(renderer.state).toBe('failed');
    expect(faults).toHaveLength(1);
    await expect(renderer.render({ weights: null, timeSec: 0 })).rejects.toMatchObject({
      code: 'RENDER_FAILED',
    });
    await renderer.close();
    expect(renderer.threadId).toBe(-1);
  });

  it('a worker killed under it rejects the pending frame and fails the renderer, not the process', async () => {
    const faults: AvatarRenderError[] = [];
    const renderer = await AvatarFrameRenderer.create({
      manifest,
      width: 64,
      height: 64,
      onFault: (error) => faults.push(error),
    });
    open.push(renderer);
    // Reach the renderer's private worker through the one call it makes on it per frame, and end the thread
    // from outside, as a native crash would.
    const postMessage = vi.spyOn(Worker.prototype, 'postMessage');
    await renderer.render({ weights: null, timeSec: 0 });
    const worker = postMessage.mock.contexts[0] as Worker | undefined;
    expect(worker?.threadId).toBe(renderer.threadId);
    const pending = renderer.render({ weights: jawOpen(0.5), timeSec: 0.04 });
    await worker?.terminate();
    await expect(pending).rejects.toMatchObject({
      code: 'RENDER_FAILED',
      message: expect.stringMatching(/exited unexpectedly/),
    });
    expect(renderer.state).toBe('failed');
    expect(renderer.threadId).toBe(-1);
    expect(faults).toHaveLength(1);
    await expect(renderer.render({ weights: null, timeSec: 0 })).rejects.toMatchObject({
      code: 'RENDER_FAILED',
    });
    await renderer.close();
  });
});

async function throughput(renderer: AvatarFrameRenderer, frames: number): Promise<number> {
  const started = performance.now();
  const inFlight = new Set<Promise<Uint8Array>>();
  for (let i = 0; i < frames; i++) {
    if (inFlight.size >= renderer.maxInFlight) await Promise.race(inFlight);
    const job = renderer.render({ weights: jawOpen((i % 10) / 10), timeSec: i / 25 });
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  }
  await Promise.all(inFlight);
  return frames / ((performance.now() - started) / 1000);
}
