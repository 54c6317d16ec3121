import { ERRORS, IvhError } from '@dhuman/protocol';
import type { VideoTaskRecord, VideoTaskResult } from './video-task.js';
import type { NewVideoTask, SqliteVideoTaskStore } from './video-task-store.js';

/** Does one task's work; rejects with an `IvhError` for a failure the caller should see by code. */
export interface VideoTaskRunner {
  run(
    task: VideoTaskRecord,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
  ): Promise<VideoTaskResult>;
}

export interface VideoTaskQueueOptions {
  store: SqliteVideoTaskStore;
  runner: VideoTaskRunner;
  /** Tasks made at once. */
  concurrency: number;
  /** How long a finished task and its files are kept. */
  retentionMs: number;
  /** Told once per task that ends (success or failure), never for one a shutdown interrupted. */
  onFinished?: (task: VideoTaskRecord) => void;
  onError?: (error: unknown, taskId: string) => void;
  now?: () => number;
}

/**
 * A task interrupted this many times is failed rather than started again: something in it (an input, a crash
 * it causes) keeps taking the process down, and retrying forever would block the queue.
 */
export const MAX_ATTEMPTS = 3;
/** Progress is written to SQLite in steps this big, so a restart reports roughly where a task was. */
const PERSIST_STEP = 10;

/**
 * The video task queue, in process with SQLite persistence (architecture: BullMQ on Redis later, behind the
 * same calls). Tasks run oldest first, `concurrency` at a time; each one's heavy work (TTS, drawing, encoding)
 * runs in worker threads and child processes, so the event loop only moves bytes. A task interrupted by a stop
 * stays MAKING in the store and `start()` of the next process queues it again.
 */
export class VideoTaskQueue {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly live = new Map<string, number>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: VideoTaskQueueOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Queues what a previous process left unfinished and starts working; returns how many were re-queued. */
  start(): number {
    const requeued = this.opts.store.requeueInterrupted();
    this.pump();
    return requeued;
  }

  submit(task: NewVideoTask): void {
    this.opts.store.insert(task);
    this.pump();
  }

  /** Live progress of a running task, 0..99. */
  progressOf(taskId: string): number | undefined {
    return this.live.get(taskId);
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Stops taking tasks and aborts the running ones, which stay MAKING for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    const done = [...this.running.values()].map((r) => {
      r.controller.abort(new Error('server stopping'));
      return r.done;
    });
    await Promise.all(done);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency) {
      const task = this.opts.store.claimNext(this.now());
      if (!task) return;
      if (task.attempts > MAX_ATTEMPTS) {
        this.finish(task, () =>
          this.opts.store.fail(
            task.taskId,
            ERRORS.INTERNAL_SYSTEM_ERROR.code,
            `the task was interrupted ${task.attempts - 1} times and is not started again`,
            this.now(),
            this.now() + this.opts.retentionMs,
          ),
        );
        continue;
      }
      const controller = new AbortController();
      const done = this.runOne(task, controller.signal).finally(() => {
        this.running.delete(task.taskId);
        this.live.delete(task.taskId);
        this.pump();
      });
      this.running.set(task.taskId, { controller, done });
    }
  }

  private async runOne(task: VideoTaskRecord, signal: AbortSignal): Promise<void> {
    let persisted = 0;
    this.live.set(task.taskId, 0);
    const onProgress = (percent: number): void => {
      const p = Math.max(0, Math.min(99, Math.floor(percent)));
      this.live.set(task.taskId, p);
      if (p - persisted >= PERSIST_STEP) {
        persisted = p;
        this.opts.store.saveProgress(task.taskId, p);
      }
    };
    try {
      const result = await this.opts.runner.run(task, signal, onProgress);
      if (signal.aborted) return;
      const at = this.now();
      this.finish(task, () => this.opts.store.succeed(task.taskId, result, at, at + this.opts.retentionMs));
    } catch (error) {
      // A shutdown's abort is not the task's failure: it runs again after the restart.
      if (signal.aborted && this.closed) return;
      const failure = asTaskFailure(error);
      if (failure.code === ERRORS.INTERNAL_SYSTEM_ERROR.code) this.opts.onError?.(error, task.taskId);
      const at = this.now();
      this.finish(task, () =>
        this.opts.store.fail(task.taskId, failure.code, failure.message, at, at + this.opts.retentionMs),
      );
    }
  }

  private finish(task: VideoTaskRecord, write: () => boolean): void {
    if (!write()) return;
    const finished = this.opts.store.get(task.appkey, task.taskId);
    if (finished) this.opts.onFinished?.(finished);
  }
}

/** The code and message a failed task reports; anything not an `IvhError` is an internal error. */
export function asTaskFailure(error: unknown): { code: number; message: string } {
  if (error instanceof IvhError) return { code: error.code, message: error.message };
  return {
    code: ERRORS.INTERNAL_SYSTEM_ERROR.code,
    message: `${ERRORS.INTERNAL_SYSTEM_ERROR.message}: ${error instanceof Error ? error.message : String(error)}`,
  };
}
