import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DhumanClient } from '@dhuman/client';
import { VIDEO_PATHS, type VideoProgressResponse } from '@dhuman/protocol';
import { sentence } from './sentences.js';
import { startServer } from './server-process.js';
import { cpuSpent, processCpu, type ProcessCpu } from './video-cpu.js';

/**
 * Throughput of the videomaker API as deployed: `dhuman serve` with its default worker pool, K tasks
 * submitted at once, each followed with getprogress until it ends. Per task: how long it waited in the queue
 * (submitted → first seen MAKING) and how long it was made (→ first seen SUCCESS), to within one polling
 * interval.
 */

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';
/** Fine enough for tasks of a few seconds; each poll is one cheap signed POST per unfinished task. */
const POLL_MS = 200;
/** A task that takes longer than this is reported as failed rather than waited for forever. */
const TASK_TIMEOUT_MS = 10 * 60_000;

export interface TaskTiming {
  status: 'SUCCESS' | 'FAIL';
  failure: string;
  videoMs: number;
  queueMs: number;
  makeMs: number;
}

export interface ThroughputMeasurement {
  tasks: TaskTiming[];
  /** First submission to the last task's end. */
  wallMs: number;
  /** The server's worker pool as configured (DHUMAN_VIDEO_WORKERS, or its default: cores - 1). */
  workers: string;
  /** The server process and its children (ffmpeg) over the batch; undefined without /proc. */
  serverCpu: ProcessCpu | undefined;
}

/** Task `i`'s text: two six-word sentences, about 5 s of espeak-ng speech, different for every task. */
export function taskText(i: number): string {
  return `${sentence(2 * i)} ${sentence(2 * i + 1)}`;
}

export async function measureThroughput(
  taskCount: number,
  progress: (message: string) => void,
): Promise<ThroughputMeasurement> {
  progress('video: starting dhuman serve');
  const server = await startServer({
    env: {
      DHUMAN_APPKEY: APPKEY,
      DHUMAN_ACCESSTOKEN: ACCESSTOKEN,
      // The per-appkey limit (default 10) must not refuse the batch: the queue is what is measured.
      DHUMAN_VIDEO_MAX_TASKS: String(Math.max(10, taskCount + 1)),
    },
  });
  try {
    const client = new DhumanClient({ baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN });
    // One task first, not counted: the first one pays for loading the TTS engine and starting workers.
    progress('video: warm-up task');
    const warm = await submit(client, 'Ready when you are.');
    const [warmed] = await follow(client, [{ taskId: warm, submittedAt: performance.now() }]);
    if (warmed?.status !== 'SUCCESS') throw new Error(`the warm-up task failed: ${warmed?.failure ?? '?'}`);

    progress(`video: submitting ${taskCount} tasks at once`);
    const cpuBefore = processCpu(server.pid ?? 0);
    const started = performance.now();
    const submitted = await Promise.all(
      Array.from({ length: taskCount }, async (_, i) => {
        const submittedAt = performance.now();
        return { taskId: await submit(client, taskText(i)), submittedAt };
      }),
    );
    const tasks = await follow(client, submitted, (done) =>
      progress(`video: ${done}/${taskCount} tasks ended`),
    );
    const wallMs = performance.now() - started;
    return {
      tasks,
      wallMs,
      // The server's default, as its config computes it.
      workers: process.env.DHUMAN_VIDEO_WORKERS ?? `${Math.max(1, availableParallelism() - 1)} (default)`,
      serverCpu: cpuSpent(cpuBefore, processCpu(server.pid ?? 0)),
    };
  } finally {
    progress('video: stopping the server');
    await server.stop();
  }
}

async function submit(client: DhumanClient, text: string): Promise<string> {
  const payload = { VirtualmanKey: 'demo', InputSsml: text, VideoParam: { Format: 'Mp4' } };
  const { TaskId } = await client.call<{ TaskId: string }>(VIDEO_PATHS.videomake, payload);
  return TaskId;
}

interface Followed {
  taskId: string;
  submittedAt: number;
  makingAt?: number;
  timing?: TaskTiming;
}

/** Polls every task until all have ended; the times are when the poll saw each change. */
async function follow(
  client: DhumanClient,
  submitted: readonly { taskId: string; submittedAt: number }[],
  onEnded: (done: number) => void = () => {},
): Promise<TaskTiming[]> {
  const tasks: Followed[] = submitted.map((s) => ({ ...s }));
  const deadline = performance.now() + TASK_TIMEOUT_MS;
  let done = 0;
  while (done < tasks.length) {
    await Promise.all(
      tasks
        .filter((task) => !task.timing)
        .map(async (task) => {
          const p = await client.call<VideoProgressResponse>(VIDEO_PATHS.getprogress, {
            TaskId: task.taskId,
          });
          const now = performance.now();
          // A short task may go from COMMIT to SUCCESS between two polls: it started making at most then.
          if (p.Status !== 'COMMIT') task.makingAt ??= now;
          if (p.Status === 'SUCCESS' || p.Status === 'FAIL') {
            const makingAt = task.makingAt ?? now;
            task.timing = {
              status: p.Status,
              failure: p.Status === 'FAIL' ? `${p.FailCode} ${p.FailMessage}` : '',
              videoMs: p.Duration,
              queueMs: makingAt - task.submittedAt,
              makeMs: now - makingAt,
            };
            onEnded(++done);
          } else if (now > deadline) {
            throw new Error(`task ${task.taskId} still ${p.Status} after ${TASK_TIMEOUT_MS / 1000} s`);
          }
        }),
    );
    if (done < tasks.length) await sleep(POLL_MS);
  }
  return tasks.map((task) => task.timing as TaskTiming);
}
