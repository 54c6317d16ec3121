import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AvatarManifest } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AvatarFrameRenderer } from './avatar-frame-renderer.js';
import { renderThreads } from './render-thread-test-support.js';
import {
  IDLE_WORKER_MS,
  MAX_IDLE_WORKERS,
  closeIdleRenderWorkers,
  idleRenderWorkers,
} from './render-worker-pool.js';

let manifest: AvatarManifest;

beforeAll(async () => {
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
});

afterEach(closeIdleRenderWorkers);

/**
 * `renderThreads()` once it equals `expected`, or after 2 s: an ended worker's OS thread may outlive its `exit`
 * event by a moment on a busy machine.
 */
async function settledThreads(expected: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  while (renderThreads() !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return renderThreads();
}

function reusable(width: number, height: number, pixelFormat: 'rgba' | 'yuv420p' = 'rgba') {
  return AvatarFrameRenderer.create({ manifest, width, height, pixelFormat, reuseWorker: true });
}

describe('render worker pool', () => {
  it('a clean close parks the worker; the next renderer gets it, set up for its own size and format', async () => {
    await closeIdleRenderWorkers();
    const threads = renderThreads();
    const first = await reusable(64, 64);
    const thread = first.threadId;
    await first.render({ weights: null, timeSec: 1 });
    await first.close();
    expect(first.threadId).toBe(-1);
    expect(idleRenderWorkers()).toBe(1);
    expect(await settledThreads(threads + 1)).toBe(threads + 1);

    const second = await reusable(96, 64, 'yuv420p');
    expect(second.threadId).toBe(thread);
    expect(idleRenderWorkers()).toBe(0);
    const fresh = await AvatarFrameRenderer.create({
      manifest,
      width: 96,
      height: 64,
      pixelFormat: 'yuv420p',
    });
    const frame = { weights: null, timeSec: 2.5 };
    const [reused, reference] = [await second.render(frame), await fresh.render(frame)];
    expect(reused.byteLength).toBe(96 * 64 * 1.5);
    expect(Buffer.compare(reused, reference)).toBe(0);
    await Promise.all([second.close(), fresh.close()]);
    // The one made without reuseWorker ended its thread; the reused one is parked again.
    expect(await settledThreads(threads + 1)).toBe(threads + 1);
    await closeIdleRenderWorkers();
    expect(idleRenderWorkers()).toBe(0);
    expect(await settledThreads(threads)).toBe(threads);
  });

  it('a renderer closed with frames in flight ends its worker instead of parking it', async () => {
    const renderer = await reusable(64, 64);
    const pending = renderer.render({ weights: null, timeSec: 0 });
    const rejected = expect(pending).rejects.toMatchObject({ code: 'RENDER_CLOSED' });
    await renderer.close();
    await rejected;
    expect(idleRenderWorkers()).toBe(0);
  });

  it('a renderer that failed does not park its worker', async () => {
    const background = { type: 'linear', from: [0, 0], to: [0, 1], stops: null };
    const poisoned = { ...manifest, background } as unknown as AvatarManifest;
    const renderer = await AvatarFrameRenderer.create({
      manifest: poisoned,
      width: 64,
      height: 64,
      reuseWorker: true,
    });
    await expect(renderer.render({ weights: null, timeSec: 0 })).rejects.toMatchObject({
      code: 'RENDER_FAILED',
    });
    await renderer.close();
    expect(idleRenderWorkers()).toBe(0);
    const unusable = { ...manifest, layers: null } as unknown as AvatarManifest;
    await expect(
      AvatarFrameRenderer.create({ manifest: unusable, width: 64, height: 64, reuseWorker: true }),
    ).rejects.toMatchObject({ code: 'RENDER_FAILED' });
    expect(idleRenderWorkers()).toBe(0);
  });

  it(`keeps at most ${MAX_IDLE_WORKERS} idle workers`, async () => {
    const renderers = await Promise.all(Array.from({ length: MAX_IDLE_WORKERS + 2 }, () => reusable(32, 32)));
    await Promise.all(renderers.map((renderer) => renderer.close()));
    expect(idleRenderWorkers()).toBe(MAX_IDLE_WORKERS);
  });

  it('keeps an idle worker for ten minutes (its JIT state is its speed), then ends it', async () => {
    const renderer = await reusable(32, 32);
    await renderer.render({ weights: null, timeSec: 0 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await renderer.close();
      expect(idleRenderWorkers()).toBe(1);
      // A video every few minutes finds its workers still loaded.
      vi.advanceTimersByTime(5 * 60_000);
      expect(idleRenderWorkers()).toBe(1);
      vi.advanceTimersByTime(IDLE_WORKER_MS - 5 * 60_000 - 1);
      expect(idleRenderWorkers()).toBe(1);
      vi.advanceTimersByTime(1);
      expect(idleRenderWorkers()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('idle workers do not keep the process alive', async () => {
    // A process that renders once with a reused worker and then has nothing left to do exits by itself.
    const script = [
      `import { AvatarFrameRenderer, idleRenderWorkers } from '@dhuman/media';`,
      `const manifest = ${JSON.stringify(manifest)};`,
      `const renderer = await AvatarFrameRenderer.create({ manifest, width: 32, height: 32, reuseWorker: true });`,
      `await renderer.render({ weights: null, timeSec: 0 });`,
      `await renderer.close();`,
      `console.log('idle', idleRenderWorkers());`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit within 10 s'));
      }, 10_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    expect(output.trim()).toBe('idle 1');
  });
});
