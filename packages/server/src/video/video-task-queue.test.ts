import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERRORS, IvhError } from '@dhuman/protocol';
import { SqliteStore } from '../store/sqlite-store.js';
import { MAX_ATTEMPTS, VideoTaskQueue, type VideoTaskRunner } from './video-task-queue.js';
import { SqliteVideoTaskStore } from './video-task-store.js';
import type { VideoTaskRecord, VideoTaskResult, VideoTaskSpec } from './video-task.js';

const SPEC: VideoTaskSpec = {
  kind: 'audio',
  virtualmanKey: '',
  assetKey: '',
  text: 'hi',
  voice: { voice: 'en-us', speed: 1, volume: 0 },
  format: 'mp3',
  width: 0,
  height: 0,
  fps: 0,
};
const RESULT: VideoTaskResult = { mediaFile: 'x.mp3', durationMs: 1000, textTimestamps: [] };

/** A runner the test finishes by hand: each started task waits for `release(taskId)` or `reject(taskId, e)`. */
class HandRunner implements VideoTaskRunner {
  readonly started: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly progress = new Map<string, (p: number) => void>();
  private readonly pending = new Map<
    string,
    { resolve: (r: VideoTaskResult) => void; reject: (e: unknown) => void }
  >();

  run(task: VideoTaskRecord, signal: AbortSignal, onProgress: (p: number) => void): Promise<VideoTaskResult> {
    this.started.push(task.taskId);
    this.signals.set(task.taskId, signal);
    this.progress.set(task.taskId, onProgress);
    return new Promise((resolve, reject) => {
      this.pending.set(task.taskId, { resolve, reject });
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  }

  release(taskId: string): void {
    this.pending.get(taskId)?.resolve(RESULT);
  }

  fail(taskId: string, error: unknown): void {
    this.pending.get(taskId)?.reject(error);
  }
}

let dir: string;
let db: SqliteStore;
let store: SqliteVideoTaskStore;
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-queue-'));
  db = new SqliteStore(join(dir, 'db'));
  store = new SqliteVideoTaskStore(db.database);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function queue(runner: VideoTaskRunner, concurrency = 1, onFinished = vi.fn()) {
  const q = new VideoTaskQueue({
    store,
    runner,
    concurrency,
    retentionMs: 1000,
    onFinished,
    now: () => 5000,
  });
  return { q, onFinished };
}

const add = (q: VideoTaskQueue, taskId: string, appkey = 'a') =>
  q.submit({ taskId, appkey, spec: SPEC, callbackUrl: null, createdAt: 1 });

describe('VideoTaskQueue', () => {
  it('runs tasks oldest first, `concurrency` at a time, and reports queue positions', async () => {
    const runner = new HandRunner();
    const { q, onFinished } = queue(runner, 2);
    q.start();
    for (const id of ['t1', 't2', 't3', 't4']) add(q, id);
    expect(runner.started).toEqual(['t1', 't2']);
    expect(store.get('a', 't3')?.status).toBe('COMMIT');
    expect(store.countAhead(store.get('a', 't4')?.seq ?? 0)).toBe(1);
    runner.release('t2');
    await flush();
    expect(runner.started).toEqual(['t1', 't2', 't3']);
    const done = store.get('a', 't2');
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 100, expiresAt: 6000, result: RESULT });
    expect(onFinished).toHaveBeenCalledOnce();
  });

  it('keeps live progress in memory and writes it to the store in steps', async () => {
    const runner = new HandRunner();
    const { q } = queue(runner);
    q.start();
    add(q, 't1');
    runner.progress.get('t1')?.(4.7);
    expect(q.progressOf('t1')).toBe(4);
    expect(store.get('a', 't1')?.progress).toBe(0);
    runner.progress.get('t1')?.(37);
    expect(store.get('a', 't1')?.progress).toBe(37);
    runner.progress.get('t1')?.(150);
    expect(q.progressOf('t1')).toBe(99);
    runner.release('t1');
    await flush();
    expect(q.progressOf('t1')).toBeUndefined();
  });

  it('fails a task with the IvhError it threw, and an unexpected error as an internal one', async () => {
    const runner = new HandRunner();
    const onError = vi.fn();
    const q = new VideoTaskQueue({
      store,
      runner,
      concurrency: 2,
      retentionMs: 1000,
      onError,
      now: () => 5000,
    });
    q.start();
    add(q, 't1');
    add(q, 't2');
    runner.fail('t1', new IvhError(ERRORS.INVALID_PARAMETER_VALUE, 'Payload.InputAudioUrl: HTTP 404'));
    runner.fail('t2', new Error('disk full'));
    await flush();
    expect(store.get('a', 't1')).toMatchObject({
      status: 'FAIL',
      progress: -1,
      failCode: 100002,
      failMessage: 'bad parameter value: Payload.InputAudioUrl: HTTP 404',
    });
    expect(store.get('a', 't2')).toMatchObject({ status: 'FAIL', failCode: 100000 });
    expect(store.get('a', 't2')?.failMessage).toContain('disk full');
    expect(onError).toHaveBeenCalledOnce();
  });

  it('leaves running tasks MAKING on close, and the next start queues them again in their order', async () => {
    const runner = new HandRunner();
    const { q, onFinished } = queue(runner, 1);
    q.start();
    add(q, 't1');
    add(q, 't2');
    await q.close();
    expect(runner.signals.get('t1')?.aborted).toBe(true);
    expect(store.get('a', 't1')?.status).toBe('MAKING');
    expect(onFinished).not.toHaveBeenCalled();

    const next = new HandRunner();
    const { q: q2 } = queue(next, 1);
    expect(q2.start()).toBe(1);
    expect(next.started).toEqual(['t1']);
    expect(store.get('a', 't1')?.attempts).toBe(2);
    next.release('t1');
    await flush();
    expect(next.started).toEqual(['t1', 't2']);
  });

  it(`gives up on a task interrupted ${MAX_ATTEMPTS} times`, async () => {
    add(queue(new HandRunner(), 0).q, 't1');
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const { q } = queue(new HandRunner(), 1);
      q.start();
      await q.close();
    }
    const last = new HandRunner();
    const { q, onFinished } = queue(last, 1);
    q.start();
    expect(last.started).toEqual([]);
    expect(store.get('a', 't1')).toMatchObject({ status: 'FAIL', failCode: 100000 });
    expect(onFinished).toHaveBeenCalledOnce();
  });

  it('never shows a task to another appkey', () => {
    const { q } = queue(new HandRunner(), 0);
    add(q, 't1', 'owner');
    expect(store.get('owner', 't1')).toBeDefined();
    expect(store.get('intruder', 't1')).toBeUndefined();
    expect(store.countUnfinished('owner')).toBe(1);
    expect(store.countUnfinished('intruder')).toBe(0);
  });
});
