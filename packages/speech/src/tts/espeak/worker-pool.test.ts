import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerPoolError } from './worker-pool.js';
import type { JobHandler } from './worker-protocol.js';
import { poolWorkerScript } from './worker-protocol.js';

type TestJob =
  | { kind: 'echo'; count: number }
  | { kind: 'sleep'; ms: number }
  | { kind: 'spin' }
  | { kind: 'throw' }
  | { kind: 'crash' }
  | { kind: 'exit' };

/** A worker for exercising the pool itself; stringified like every pool worker, so self-contained. */
function setupTestWorker(): JobHandler<TestJob, string> {
  return async (job, emit, cancelled) => {
    if (job.kind === 'echo') for (let i = 0; i < job.count; i++) emit(`event ${i}`);
    else if (job.kind === 'sleep') await new Promise((resolve) => setTimeout(resolve, job.ms));
    else if (job.kind === 'spin') {
      // Synchronous work that only the shared cancel flag can stop (bounded, so a broken flag fails the test).
      emit('spinning');
      const until = Date.now() + 5000;
      while (!cancelled() && Date.now() < until);
      emit(cancelled() ? 'stopped' : 'timed out');
    } else if (job.kind === 'throw') throw new Error('bad request');
    else if (job.kind === 'crash') {
      setTimeout(() => {
        throw new Error('boom');
      });
      await new Promise((resolve) => setTimeout(resolve, 5000));
    } else process.exit(3);
  };
}

const script = poolWorkerScript(setupTestWorker);
let pool: WorkerPool<TestJob, string>;

function newPool(size: number, maxQueue?: number): WorkerPool<TestJob, string> {
  pool = new WorkerPool<TestJob, string>({
    script,
    name: 'test.pool',
    size,
    ...(maxQueue === undefined ? {} : { maxQueue }),
  });
  return pool;
}

afterEach(() => pool.close());

describe('WorkerPool', () => {
  it('streams each event before the job resolves', async () => {
    const events: string[] = [];
    const outcome = await newPool(1).run({ kind: 'echo', count: 3 }, { onEvent: (e) => events.push(e) });
    expect(outcome).toBe('done');
    expect(events).toEqual(['event 0', 'event 1', 'event 2']);
  });

  it('runs more jobs than workers, in parallel up to the pool size', async () => {
    const p = newPool(2);
    await p.warmUp();
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => p.run({ kind: 'sleep', ms: 200 }, { onEvent: () => undefined })),
    );
    expect(outcomes).toEqual(['done', 'done', 'done', 'done']);
    expect(p.workerCount).toBe(2);
    // Two rounds of 200 ms, not four.
    expect(performance.now() - started).toBeLessThan(700);
  });

  it('refuses a job when the queue is full, with a clear error', async () => {
    const p = newPool(1, 1);
    const running = p.run({ kind: 'sleep', ms: 50 }, { onEvent: () => undefined });
    const queued = p.run({ kind: 'sleep', ms: 1 }, { onEvent: () => undefined });
    const refused = p.run({ kind: 'sleep', ms: 1 }, { onEvent: () => undefined });
    await expect(refused).rejects.toThrow(/test\.pool: too busy \(1 requests already waiting\)/);
    await expect(refused).rejects.toBeInstanceOf(WorkerPoolError);
    expect(await running).toBe('done');
    expect(await queued).toBe('done');
  });

  it('stops synchronous work through the cancel flag and frees the worker', async () => {
    const p = newPool(1);
    const controller = new AbortController();
    const events: string[] = [];
    const outcome = p.run(
      { kind: 'spin' },
      {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          controller.abort();
        },
      },
    );
    expect(await outcome).toBe('cancelled');
    const started = performance.now();
    const after: string[] = [];
    expect(await p.run({ kind: 'echo', count: 1 }, { onEvent: (e) => after.push(e) })).toBe('done');
    expect(performance.now() - started).toBeLessThan(1000);
    // Nothing after the abort reached the caller.
    expect(events).toEqual(['spinning']);
    expect(after).toEqual(['event 0']);
  });

  it('cancels a queued job without running it', async () => {
    const p = newPool(1);
    const running = p.run({ kind: 'sleep', ms: 50 }, { onEvent: () => undefined });
    const controller = new AbortController();
    const events: string[] = [];
    const queued = p.run(
      { kind: 'echo', count: 2 },
      { signal: controller.signal, onEvent: (e) => events.push(e) },
    );
    controller.abort();
    expect(await queued).toBe('cancelled');
    expect(await running).toBe('done');
    expect(events).toEqual([]);
  });

  it('rejects a job whose handler throws, and keeps the worker', async () => {
    const p = newPool(1);
    await expect(p.run({ kind: 'throw' }, { onEvent: () => undefined })).rejects.toThrow(
      'test.pool: bad request',
    );
    expect(await p.run({ kind: 'echo', count: 1 }, { onEvent: () => undefined })).toBe('done');
  });

  it.each(['crash', 'exit'] as const)(
    'fails the job when its worker dies (%s) and replaces the worker',
    async (kind) => {
      const p = newPool(1);
      await p.warmUp();
      const crashed = p.run({ kind }, { onEvent: () => undefined });
      await expect(crashed).rejects.toThrow(kind === 'crash' ? /worker crashed: boom/ : /exited with code 3/);
      await expect(crashed).rejects.toMatchObject({ code: 'crashed' });
      expect(p.workerCount).toBe(1);
      expect(await p.run({ kind: 'echo', count: 1 }, { onEvent: () => undefined })).toBe('done');
    },
  );

  it('close() rejects waiting and running jobs and later ones, and is idempotent', async () => {
    const p = newPool(1);
    const running = p.run({ kind: 'sleep', ms: 1000 }, { onEvent: () => undefined });
    const queued = p.run({ kind: 'sleep', ms: 1 }, { onEvent: () => undefined });
    const outcomes = Promise.allSettled([running, queued]);
    const first = p.close();
    expect(p.close()).toBe(first);
    await first;
    for (const outcome of await outcomes) expect(outcome).toMatchObject({ reason: { code: 'closed' } });
    await expect(p.run({ kind: 'echo', count: 1 }, { onEvent: () => undefined })).rejects.toThrow(
      'test.pool: closed',
    );
    await expect(p.warmUp()).rejects.toThrow('closed');
    expect(p.workerCount).toBe(0);
  });
});
