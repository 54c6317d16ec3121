import { readFile, stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DhumanClient, TransportError } from '@dhuman/client';
import { IvhError, VIDEO_PATHS, type VideoProgressResponse } from '@dhuman/protocol';
import { resolveTarget } from '../client-options.js';
import { isLoopbackUrl, serveFile, type ServedFile } from './video-audio-server.js';
import { downloadTo } from './video-download.js';
import { ProgressDisplay, type ProgressOutput } from './video-progress.js';
import {
  checkText,
  planVideoMake,
  withInput,
  type FileFormat,
  type VideoMakeFlags,
} from './video-request.js';

/** `dhuman video make`: submit, follow the progress, download the result. */

/** getprogress is a cheap read; twice a second keeps the bar live without loading the server. */
const POLL_MS = 500;
/**
 * How long polling rides out a server that does not answer (a restart re-queues the task, so it is worth
 * waiting through one); past this the command fails with the last transport error.
 */
const UNREACHABLE_GIVE_UP_MS = 30_000;

const FORMAT_LABELS: Record<FileFormat, string> = {
  mp4: 'MP4 video',
  webm: 'transparent WebM video',
  mov: 'transparent MOV video',
};

/** Ctrl-C stopped the command; the task itself goes on (or is done) on the server. */
export class VideoWaitStopped extends Error {
  constructor(
    readonly taskId: string,
    why: string,
  ) {
    super(why);
    this.name = 'VideoWaitStopped';
  }
}

export interface MadeVideo {
  taskId: string;
  mediaPath: string;
  subtitlesPath: string | undefined;
  durationMs: number;
}

export async function makeVideo(
  flags: VideoMakeFlags,
  signal: AbortSignal,
  out: { stdout: ProgressOutput; stderr: ProgressOutput } = process,
): Promise<MadeVideo> {
  const plan = planVideoMake(flags);
  const target = resolveTarget(flags);
  if (plan.input.kind === 'audio-file' && !isLoopbackUrl(target.baseUrl)) {
    throw new Error(
      `--audio serves the file from 127.0.0.1 on this machine, which the server at ${target.baseUrl} cannot ` +
        'reach; put the file where that server can fetch it and pass --audio-url',
    );
  }
  const text =
    plan.input.kind === 'text'
      ? checkText('--text', plan.input.text, plan.format)
      : plan.input.kind === 'ssml-file'
        ? checkText('--ssml', await readSsml(plan.input.path), plan.format)
        : undefined;
  if (plan.out !== undefined) await checkFolder(plan.out);
  const client = new DhumanClient(target);

  let served: ServedFile | undefined;
  try {
    if (plan.input.kind === 'audio-file') served = await serveFile(plan.input.path);
    const audioUrl = served?.url ?? (plan.input.kind === 'audio-url' ? plan.input.url : '');
    const payload = withInput(plan, text !== undefined ? { text } : { audioUrl });
    // Not abortable: once sent, the TaskId is what Ctrl-C must be able to print.
    const { TaskId: taskId } = await client.call<{ TaskId: string }>(VIDEO_PATHS[plan.endpoint], payload);
    out.stderr.write(`task ${taskId} submitted (${plan.endpoint})\n`);

    let result: VideoProgressResponse;
    try {
      result = await waitForTask(client, taskId, new ProgressDisplay(out.stderr, taskId), signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      const unfetched =
        served && served.fetches === 0
          ? '; its audio was served by this command and had not been fetched, so the task will fail ' +
            '(--audio-url gives a task that outlives the command)'
          : '';
      throw new VideoWaitStopped(
        taskId,
        `stopped waiting: task ${taskId} keeps running on the server${unfetched}; see dhuman video status ${taskId}`,
      );
    }
    await served?.close();
    if (result.Status === 'FAIL') throw failure(taskId, result);

    const mediaPath = plan.out ?? `${taskId}.${plan.format}`;
    const subtitlesPath = result.SubtitlesUrl ? subtitlesPathFor(mediaPath) : undefined;
    try {
      await downloadTo(absolute(result.MediaUrl, target.baseUrl), mediaPath, signal);
      if (subtitlesPath !== undefined) {
        await downloadTo(absolute(result.SubtitlesUrl, target.baseUrl), subtitlesPath, signal);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      throw new VideoWaitStopped(
        taskId,
        `stopped before the download finished: task ${taskId} is done on the server; dhuman video status ` +
          `${taskId} shows its links`,
      );
    }
    const seconds = (result.Duration / 1000).toFixed(2);
    out.stdout.write(`wrote ${mediaPath}: ${seconds} s of ${FORMAT_LABELS[plan.format]}\n`);
    if (subtitlesPath !== undefined) out.stdout.write(`wrote ${subtitlesPath}: subtitles\n`);
    return { taskId, mediaPath, subtitlesPath, durationMs: result.Duration };
  } finally {
    await served?.close();
  }
}

/** Polls getprogress until the task ends, drawing each answer; rejects with the abort reason on Ctrl-C. */
async function waitForTask(
  client: DhumanClient,
  taskId: string,
  display: ProgressDisplay,
  signal: AbortSignal,
): Promise<VideoProgressResponse> {
  const started = performance.now();
  let answeredAt = started;
  try {
    for (;;) {
      let progress: VideoProgressResponse | undefined;
      try {
        progress = await untilAborted(
          client.call<VideoProgressResponse>(VIDEO_PATHS.getprogress, { TaskId: taskId }),
          signal,
        );
        answeredAt = performance.now();
      } catch (error) {
        if (signal.aborted || !(error instanceof TransportError)) throw error;
        if (performance.now() - answeredAt > UNREACHABLE_GIVE_UP_MS) {
          throw new Error(
            `${error.message}; the server has not answered for ${UNREACHABLE_GIVE_UP_MS / 1000} s ` +
              `(task ${taskId} may still be running: dhuman video status ${taskId})`,
            { cause: error },
          );
        }
      }
      if (progress) {
        display.update({
          status: progress.Status,
          progress: progress.Progress,
          queueAhead: progress.ArrayCount,
          elapsedMs: performance.now() - started,
        });
        if (progress.Status === 'SUCCESS' || progress.Status === 'FAIL') return progress;
      }
      await sleep(POLL_MS, undefined, { signal });
    }
  } finally {
    display.end();
  }
}

/** `work`, or a rejection as soon as `signal` aborts (a request in flight is left to finish on its own). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}

/** The task's failure as the IVH error it carries, printed like any refused request. */
function failure(taskId: string, result: VideoProgressResponse): Error {
  if (result.FailCode > 0) return IvhError.fromWire(result.FailCode, result.FailMessage);
  return new Error(`task ${taskId} failed: ${result.FailMessage || 'no reason given'}`);
}

async function readSsml(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`--ssml ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Refuses an --out whose folder does not exist now, rather than after the video is made. */
async function checkFolder(path: string): Promise<void> {
  const folder = dirname(path);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`--out ${path}: the folder ${folder} does not exist`);
}

/** `x.mp4` → `x.srt` (and `x` → `x.srt`); never the media path itself. */
export function subtitlesPathFor(mediaPath: string): string {
  const ext = extname(mediaPath);
  const path = `${ext ? mediaPath.slice(0, -ext.length) : mediaPath}.srt`;
  return path === mediaPath ? `${mediaPath}.srt` : path;
}

/** Links are absolute; a relative one (a proxy rewriting them) is taken against the server's URL. */
function absolute(url: string, baseUrl: string): string {
  return new URL(url, `${baseUrl}/`).toString();
}
