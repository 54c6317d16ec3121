import { Worker } from 'node:worker_threads';
import { renderWorkerUrl } from './render-worker.js';

/**
 * Render workers kept loaded between renderers that ask for it (the video jobs): starting one costs about 0.1 s
 * of CPU (a thread, the canvas library and the avatar code), and its first frames run before the JIT has
 * compiled the drawing and pixel loops, about 0.05 s more. Per video with two workers that was 0.3–0.4 s of CPU,
 * a fifth of a 9 s clip's whole render at 512².
 *
 * An idle worker holds no drawing state (its renderer sent `release`) and does not keep the process alive
 * (unref'd); it is ended after `IDLE_WORKER_MS` unused, and at most `MAX_IDLE_WORKERS` wait at once.
 */

/**
 * Enough for the videos of a small machine's default pool (two workers each). A loaded worker holds about 25 MB
 * (measured at 720p), so more are not kept even where more tasks run at once.
 */
export const MAX_IDLE_WORKERS = 4;
/**
 * An idle worker still unused after this is ended. Long, because a worker's speed is in its JIT state, which
 * ending it throws away: V8 compiles the per-frame drawing code only after a worker has drawn some thousands of
 * frames (`--trace-opt` showed the renderer's `draw` and `idlePose` first optimized in its 6th to 7th 9 s video,
 * and compiles going on until about the 15th), and a warm worker renders a 512² video in about 10 % less CPU
 * than one in its first few videos. Ended after a minute, a server making a video every few minutes never got
 * there. Ten minutes hold at most `MAX_IDLE_WORKERS` × 25 MB.
 */
export const IDLE_WORKER_MS = 10 * 60_000;

interface IdleWorker {
  worker: Worker;
  timer: NodeJS.Timeout;
  /** Drops it from the pool if it ends or fails while idle. */
  onGone: () => void;
}

const idle: IdleWorker[] = [];

/** A loaded idle worker (referenced again: it now keeps the process alive), or a new one. */
export function takeRenderWorker(): Worker {
  const entry = idle.pop();
  if (!entry) return new Worker(renderWorkerUrl());
  forget(entry);
  entry.worker.ref();
  return entry.worker;
}

/**
 * Takes back a worker whose renderer is done with it: it must have no frame in flight and no listener of that
 * renderer left. Ended instead when the pool is full.
 */
export function releaseRenderWorker(worker: Worker): void {
  worker.postMessage({ type: 'release' });
  if (idle.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const entry: IdleWorker = {
    worker,
    timer: setTimeout(() => {
      forget(entry);
      void worker.terminate();
    }, IDLE_WORKER_MS).unref(),
    onGone: () => forget(entry),
  };
  worker.once('exit', entry.onGone);
  // An idle worker's `error` needs a listener, or it would be thrown in the process.
  worker.on('error', entry.onGone);
  idle.push(entry);
}

/** Workers waiting in the pool. */
export function idleRenderWorkers(): number {
  return idle.length;
}

/** Ends every idle worker (shutting down, or a test counting threads); resolves once they have exited. */
export async function closeIdleRenderWorkers(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(
    all.map((entry) => {
      forget(entry);
      return entry.worker.terminate();
    }),
  );
}

function forget(entry: IdleWorker): void {
  clearTimeout(entry.timer);
  entry.worker.off('exit', entry.onGone);
  entry.worker.off('error', entry.onGone);
  const at = idle.indexOf(entry);
  if (at >= 0) idle.splice(at, 1);
}
