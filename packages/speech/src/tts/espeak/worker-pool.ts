import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { JobMessage, PoolWorkerData, WorkerReply } from './worker-protocol.js';

export interface WorkerPoolOptions {
  /** The worker module (see `poolWorkerScript`). */
  script: URL;
  /** Prefixes error messages and names the threads. */
  name: string;
  /** Worker threads; default min(2, CPUs). */
  size?: number;
  /** Jobs that may wait for a free worker; one more is refused. Default 64. */
  maxQueue?: number;
}

export type WorkerPoolErrorCode = 'queue_full' | 'closed' | 'crashed';

export class WorkerPoolError extends Error {
  constructor(
    readonly code: WorkerPoolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerPoolError';
  }
}

export interface RunOptions<TEvent> {
  signal?: AbortSignal;
  /** Called for each event the worker streams, as it arrives; never after the job settles. */
  onEvent: (event: TEvent) => void;
}

/** `cancelled`: the signal aborted first, and events after that were dropped. */
export type JobOutcome = 'done' | 'cancelled';

interface Job<TRequest, TEvent> {
  id: number;
  request: TRequest;
  onEvent: (event: TEvent) => void;
  settle: (outcome: JobOutcome | Error) => void;
  settled: boolean;
}

interface Slot<TRequest, TEvent> {
  worker: Worker;
  cancel: Int32Array;
  job: Job<TRequest, TEvent> | undefined;
  ready: Promise<void>;
  healthy: boolean;
  dead: boolean;
}

/** Default queue bound: a few seconds of work at the measured synthesis rates, well above normal load. */
const DEFAULT_MAX_QUEUE = 64;

/**
 * A fixed-size pool of worker threads, each running one job at a time, with a bounded FIFO of waiting jobs.
 * A job goes to the first idle worker (the least busy there is; preferring the same one keeps its JIT warm),
 * else waits. Jobs stream events back and can be cancelled through a shared flag the worker polls. A worker
 * that crashes fails its job and is replaced. Workers start on first use (or `warmUp()`), and an idle pool
 * does not keep the process alive.
 */
export class WorkerPool<TRequest, TEvent> {
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly slots: Slot<TRequest, TEvent>[] = [];
  private readonly queue: Job<TRequest, TEvent>[] = [];
  private nextJobId = 1;
  private spawned = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(2, availableParallelism())));
    this.maxQueue = Math.max(0, Math.floor(options.maxQueue ?? DEFAULT_MAX_QUEUE));
  }

  get workerCount(): number {
    return this.slots.length;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Starts every worker and waits until each is ready, so the first job does not pay for start-up. */
  async warmUp(): Promise<void> {
    if (this.closing) throw this.closedError();
    while (this.slots.length < this.size) this.spawn();
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Runs one job; resolves when it is done or cancelled, rejects if it fails or cannot be queued. */
  run(request: TRequest, options: RunOptions<TEvent>): Promise<JobOutcome> {
    if (this.closing) return Promise.reject(this.closedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve('cancelled');
    if (this.queue.length >= this.maxQueue && !this.canStartNow())
      return Promise.reject(
        new WorkerPoolError(
          'queue_full',
          `${this.options.name}: too busy (${this.maxQueue} requests already waiting); retry later`,
        ),
      );
    return new Promise<JobOutcome>((resolve, reject) => {
      const id = this.nextJobId;
      // Ids live in an Int32 cancel flag; 0 means "none".
      this.nextJobId = id >= 0x7fff_ffff ? 1 : id + 1;
      const onAbort = (): void => this.cancel(job);
      const job: Job<TRequest, TEvent> = {
        id,
        request,
        onEvent: options.onEvent,
        settled: false,
        settle: (outcome) => {
          if (job.settled) return;
          job.settled = true;
          signal?.removeEventListener('abort', onAbort);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker; waiting and running jobs reject. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const error = this.closedError();
      for (const job of this.queue.splice(0)) job.settle(error);
      const slots = this.slots.splice(0);
      for (const slot of slots) {
        slot.dead = true;
        slot.job?.settle(error);
      }
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    })();
    return this.closing;
  }

  private canStartNow(): boolean {
    return this.slots.length < this.size || this.slots.some((s) => !s.job);
  }

  private closedError(): WorkerPoolError {
    return new WorkerPoolError('closed', `${this.options.name}: closed`);
  }

  private cancel(job: Job<TRequest, TEvent>): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    // The worker stays busy until it acknowledges; it stops at its next check of the flag.
    if (slot) Atomics.store(slot.cancel, 0, job.id);
    job.settle('cancelled');
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closing) {
      const slot =
        this.slots.find((s) => !s.job) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      // Keep the process alive while a job runs, not while the worker idles.
      slot.worker.ref();
      const message: JobMessage<TRequest> = { jobId: job.id, request: job.request };
      slot.worker.postMessage(message);
    }
  }

  private spawn(): Slot<TRequest, TEvent> {
    const cancel = new SharedArrayBuffer(4);
    const workerData: PoolWorkerData = { cancel };
    const worker = new Worker(this.options.script, {
      workerData,
      name: `${this.options.name}#${++this.spawned}`,
    });
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    const slot: Slot<TRequest, TEvent> = {
      worker,
      cancel: new Int32Array(cancel),
      job: undefined,
      healthy: false,
      dead: false,
      ready: new Promise<void>((resolve, reject) => {
        markReady = resolve;
        failReady = reject;
      }),
    };
    // warmUp() may never be awaited; a crash before ready is reported through the job it fails instead.
    slot.ready.catch(() => undefined);
    worker.on('message', (reply: WorkerReply<TEvent>) => {
      if (reply.type === 'ready') {
        slot.healthy = true;
        // Held the process while starting (a caller may await warmUp() and nothing else); idle now.
        if (!slot.job) worker.unref();
        markReady();
      } else this.onReply(slot, reply);
    });
    worker.on('error', (error) => {
      failReady(error);
      this.onCrash(slot, error.message);
    });
    worker.on('exit', (code) => {
      failReady(new Error(`exited with code ${code}`));
      this.onCrash(slot, `exited with code ${code}`);
    });
    this.slots.push(slot);
    return slot;
  }

  private onReply(
    slot: Slot<TRequest, TEvent>,
    reply: Exclude<WorkerReply<TEvent>, { type: 'ready' }>,
  ): void {
    const job = slot.job;
    if (!job || job.id !== reply.jobId) return;
    if (reply.type === 'event') {
      if (!job.settled) job.onEvent(reply.event);
      return;
    }
    slot.job = undefined;
    slot.worker.unref();
    job.settle(reply.type === 'done' ? 'done' : new Error(`${this.options.name}: ${reply.message}`));
    this.pump();
  }

  private onCrash(slot: Slot<TRequest, TEvent>, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.job?.settle(new WorkerPoolError('crashed', `${this.options.name}: worker crashed: ${reason}`));
    void slot.worker.terminate();
    if (this.closing) return;
    // Replace a worker that had started fine at once, so the pool stays warm. One that died while starting
    // is replaced only when a job needs it: respawning it eagerly could loop forever on a broken setup.
    if (slot.healthy) this.spawn();
    this.pump();
  }
}
