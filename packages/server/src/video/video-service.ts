import { newHexId, type VoiceInfo } from '@dhuman/core';
import { closeIdleRenderWorkers } from '@dhuman/media';
import {
  ERRORS,
  IvhError,
  type TtsRequest,
  type VideoAction,
  type VideoCallbackBody,
  type VideoMakeRequest,
  type VideoProgressResponse,
} from '@dhuman/protocol';
import type { MediaLinks } from './media-links.js';
import { callbackLabel, postCallback } from './video-callback.js';
import { sweepExpiredTasks } from './video-retention.js';
import { audioTaskSpec, videoTaskSpec, type VideoEndpoint } from './video-spec.js';
import { VideoTaskQueue, type VideoTaskRunner } from './video-task-queue.js';
import type { SqliteVideoTaskStore } from './video-task-store.js';
import type { VideoTaskRecord, VideoTaskSpec } from './video-task.js';
import type { VirtualmanResolver } from './virtualman.js';

export interface VideoServiceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface VideoServiceOptions {
  store: SqliteVideoTaskStore;
  runner: VideoTaskRunner;
  resolver: VirtualmanResolver;
  voices: () => readonly VoiceInfo[];
  /** Voice of a tts task that names neither a VirtualmanKey nor a TimbreKey. */
  defaultVoice: string;
  links: MediaLinks;
  mediaRoot: string;
  /** Tasks made at once (the worker pool). */
  concurrency: number;
  retentionMs: number;
  /** Unfinished tasks one appkey may have (100008 beyond). */
  maxTasksPerAppkey: number;
  /** Unfinished tasks of all appkeys together: the queue's bound. */
  maxQueuedTasks: number;
  log: VideoServiceLog;
  now?: () => number;
}

/** Retention is checked this often; a link itself stops working at its expiry regardless. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * The video-generation service behind the videomaker API: validates and queues tasks, reports their progress
 * with download links, calls back when they end, and deletes them after the retention time. Every lookup is by
 * (appkey, TaskId): another appkey's task does not exist for a caller.
 */
