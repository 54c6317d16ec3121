import os from 'node:os';
import { countKind } from './notes.js';
import { round, stats, statsJson } from './stats.js';
import { formatTable } from './table.js';
import type { BenchOptions, BenchResult, BenchTable } from './types.js';
import { measureRenderSpeed, type RenderMeasurement, type RenderSize } from './video-render.js';
import { measureThroughput, type ThroughputMeasurement } from './video-throughput.js';

export const name = 'video';
export const description =
  'offline video generation: render speed per task (x real time, 512² and 720p MP4) and throughput of the videomaker API';

/** Renders per size (`--runs`). */
const DEFAULT_RUNS = 3;
/**
 * Renders per size before the measured ones: the first is reported on its own, the others let V8 finish
 * compiling the drawing code, as a server's pooled render workers have after their first videos (see
 * `measureRenderSpeed`). `--trace-opt` counted 163 compiles in the first 9 s video at 512², then 6–20 in each
 * of the next nine and 1–3 from the 15th on; three warm-up renders had measured videos still paying for them
 * (render workers 4.9–5.2 ms of CPU a frame, V8's compiler threads 0.6, against 4.2–4.9 and 0.2 after 15).
 */
const WARMUP_RENDERS = 12;
/** Tasks submitted at once through the API (`--tasks`). */
const DEFAULT_TASKS = 4;

const SIZES: readonly RenderSize[] = [
  { label: '512x512', width: 512, height: 512 },
  { label: '1280x720', width: 1280, height: 720 },
];
/** From the issue: per task, on a 2-core machine, as a multiple of real time. */
const AIMS: Readonly<Record<string, number>> = { '512x512': 8, '1280x720': 5 };
const AIM_CORES = 2;

export async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.runs ?? DEFAULT_RUNS;
  const taskCount = options.tasks ?? DEFAULT_TASKS;
  const loadBefore = os.loadavg()[0] ?? 0;
  options.progress(
    `video: load average ${loadBefore.toFixed(2)}; ${WARMUP_RENDERS} warm-up and ${runs} measured renders ` +
      `per size, ${taskCount} API tasks`,
  );
  const render = await measureRenderSpeed(SIZES, runs, WARMUP_RENDERS, options.progress);
  const throughput = await measureThroughput(taskCount, options.progress);
  return report(render, throughput, { loadBefore, loadAfter: os.loadavg()[0] ?? 0 });
}

const seconds = (ms: number, digits = 2) => (Number.isNaN(ms) ? '?' : (ms / 1000).toFixed(digits));
const times = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '?');

function renderRows(render: RenderMeasurement) {
  return render.sizes.map(({ size, first, runs }) => {
    const videoMs = stats(runs.map((r) => r.videoMs)).p50;
    const wall = stats(runs.map((r) => r.wallMs));
    const node = stats(runs.map((r) => r.nodeCpuMs));
    const ffmpegRuns = runs.flatMap((r) => (r.ffmpegCpuMs === undefined ? [] : [r.ffmpegCpuMs]));
    const ffmpeg = stats(ffmpegRuns);
    const aim = AIMS[size.label];
    // Speed at the median and at the slow tail (p95 of the wall time).
    const speedP50 = videoMs / wall.p50;
    const speedP95 = videoMs / wall.p95;
    const cpuPerVideoSec = ffmpegRuns.length > 0 ? (node.p50 + ffmpeg.p50) / videoMs : Number.NaN;
    // What AIM_CORES idle cores would reach if the render kept them all busy: an upper bound, but one that
    // other work on a shared machine does not disturb (it counts only this render's CPU).
    const speedByCpu = AIM_CORES / cpuPerVideoSec;
    return {
      size,
      runs: runs.length,
      speedFirst: first.videoMs / first.wallMs,
      videoMs,
      wall,
      node,
      ffmpeg,
      aim,
      speedP50,
      speedP95,
      cpuPerVideoSec,
      speedByCpu,
    };
  });
}

function throughputTable(t: ThroughputMeasurement): BenchTable {
  const done = t.tasks.filter((task) => task.status === 'SUCCESS');
  const queue = stats(t.tasks.map((task) => task.queueMs));
  const make = stats(done.map((task) => task.makeMs));
  const videoMs = done.reduce((ms, task) => ms + task.videoMs, 0);
  const cpu = t.serverCpu;
  const cpuPct = cpu ? Math.round(((cpu.ownMs + cpu.childrenMs) / t.wallMs) * 100) : '?';
  return {
    columns: [
      'tasks',
      'failed',
      'workers',
      'wall s',
      'tasks/min',
      'video s/wall s',
      'queue s p50',
      'queue s p95',
      'make s p50',
      'make s p95',
      'server CPU %',
    ],
    rows: [
      [
        t.tasks.length,
        t.tasks.length - done.length,
        t.workers,
        seconds(t.wallMs, 1),
        (done.length / (t.wallMs / 60_000)).toFixed(1),
        (videoMs / t.wallMs).toFixed(2),
        seconds(queue.p50, 1),
        seconds(queue.p95, 1),
        seconds(make.p50, 1),
        seconds(make.p95, 1),
        cpuPct,
      ],
    ],
  };
}

