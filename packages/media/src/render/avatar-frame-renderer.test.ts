import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer, blinkAmount, writeYuv420, yuv420Bytes } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from '@dhuman/avatar/node';
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { Path2D } from '@napi-rs/canvas';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AvatarFrameRenderer, AvatarRenderError } from './avatar-frame-renderer.js';
import { renderThreads } from './render-thread-test-support.js';

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

/** A moment when `manifest` has its eyes nearly shut. */
function blinkTime(of: AvatarManifest): number {
  for (let t = 0; t < 60; t += 0.01) if (blinkAmount(of, t) > 0.95) return t;
  throw new Error('no blink in a minute');
}

/**
 * How far a worker frame is from the same frame drawn whole in-process: the share of pixels with a channel more
 * than 8 apart, the mean difference per channel, and the pixels that differ at all outside the motion box.
 */
function difference(a: Uint8Array, b: Uint8Array, width: number, box: PixelBox) {
  expect(a.length).toBe(b.length);
  let far = 0;
  let sum = 0;
  let outside = 0;
  for (let i = 0; i < a.length; i += 4) {
    let worst = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0));
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst > 8) far++;
    const x = (i / 4) % width;
    const y = Math.floor(i / 4 / width);
    const inBox = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
    if (worst > 0 && !inBox) outside++;
  }
  return { share: far / (a.length / 4), mean: sum / a.length, outside };
}

describe('AvatarFrameRenderer', () => {
  // The worker draws only the motion box, over a cached underlay, into recycled buffers that keep the still
  // part of the picture: whatever it saves, its frames must look like the whole picture drawn the plain way.
  // Not bit for bit (a few antialiased edge pixels land a fraction of a pixel differently on the box-sized
  // canvas; measured under 1 pixel in 10 000 more than 8/255 off), and exactly outside the box.
  it.each([
    [512, 512, '#00b140'],
    [512, 512, 'transparent'],
    [1280, 720, '#00b140'],
    [1280, 720, 'transparent'],
  ])('draws what renderAvatarRgba draws at %i×%i on %s, into new and recycled buffers', async (w, h, bg) => {
    const of: AvatarManifest = { ...manifest, background: bg === 'transparent' ? '#00000000' : bg };
    const renderer = await AvatarFrameRenderer.create({ manifest: of, width: w, height: h });
    open.push(renderer);
    const box = new AvatarRenderer(of, { Path2D }).motionBox(w, h);
    const frames = [
      { weights: null, timeSec: 0 },
      { weights: null, timeSec: blinkTime(of) },
      { weights: jawOpen(0.8), timeSec: 1.25 },
      { weights: Float32Array.from(BLENDSHAPE_NAMES, () => 1), timeSec: 7.5 },
      { weights: jawOpen(0.3), timeSec: 12.1 },
    ];
    let previous: Uint8Array | undefined;
    for (const [i, frame] of frames.entries()) {
      const rgba = await renderer.render(frame);
      // The frame before went back to the worker with this request and was drawn over.
      expect(previous?.byteLength ?? 0).toBe(0);
      expect(rgba).toBeInstanceOf(Uint8Array);
      expect(rgba.byteLength).toBe(w * h * 4);
      const { share, mean, outside } = difference(rgba, renderAvatarRgba(of, frame, w, h), w, box);
      expect(share, `frame ${i}`).toBeLessThan(1 / 2000);
      expect(mean, `frame ${i}`).toBeLessThan(0.02);
      expect(outside, `frame ${i}`).toBe(0);
      renderer.recycle(rgba);
      previous = rgba;
    }
  });

  it('takes back only its own frames, whole and not yet recycled', async () => {
    const renderer = await start(64, 64);
    const other = await start(64, 64);
    const frame = { weights: jawOpen(0.5), timeSec: 0.5 };
    const mine = await renderer.render(frame);
    const theirs = await other.render(frame);
    const copy = mine.slice();
    renderer.recycle(theirs);
    renderer.recycle(new Uint8Array(64 * 64 * 4));
    expect(theirs.byteLength).toBe(64 * 64 * 4);
    renderer.recycle(mine);
    // Moved to the worker with the next request, which draws into it.
    expect(mine.byteLength).toBe(64 * 64 * 4);
    const next = await renderer.render(frame);
    expect(mine.byteLength).toBe(0);
    expect(Buffer.compare(next, copy)).toBe(0);
  });

  it('gives I420 frames: the RGBA frame converted, moving part and still part alike', async () => {
    // 98×66: the motion box of an odd-sized fit has odd corners, which the worker grows to whole chroma blocks.
    const [width, height] = [98, 66];
    const rgbaRenderer = await start(width, height);
    const yuvRenderer = await AvatarFrameRenderer.create({ manifest, width, height, pixelFormat: 'yuv420p' });
    open.push(yuvRenderer);
    expect(yuvRenderer.pixelFormat).toBe('yuv420p');
    for (const frame of [
      { weights: null, timeSec: 0 },
      { weights: jawOpen(0.9), timeSec: 3.3 },
      { weights: null, timeSec: 7.1 },
    ]) {
      const rgba = await rgbaRenderer.render(frame);
      const yuv = await yuvRenderer.render(frame);
      const expected = new Uint8Array(yuv420Bytes(width, height));
      writeYuv420(rgba, { x: 0, y: 0, width, height }, expected, width, height);
      expect(yuv.byteLength).toBe(width * height * 1.5);
      // A region draw and a whole draw may round an edge pixel one step apart, and the RGBA renderer's box (odd
      // corners) splits the picture elsewhere than the I420 one's: a few chroma samples may differ by one.
      const off = [...yuv].map((value, i) => Math.abs(value - (expected[i] ?? 0)));
      expect(Math.max(...off)).toBeLessThanOrEqual(1);
      expect(off.filter((d) => d > 0).length).toBeLessThan(10);
      yuvRenderer.recycle(yuv);
    }
    await expect(
      AvatarFrameRenderer.create({ manifest, width: 8, height: 8, pixelFormat: 'bgr24' as 'rgba' }),
    ).rejects.toThrow(RangeError);
    await expect(
      AvatarFrameRenderer.create({ manifest, width: 9, height: 8, pixelFormat: 'yuv420p' }),
    ).rejects.toThrow(/even/);
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
    expect(renderThreads()).toBe(before + 1);
    const pending = renderer.render({ weights: null, timeSec: 0 });
    const closing = renderer.close();
    expect(renderer.close()).toBe(closing);
    await expect(pending).rejects.toMatchObject({ code: 'RENDER_CLOSED' });
    await closing;
    expect(renderer.threadId).toBe(-1);
    expect(renderer.state).toBe('closed');
    expect(renderThreads()).toBe(before);
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
    expect(error).toMatchObject({
      code: 'RENDER_FAILED',
      message: expect.stringMatching(/setting up the avatar failed/),
    });
    expect(renderThreads()).toBe(before);
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
    // Handed back as renderVideo does once ffmpeg has a frame.
    void job.then((rgba) => renderer.recycle(rgba)).finally(() => inFlight.delete(job));
  }
  await Promise.all(inFlight);
  return frames / ((performance.now() - started) / 1000);
}
