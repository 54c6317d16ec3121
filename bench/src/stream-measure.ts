import { stats, type Stats } from './stats.js';
import { treeShares, treeSnapshot, type TreeShares } from './stream-cpu.js';
import {
  counterDeltas,
  scrapeStreamCounters,
  type StreamCounterDeltas,
  type StreamCounters,
} from './stream-metrics.js';
import { rtpWindow, type RtpCounts } from './stream-rtp-counter.js';
import type { StreamSession } from './stream-session.js';

/**
 * One measured window of a stream-bench step (idle or speaking). CPU is taken at both ends. The server's
 * counters and the viewers' frame counts are also sampled about once a second, to tell one hiccup from a
 * steady shortfall: how many seconds saw a repeated, dropped or skipped frame, and the worst second of any
 * viewer (a 1 s count is ±1 frame from where the edges fall).
 */

/** The sampling period; a window of `seconds` is cut into whole periods of about this length. */
const SAMPLE_MS = 1_000;

export interface Phase {
  seconds: number;
  cpu: TreeShares;
  server: StreamCounterDeltas;
  /** Sampling periods in which the server repeated, dropped or skipped anything, out of `samples`. */
  badSamples: number;
  samples: number;
  /** Event-loop delay: the largest per-period p99 and the max, ms (the 10 ms sampling period included). */
  lagP99Ms: number | undefined;
  lagMaxMs: number | undefined;
  /** Per viewer over the window: frames per second received, and the longest gap between two frames (ms). */
  fps: Stats;
  frameGapMs: Stats;
  /** The fewest frames any viewer received in one sampling period, as a rate. */
  worstPeriodFps: number;
  audioPps: Stats;
  lostPackets: number;
  missingFrames: number;
  /** Sentences finished, left without TextOver after 4 s, and failed, in the window (speaking only). */
  sentences: number;
  late: number;
  talkErrors: Record<string, number>;
}

interface Sample {
  counters: StreamCounters;
  video: RtpCounts[];
  audio: RtpCounts[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

async function sample(url: string, sessions: readonly StreamSession[]): Promise<Sample> {
  const counters = await scrapeStreamCounters(url);
  const at = performance.now();
  return {
    counters,
    video: sessions.map((s) => s.viewer.video.counts(at)),
    audio: sessions.map((s) => s.viewer.audio.counts(at)),
  };
}

export async function measure(
  ctx: { url: string; pid: number | undefined },
  sessions: readonly StreamSession[],
  seconds: number,
): Promise<Phase> {
  const talkFrom = sessions.map((s) => ({ ...s.talk, errors: { ...s.talk.errors } }));
  const periods = Math.max(1, Math.round((seconds * 1000) / SAMPLE_MS));
  const periodMs = (seconds * 1000) / periods;
  const cpuFrom = treeSnapshot(ctx.pid);
  const samples = [await sample(ctx.url, sessions)]; // the first scrape also resets the lag histogram
  const start = performance.now();
  for (let i = 1; i <= periods; i++) {
    await sleep(start + i * periodMs - performance.now());
    samples.push(await sample(ctx.url, sessions));
  }
  const cpuTo = treeSnapshot(ctx.pid);

  const first = samples[0] as Sample;
  const last = samples.at(-1) as Sample;
  const pairs = samples.slice(1).map((to, i) => ({ from: samples[i] as Sample, to }));
  const badSamples = pairs.filter(({ from, to }) => {
    const d = counterDeltas(from.counters, to.counters);
    return d.repeated + d.dropped + d.skippedMs > 0;
  }).length;
  const worstPeriodFps = Math.min(
    ...pairs.flatMap(({ from, to }) =>
      from.video.map((v, i) => rtpWindow(v, to.video[i] as RtpCounts).framesPerSec),
    ),
  );
  const video = first.video.map((v, i) => rtpWindow(v, last.video[i] as RtpCounts));
  const audio = first.audio.map((a, i) => rtpWindow(a, last.audio[i] as RtpCounts));
  const gaps = sessions.map((s, i) =>
    s.viewer.video.longestFrameGapMs(first.video[i]?.at ?? 0, last.video[i]?.at ?? 0),
  );
  const lags = (pick: (c: StreamCounters) => number | undefined) => {
    const values = pairs.flatMap(({ to }) => pick(to.counters) ?? []);
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const talkErrors: Record<string, number> = {};
  sessions.forEach((s, i) => {
    for (const [kind, n] of Object.entries(s.talk.errors)) {
      const delta = n - (talkFrom[i]?.errors[kind] ?? 0);
      if (delta > 0) talkErrors[kind] = (talkErrors[kind] ?? 0) + delta;
    }
  });
  return {
    seconds: ((last.video[0]?.at ?? 0) - (first.video[0]?.at ?? 0)) / 1000,
    cpu: treeShares(ctx.pid, cpuFrom, cpuTo),
    server: counterDeltas(first.counters, last.counters),
    badSamples,
    samples: pairs.length,
    lagP99Ms: lags((c) => c.lagP99Ms),
    lagMaxMs: lags((c) => c.lagMaxMs),
    fps: stats(video.map((w) => w.framesPerSec)),
    frameGapMs: stats(gaps),
    worstPeriodFps,
    audioPps: stats(audio.map((w) => w.packetsPerSec)),
    lostPackets: sum(video.map((w) => w.lostPackets)) + sum(audio.map((w) => w.lostPackets)),
    missingFrames: sum(video.map((w) => w.missingFrames)),
    sentences: sum(sessions.map((s, i) => s.talk.done - (talkFrom[i]?.done ?? 0))),
    late: sum(sessions.map((s, i) => s.talk.late - (talkFrom[i]?.late ?? 0))),
    talkErrors,
  };
}
