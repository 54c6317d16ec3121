import type { MessagePort, TransferListItem } from 'node:worker_threads';

/** Parent → worker: one job. A worker runs one job at a time. */
export interface JobMessage<TRequest> {
  jobId: number;
  request: TRequest;
}

/** Worker → parent. */
export type WorkerReply<TEvent> =
  | { type: 'ready' }
  | { type: 'event'; jobId: number; event: TEvent }
  | { type: 'done'; jobId: number }
  | { type: 'error'; jobId: number; message: string };

/** What the pool hands every worker as `workerData`. */
export interface PoolWorkerData {
  /** Int32 slot 0 holds the id of the job the parent wants stopped (0 = none). */
  cancel: SharedArrayBuffer;
}

/**
 * Runs one job inside the worker. `emit` streams an event to the parent at once (with `transfer` moved, not
 * copied); `cancelled()` turns true when the parent aborts this job, so long synchronous work can stop early.
 */
export type JobHandler<TRequest, TEvent> = (
  request: TRequest,
  emit: (event: TEvent, transfer?: readonly TransferListItem[]) => void,
  cancelled: () => boolean,
) => void | Promise<void>;

/**
 * The worker side of the pool protocol. It is stringified into the worker's source (see `poolWorkerScript`),
 * so it must not refer to anything outside its own body: only its parameters and globals.
 */
/* istanbul ignore next -- runs inside the worker */
export function servePoolJobs<TRequest, TEvent>(
  port: MessagePort,
  data: PoolWorkerData,
  handler: JobHandler<TRequest, TEvent>,
): void {
  const cancel = new Int32Array(data.cancel);
  port.on('message', async (message: JobMessage<TRequest>) => {
    const { jobId, request } = message;
    const emit = (event: TEvent, transfer?: readonly TransferListItem[]): void => {
      port.postMessage({ type: 'event', jobId, event }, transfer);
    };
    try {
      await handler(request, emit, () => Atomics.load(cancel, 0) === jobId);
      port.postMessage({ type: 'done', jobId });
    } catch (error) {
      port.postMessage({
        type: 'error',
        jobId,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  port.postMessage({ type: 'ready' });
}

/** A worker's setup: gets the namespaces of its `imports` and returns the job handler. */
export type PoolWorkerSetup = (
  ...modules: never[]
) => JobHandler<never, unknown> | Promise<JobHandler<never, unknown>>;

/**
 * The ES module source of a pool worker, as a `data:` URL. Why a generated module rather than a worker file:
 * the package runs from TypeScript sources under vitest and from compiled `dist` in production, and Node 20
 * cannot run a `.ts` file in a worker thread (no type stripping, no tsx here), while tsc copies no `.js`/`.mjs`
 * asset into `dist`. A module generated from functions that tsc and vitest both compile works in both cases,
 * keeps the worker code type-checked and linted, and needs no build step or path guessing.
 * `imports` must be absolute URLs (a data: module cannot resolve bare specifiers): resolve them in the parent
 * with `import.meta.resolve`. `setup` is stringified, so it must be self-contained like `servePoolJobs`.
 */
export function poolWorkerScript(
  setup: PoolWorkerSetup,
  imports: readonly string[] = [],
  threadName = 'dhuman-worker',
): URL {
  const names = imports.map((_, i) => `m${i}`);
  const source = [
    `import { parentPort, workerData } from 'node:worker_threads';`,
    `import { writeFileSync } from 'node:fs';`,
    // Names the OS thread (Linux, 15 characters at most) so `top -H` and the benchmarks can tell the pool's
    // threads from V8's and libuv's, which Node leaves all named `node`. Elsewhere the write fails, harmlessly.
    `try { writeFileSync('/proc/thread-self/comm', ${JSON.stringify(threadName.slice(0, 15))}); } catch {}`,
    ...imports.map((url, i) => `import * as m${i} from ${JSON.stringify(url)};`),
    `const handler = await (${setup.toString()})(${names.join(', ')});`,
    `(${servePoolJobs.toString()})(parentPort, workerData, handler);`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}
