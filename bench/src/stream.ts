import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DhumanClient } from '@dhuman/client';
import { sentence } from './sentences.js';
import { startServer } from './server-process.js';
import { createStreamProject } from './stream-projects.js';
import { report, type SizeResult } from './stream-report.js';
import { runStep } from './stream-step.js';
import type { BenchOptions, BenchResult } from './types.js';

export const name = 'stream';
export const description =
  'live WebRTC streams: how many sessions stream 25 fps with no dropped frame while all talk, per size; CPU per stream idle vs speaking';

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';

/** Sizes measured, as `dhuman project create --resolution` spells them; overridden by SIZES_ENV. */
const DEFAULT_SIZES = ['512', '720p'] as const;
const SIZES_ENV = 'DHUMAN_BENCH_STREAM_SIZES';
/**
 * Streams per step, by size; each ramp stops after its first failing step. 512² has a step at 3 because this
 * 2-core machine's answer lies between 2 and 4.
 */
const RAMPS: Readonly<Record<string, readonly number[]>> = {
  '512': [1, 2, 3, 4, 6, 8, 10, 12],
  '720p': [1, 2, 3, 4],
};
/** For any other size given in SIZES_ENV. */
const OTHER_RAMP = [1, 2, 3, 4, 6, 8] as const;
/** Replaces every ramp with a comma-separated list of stream counts (smoke runs, probing one count). */
const COUNTS_ENV = 'DHUMAN_BENCH_STREAM_COUNTS';
/** Leaves out steps with more streams than this. */
const MAX_ENV = 'DHUMAN_BENCH_STREAM_MAX';
/** Measured seconds per phase for each unit of --duration (default 5: 10 s idle, 20 s speaking). */
const IDLE_SEC_PER_UNIT = 2;
const SPEAKING_SEC_PER_UNIT = 4;
/** Between steps, so the previous step's ffmpegs and workers are gone before the next one starts. */
const SETTLE_MS = 2_000;

function list(envName: string): string[] | undefined {
  const raw = process.env[envName]?.trim();
  return raw ? raw.split(',').map((part) => part.trim()) : undefined;
}

function positive(envName: string, value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`${envName} takes positive whole numbers, got "${value}"`);
  return n;
}

function ramps(): { sizes: string[]; rampOf: (size: string) => number[] } {
  const sizes = list(SIZES_ENV) ?? [...DEFAULT_SIZES];
  const counts = list(COUNTS_ENV)?.map((value) => positive(COUNTS_ENV, value));
  const maxRaw = process.env[MAX_ENV]?.trim();
  const max = maxRaw ? positive(MAX_ENV, maxRaw) : Number.POSITIVE_INFINITY;
  return {
    sizes,
    rampOf: (size) => (counts ?? RAMPS[size] ?? OTHER_RAMP).filter((n) => n <= max),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { progress, durationSec } = options;
  const durations = {
    idleSec: IDLE_SEC_PER_UNIT * durationSec,
    speakingSec: SPEAKING_SEC_PER_UNIT * durationSec,
  };
  const { sizes, rampOf } = ramps();
  const loadBefore = os.loadavg()[0] ?? 0;
  progress(`stream: load average ${loadBefore.toFixed(2)}; starting dhuman serve`);
  const nodeArgs = process.env.DHUMAN_BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const server = await startServer({
    env: {
      DHUMAN_APPKEY: APPKEY,
      DHUMAN_ACCESSTOKEN: ACCESSTOKEN,
      DHUMAN_MAX_SESSIONS: '1000',
      // Admission would refuse streams past the configured capacity: the bench measures the machine instead.
      DHUMAN_STREAM_CAPACITY: '1000',
    },
    nodeArgs,
  });
  const prefix = randomBytes(4).toString('hex');
  let userSeq = 0;
  let sentenceSeq = 0;
  const ctx = {
    url: server.url,
    pid: server.pid,
    client: new DhumanClient({ baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN }),
    nextUserId: () => `stream-${prefix}-${userSeq++}`,
    nextSentence: () => sentence(sentenceSeq++),
    progress,
  };

  try {
    const dataDir = server.dataDir;
    const results: SizeResult[] = [];
    for (const size of sizes) {
      const project = await createStreamProject(dataDir, size);
      const ramp = rampOf(size);
      const result: SizeResult = { size, project, ramp, steps: [] };
      results.push(result);
      for (const streams of ramp) {
        progress(`stream: ${streams} × ${project.width}x${project.height} at ${project.fps} fps: setting up`);
        const step = await runStep(ctx, project, streams, durations);
        result.steps.push(step);
        const s = step.speaking;
        progress(
          `stream: ${streams} × ${project.width}x${project.height}: ${step.passed ? 'pass' : 'FAIL'}` +
            (s
              ? ` (speaking: cpu ${s.cpu.totalPct} %, slowest viewer ${s.fps.min.toFixed(2)} fps, repeated ` +
                `${s.server.repeated}, dropped ${s.server.dropped}, skipped ${s.server.skippedMs} ms)`
              : ` (${step.opened}/${streams} set up)`),
        );
        await sleep(SETTLE_MS);
        if (!step.passed) break;
      }
    }
    return report(results, { ...durations, loadBefore, loadAfter: os.loadavg()[0] ?? 0 });
  } finally {
    progress('stream: stopping the server');
    await server.stop();
  }
}