function report(
  render: RenderMeasurement,
  throughput: ThroughputMeasurement,
  load: { loadBefore: number; loadAfter: number },
): BenchResult {
  const rows = renderRows(render);
  const table: BenchTable = {
    columns: [
      'size',
      'runs',
      'video s',
      'wall s p50',
      'wall s p95',
      'x real time p50',
      'x real time p95',
      'first x rt',
      'node CPU s',
      'ffmpeg CPU s',
      'CPU s/video s',
      `x rt by CPU, ${AIM_CORES} cores`,
      'aim',
      'result',
    ],
    rows: rows.map((r) => [
      r.size.label,
      r.runs,
      seconds(r.videoMs),
      seconds(r.wall.p50),
      seconds(r.wall.p95),
      times(r.speedP50),
      times(r.speedP95),
      times(r.speedFirst),
      seconds(r.node.p50),
      seconds(r.ffmpeg.p50),
      Number.isFinite(r.cpuPerVideoSec) ? r.cpuPerVideoSec.toFixed(2) : '?',
      times(r.speedByCpu),
      r.aim === undefined ? '-' : `>= ${r.aim}x`,
      r.aim === undefined ? '' : r.speedP50 >= r.aim ? 'pass' : 'MISS',
    ]),
  };

  const cores = os.availableParallelism();
  const notes = [
    `render speed: renderVideo (MP4) called directly on ${seconds(render.speechMs, 1)} s of speech from the ` +
      `real TTS (made in ${seconds(render.ttsWallMs, 1)} s, not counted); x real time = video s / wall s; ` +
      `one size after the other; each size's first ${WARMUP_RENDERS} renders are not counted (V8 is still ` +
      'compiling the drawing code) and the first of them is "first x rt" (for the first size, the ' +
      "process's first render, its render workers started cold); " +
      'p95 is the slow tail (p95 of the wall time); CPU is the p50 per render (node: render workers + main ' +
      `thread); "x rt by CPU" = video s / (CPU s / ${AIM_CORES}), what ${AIM_CORES} idle cores would reach if ` +
      'the render kept both busy: an upper bound that other load on the machine does not skew.',
    ...rows.flatMap((r) =>
      r.aim === undefined
        ? []
        : [
            `aim: >= ${r.aim}x real time per task at ${r.size.label} on a ${AIM_CORES}-core machine: ` +
              `p50 ${times(r.speedP50)}x (${r.speedP50 >= r.aim ? 'pass' : 'MISS'})`,
          ],
    ),
    ...(cores === AIM_CORES ? [] : [`note: the aims are for ${AIM_CORES} cores; this machine has ${cores}`]),
    '',
    `throughput: ${throughput.tasks.length} tasks (~5 s of speech each, 512x512 MP4) submitted at once to ` +
      'dhuman serve, after one warm-up task; queue wait = submitted to first seen MAKING, make = to SUCCESS ' +
      '(polled every 200 ms); server CPU % is of one core, ffmpeg included.',
    '',
    formatTable(throughputTable(throughput)),
    '',
    ...failureNotes(throughput),
    `load average (1 min): ${load.loadBefore.toFixed(2)} before, ${load.loadAfter.toFixed(2)} after; ` +
      'other work on the machine slows every figure here',
  ];
  return { table, notes, figures: figures(rows, render, throughput) };
}

function failureNotes(t: ThroughputMeasurement): string[] {
  const kinds: Record<string, number> = {};
  for (const task of t.tasks) if (task.status === 'FAIL') countKind(kinds, task.failure);
  return Object.entries(kinds).map(([kind, n]) => `errors: throughput: ${n} x ${kind}`);
}

function figures(
  rows: ReturnType<typeof renderRows>,
  render: RenderMeasurement,
  t: ThroughputMeasurement,
): Record<string, unknown> {
  const done = t.tasks.filter((task) => task.status === 'SUCCESS');
  const videoMs = done.reduce((ms, task) => ms + task.videoMs, 0);
  return {
    render: {
      speechMs: round(render.speechMs, 0),
      ttsWallMs: round(render.ttsWallMs, 0),
      sizes: rows.map((r) => ({
        size: r.size.label,
        videoMs: round(r.videoMs, 0),
        wallMs: statsJson(r.wall, 0),
        speedP50: round(r.speedP50, 2),
        speedP95: round(r.speedP95, 2),
        speedFirst: round(r.speedFirst, 2),
        speedByCpu: Number.isFinite(r.speedByCpu) ? round(r.speedByCpu, 2) : null,
        nodeCpuMs: statsJson(r.node, 0),
        ffmpegCpuMs: statsJson(r.ffmpeg, 0),
        aim: r.aim ?? null,
      })),
    },
    throughput: {
      tasks: t.tasks.length,
      failed: t.tasks.length - done.length,
      workers: t.workers,
      wallMs: round(t.wallMs, 0),
      tasksPerMinute: round(done.length / (t.wallMs / 60_000), 2),
      videoSecPerWallSec: round(videoMs / t.wallMs, 3),
      queueMs: statsJson(stats(t.tasks.map((task) => task.queueMs)), 0),
      makeMs: statsJson(stats(done.map((task) => task.makeMs)), 0),
      serverCpuMs: t.serverCpu ? round(t.serverCpu.ownMs + t.serverCpu.childrenMs, 0) : null,
    },
  };
}