export class VideoService {
  readonly queue: VideoTaskQueue;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private readonly callbacks = new Set<Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly opts: VideoServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.queue = new VideoTaskQueue({
      store: opts.store,
      runner: opts.runner,
      concurrency: opts.concurrency,
      retentionMs: opts.retentionMs,
      now: this.now,
      onFinished: (task) => this.finished(task),
      onError: (error, taskId) => opts.log.error({ err: error, taskId }, 'video task failed unexpectedly'),
    });
  }

  /** Re-queues interrupted tasks, starts the pool and the retention sweep. Returns the re-queued count. */
  start(): number {
    const requeued = this.queue.start();
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    return requeued;
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.queue.close();
    await this.sweeping;
    await Promise.all(this.callbacks);
    // The render workers that finished videos left loaded for the next ones (see @dhuman/media's pool).
    await closeIdleRenderWorkers();
  }

  submitVideo(appkey: string, endpoint: VideoEndpoint, payload: VideoMakeRequest): { TaskId: string } {
    const virtualman = this.opts.resolver.resolve(appkey, payload.VirtualmanKey);
    const spec = videoTaskSpec(endpoint, payload, virtualman, this.opts.voices());
    return this.submit(appkey, spec, payload.CallbackUrl);
  }

  submitAudio(appkey: string, payload: TtsRequest): { TaskId: string } {
    const virtualman =
      payload.VirtualmanKey === undefined
        ? undefined
        : this.opts.resolver.resolve(appkey, payload.VirtualmanKey);
    const spec = audioTaskSpec(payload, virtualman, this.opts.defaultVoice, this.opts.voices());
    return this.submit(appkey, spec, payload.CallbackUrl);
  }

  progress(appkey: string, taskId: string): Omit<VideoProgressResponse, 'ReqId'> {
    const task = this.opts.store.get(appkey, taskId);
    if (!task) throw new IvhError(ERRORS.TASK_NOT_FOUND, `task "${taskId}" does not exist for this appkey`);
    const links = this.links(task);
    return {
      TaskId: task.taskId,
      Status: task.status,
      Progress:
        task.status === 'MAKING' ? (this.queue.progressOf(task.taskId) ?? task.progress) : task.progress,
      ArrayCount: task.status === 'COMMIT' ? this.opts.store.countAhead(task.seq) : 0,
      MediaUrl: links.media,
      SubtitlesUrl: links.subtitles,
      Duration: task.result?.durationMs ?? 0,
      TextTimestampResult: task.result?.textTimestamps ?? [],
      FailCode: task.failCode,
      FailMessage: task.failMessage,
    };
  }

  /**
   * `getaction`: the gestures `<insert-action>` can play. IVH has them for 3D avatars only; dhuman's avatars are
   * 2D and have none, so a known key answers an empty list.
   */
  actions(appkey: string, virtualmanKey: string): VideoAction[] {
    this.opts.resolver.resolve(appkey, virtualmanKey);
    return [];
  }

  private submit(appkey: string, spec: VideoTaskSpec, callbackUrl: string | undefined): { TaskId: string } {
    const mine = this.opts.store.countUnfinished(appkey);
    if (mine >= this.opts.maxTasksPerAppkey) {
      throw new IvhError(
        ERRORS.CONCURRENCY_LIMIT_EXCEEDED,
        `this appkey already has ${mine} unfinished video tasks (limit ${this.opts.maxTasksPerAppkey}); retry when one ends`,
      );
    }
    if (this.opts.store.countUnfinished() >= this.opts.maxQueuedTasks) {
      throw new IvhError(
        ERRORS.CONCURRENCY_LIMIT_EXCEEDED,
        `the video queue is full (${this.opts.maxQueuedTasks} tasks); retry later`,
      );
    }
    const taskId = newHexId();
    this.queue.submit({ taskId, appkey, spec, callbackUrl: callbackUrl ?? null, createdAt: this.now() });
    this.opts.log.info({ taskId, appkey, kind: spec.kind, format: spec.format }, 'video task queued');
    return { TaskId: taskId };
  }

  private links(task: VideoTaskRecord): { media: string; subtitles: string } {
    const result = task.result;
    if (task.status !== 'SUCCESS' || !result || task.expiresAt === null) return { media: '', subtitles: '' };
    const local = (file: string | undefined) =>
      file === undefined ? '' : this.opts.links.url(task.taskId, file, task.expiresAt ?? 0);
    return {
      media: result.pushedMediaUrl ?? local(result.mediaFile),
      subtitles: result.pushedSubtitlesUrl ?? local(result.subtitlesFile),
    };
  }

  private finished(task: VideoTaskRecord): void {
    const log = { taskId: task.taskId, status: task.status, failCode: task.failCode };
    if (task.status === 'SUCCESS') this.opts.log.info(log, 'video task done');
    else this.opts.log.warn({ ...log, reason: task.failMessage }, 'video task failed');
    const url = task.callbackUrl;
    if (!url || (task.status !== 'SUCCESS' && task.status !== 'FAIL')) return;
    const links = this.links(task);
    const body: VideoCallbackBody = {
      Payload: {
        Progress: task.progress,
        MediaUrl: links.media,
        SubtitlesUrl: links.subtitles,
        Status: task.status,
        FailMessage: task.failMessage,
        TaskId: task.taskId,
      },
    };
    const sent = postCallback(url, body).then((outcome) => {
      const entry = { taskId: task.taskId, callback: callbackLabel(url), outcome: outcome.detail };
      if (outcome.ok) this.opts.log.info(entry, 'video callback delivered');
      else this.opts.log.warn(entry, 'video callback not delivered (no retry)');
    });
    this.callbacks.add(sent);
    void sent.finally(() => this.callbacks.delete(sent));
  }

  private sweep(): void {
    this.sweeping = this.sweeping
      .then(() => sweepExpiredTasks(this.opts.store, this.opts.mediaRoot, this.now()))
      .then((n) => {
        if (n > 0) this.opts.log.info({ tasks: n }, 'expired video tasks deleted');
      })
      .catch((error: unknown) => this.opts.log.error({ err: error }, 'video retention sweep failed'));
  }
}
