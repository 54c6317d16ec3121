import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuShares, cpuSnapshot, type CpuShares } from './cpu.js';
import { mapLimited, seededRandom } from './pacing.js';
import { RenderSocket, type Render } from './render-socket.js';
import { sentence } from './sentences.js';
import { scrapeServerLag, type LoopLag } from './server-lag.js';
import { startServer } from './server-process.js';
import { round, stats, statsJson, type Stats } from './stats.js';
import { countKind, problemNotes } from './notes.js';
import { formatTable } from './table.js';
import type { Credentials } from './talker.js';
import { ThreadWatch, type ThreadShares } from './threads.js';
import type { BenchOptions, BenchResult } from './types.js';

export const name = 'client-render';
export const description =
  'speech over the client-render channel: TEXT → first SPEECH frame at 1 socket, then how many sockets can talk at once';

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';
/** Each socket sends a new sentence this often (sentences last about 2.0-2.6 s of audio). */
const PERIOD_MS = 5_000;
/** Sockets per capacity step; the ramp stops at the first step that misses the aim or has errors. */
const RAMP = [50, 100, 200, 300, 400, 500, 600, 800] as const;
/** Overrides RAMP with a comma-separated list of socket counts, for smoke runs and for probing one size. */
const RAMP_ENV = 'DHUMAN_BENCH_CLIENT_RENDER_SOCKETS';
/** Sockets opened at a time (each open signs a URL and upgrades). */
const OPEN_CONCURRENCY = 50;
const LATENCY_WARMUP_SENTENCES = 3;
/**
 * Requests sent at once before the latency phase. A server that has only served this channel starts its speech
 * workers on demand: the first request starts one, and a second one starts only when two requests overlap, the
 * request that caused it waiting while the worker loads espeak-ng. The burst starts them all, so the steps measure a warm
 * pool (as the drive bench has, whose session preparation warms the pool); the notes report both start costs.
 */
const WARMUP_BURST = 4;
/** Pause after a Final before the next sentence, so each one starts on an idle socket. */
const LATENCY_GAP_MS = 200;
const LATENCY_TIMEOUT_MS = 15_000;
/**
 * The first time the server carries many sockets, its main thread runs the render and send paths cold (not yet
 * optimised by V8) and is about twice as busy for one period as later on. One unmeasured period at the first
 * step's size comes before the ramp, so the first step is not judged on that one-time cost.
 */
const WARMUP_PERIODS = 1;
/** After the last send of a step, how long the step waits for outstanding Finals. */
const DRAIN_MS = 10_000;
/** Between steps, so the previous step's closes are done before the next step's clock starts. */
const SETTLE_MS = 1_000;
/** monitorEventLoopDelay's sampling period, included in every value it reports. */
const LAG_RESOLUTION_MS = 10;
/** From the issue: at least 200 sockets, each saying a sentence every 5 s, with p95 ≤ 250 ms on 2 cores. */
const AIM = { capacityP95Ms: 250, minSockets: 200 } as const;

interface Timings {
  /** Request sent → first SPEECH frame. */
  first: Stats;
  /** Request sent → Final SPEECH frame. */
  final: Stats;
  /** Audio per request, from the Base64 lengths. */
  audio: Stats;
  /** Audio duration / (request sent → Final): above 1, the audio came faster than real time. */
  speed: Stats;
  /** Requests slower than real time, and requests whose frames would have left a gap in playback. */
  slower: number;
  gaps: number;
}

interface LatencyPhase {
  /** Sent → first SPEECH frame of the server's very first request (the first speech worker starts for it). */
  coldFirstMs: number | undefined;
  /** The slowest sent → first SPEECH frame of the concurrent warm-up burst (the other workers start for it). */
  burstFirstMs: number | undefined;
  sentences: number;
  errors: string[];
  timings: Timings;
  cpu: CpuShares;
  threads: ThreadShares | undefined;
}

interface Step {
  sockets: number;
  /** Sockets that opened (all of them unless there are open errors). */
  open: number;
  openSec: number;
  sent: number;
  finals: number;
  overlapped: number;
  errors: number;
  errorKinds: Record<string, number>;
  timings: Timings;
  cpu: CpuShares;
  threads: ThreadShares | undefined;
  serverLag: LoopLag | undefined;
  clientLag: LoopLag;
  meetsAim: boolean;
}

interface Context {
  url: string;
  pid: number | undefined;
  creds: Credentials;
  threads: ThreadWatch;
  nextReqId: () => string;
  nextSentence: () => string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function ramp(progress: (message: string) => void): readonly number[] {
  const raw = process.env[RAMP_ENV];
  if (raw === undefined || raw.trim() === '') return RAMP;
  const counts = raw.split(',').map((part) => Number(part.trim()));
  if (counts.some((n) => !(Number.isInteger(n) && n > 0))) {
    throw new Error(`${RAMP_ENV} must list positive integers separated by commas, got "${raw}"`);
  }
  progress(`client-render: ramp from ${RAMP_ENV}: ${counts.join(', ')} sockets`);
  return counts;
}

/** Statistics over the requests that reached their Final frame without an error. */
function timings(renders: readonly Render[]): Timings {
  const done = renders.filter(
    (r): r is Render & { firstAt: number; finalAt: number } =>
      r.error === undefined && r.firstAt !== undefined && r.finalAt !== undefined,
  );
  const speed = done.map((r) => r.audioMs / Math.max(1e-3, r.finalAt - r.sentAt));
  return {
    first: stats(done.map((r) => r.firstAt - r.sentAt)),
    final: stats(done.map((r) => r.finalAt - r.sentAt)),
    audio: stats(done.map((r) => r.audioMs)),
    speed: stats(speed),
    slower: speed.filter((s) => s < 1).length,
    gaps: done.filter((r) => r.gap).length,
  };
}

/** Why a request failed, or undefined when it reached its Final frame cleanly. */
function failure(render: Render): string | undefined {
  if (render.error !== undefined) return render.error;
  if (render.firstAt === undefined) return 'no SPEECH frame';
  if (render.finalAt === undefined) return 'no Final frame';
  return undefined;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { progress, durationSec } = options;
  const latencySentences = Math.max(10, Math.round(6 * durationSec));
  const sentencesPerSocket = Math.max(1, Math.round((3 * durationSec * 1000) / PERIOD_MS));
  const counts = ramp(progress);
  progress('client-render: starting dhuman serve');
  const nodeArgs = process.env.DHUMAN_BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const server = await startServer({
    env: { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: ACCESSTOKEN },
    nodeArgs,
  });
  // Every sentence and ReqId of the run is distinct: one counter each, a per-run prefix for the ReqIds.
  const prefix = randomBytes(8).toString('hex');
  let reqSeq = 0;
  let sentenceSeq = 0;
  const ctx: Context = {
    url: server.url,
    pid: server.pid,
    creds: { baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN },
    threads: new ThreadWatch(server.pid),
    nextReqId: () => `${prefix}${(reqSeq++).toString(16).padStart(16, '0')}`,
    nextSentence: () => sentence(sentenceSeq++),
  };

  try {
    progress(`client-render: latency at 1 socket, ${latencySentences} sentences one after another`);
    const latency = await latencyPhase(ctx, latencySentences);
    const warmSockets = counts[0] ?? RAMP[0];
    progress(
      `client-render: warm-up, ${warmSockets} sockets for ${(WARMUP_PERIODS * PERIOD_MS) / 1000} s (not reported)`,
    );
    const warmup = await capacityStep(ctx, warmSockets, WARMUP_PERIODS);
    await sleep(SETTLE_MS);
    const steps: Step[] = [];
    for (const sockets of counts) {
      progress(
        `client-render: ${sockets} sockets, ${sentencesPerSocket} sentence${sentencesPerSocket === 1 ? '' : 's'} each, ` +
          `one every ${PERIOD_MS / 1000} s`,
      );
      const step = await capacityStep(ctx, sockets, sentencesPerSocket);
      steps.push(step);
      progress(
        `client-render: ${sockets} sockets: p95 ${step.timings.first.p95.toFixed(1)} ms, errors ${step.errors}, ` +
          `server cpu ${step.cpu.serverPct ?? '?'} %, client cpu ${step.cpu.loadClientPct} %`,
      );
      if (!step.meetsAim) break;
      await sleep(SETTLE_MS);
    }
    return report(latency, warmup, steps, sentencesPerSocket, counts);
  } finally {
    progress('client-render: stopping the server');
    await server.stop();
  }
}

async function latencyPhase(ctx: Context, count: number): Promise<LatencyPhase> {
  const socket = await RenderSocket.open(ctx.creds, `client-render-latency-${ctx.nextReqId()}`);
  try {
    const firstMs = (r: Render) => (r.firstAt === undefined ? undefined : r.firstAt - r.sentAt);
    const cold = socket.say(ctx.nextReqId(), ctx.nextSentence());
    await socket.finished(cold, LATENCY_TIMEOUT_MS);
    const burst = Array.from({ length: WARMUP_BURST }, () => socket.say(ctx.nextReqId(), ctx.nextSentence()));
    await Promise.all(burst.map((r) => socket.finished(r, LATENCY_TIMEOUT_MS)));
    const burstFirst = burst.map(firstMs);
    const warmupErrors = [cold, ...burst].flatMap((r) => failure(r) ?? []);
    await sleep(LATENCY_GAP_MS);

    const measured: Render[] = [];
    let cpuFrom = cpuSnapshot(ctx.pid);
    let threadsFrom = ctx.threads.snapshot();
    for (let i = 0; i < LATENCY_WARMUP_SENTENCES + count; i++) {
      if (i === LATENCY_WARMUP_SENTENCES) {
        cpuFrom = cpuSnapshot(ctx.pid);
        threadsFrom = ctx.threads.snapshot();
      }
      const render = socket.say(ctx.nextReqId(), ctx.nextSentence());
      await socket.finished(render, LATENCY_TIMEOUT_MS);
      if (i >= LATENCY_WARMUP_SENTENCES) measured.push(render);
      if (socket.isClosed) break;
      await sleep(LATENCY_GAP_MS);
    }
    const cpu = cpuShares(cpuFrom, cpuSnapshot(ctx.pid));
    const threads = ctx.threads.shares(threadsFrom, ctx.threads.snapshot());
    const errors = [
      ...socket.otherErrors,
      ...warmupErrors.map((e) => `warm-up: ${e}`),
      ...measured.flatMap((r) => failure(r) ?? []),
    ];
    return {
      coldFirstMs: firstMs(cold),
      burstFirstMs: burstFirst.includes(undefined) ? undefined : Math.max(...(burstFirst as number[])),
      sentences: measured.length,
      errors,
      timings: timings(measured),
      cpu,
      threads,
    };
  } finally {
    socket.close();
  }
}

async function capacityStep(ctx: Context, sockets: number, perSocket: number): Promise<Step> {
  const errorKinds: Record<string, number> = {};
  const openStart = performance.now();
  const opened = await mapLimited(
    Array.from({ length: sockets }, (_, i) => i),
    OPEN_CONCURRENCY,
    (i) => RenderSocket.open(ctx.creds, `client-render-${sockets}-${i}-${ctx.nextReqId()}`),
  );
  const openSec = (performance.now() - openStart) / 1000;
  const live: RenderSocket[] = [];
  for (const result of opened) {
    if (result.status === 'fulfilled') live.push(result.value);
    else countKind(errorKinds, `open: ${(result.reason as Error).message}`);
  }

  try {
    // Each socket talks at its own phase within the period, drawn at random (as independent users would), so
    // about sockets / 5 requests start per second, with natural bunching rather than a perfect stagger.
    const random = seededRandom(sockets);
    const phases = live.map(() => random() * PERIOD_MS);
    const sent: { socket: RenderSocket; render: Render }[] = [];
    const t0 = performance.now() + 50;
    let pending = live.length * perSocket;
    live.forEach((socket, i) => {
      for (let k = 0; k < perSocket; k++) {
        const at = t0 + (phases[i] ?? 0) + k * PERIOD_MS;
        setTimeout(() => {
          pending--;
          if (!socket.isClosed)
            sent.push({ socket, render: socket.say(ctx.nextReqId(), ctx.nextSentence()) });
        }, at - performance.now());
      }
    });

    // CPU and event-loop lag over the steady part: from the end of the first period (every socket has talked)
    // to the end of the last one. With one sentence per socket the whole period is measured.
    const clientLag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    const lastSendAt = t0 + perSocket * PERIOD_MS;
    await sleep((perSocket > 1 ? t0 + PERIOD_MS : t0) - performance.now());
    await scrapeServerLag(ctx.url); // resets the server's histogram
    clientLag.enable();
    const cpuFrom = cpuSnapshot(ctx.pid);
    const threadsFrom = ctx.threads.snapshot();
    await sleep(lastSendAt - performance.now());
    const cpu = cpuShares(cpuFrom, cpuSnapshot(ctx.pid));
    const threads = ctx.threads.shares(threadsFrom, ctx.threads.snapshot());
    const serverLag = await scrapeServerLag(ctx.url);
    clientLag.disable();
    // A busy load client may fire the last sends a little late; every scheduled sentence is sent.
    while (pending > 0) await sleep(5);

    const drainUntil = performance.now() + DRAIN_MS;
    await Promise.all(
      sent.map(({ socket, render }) => socket.finished(render, drainUntil - performance.now())),
    );

    for (const socket of live) for (const error of socket.otherErrors) countKind(errorKinds, error);
    for (const { render } of sent) {
      const why = failure(render);
      if (why !== undefined) countKind(errorKinds, why);
    }
    const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
    const renders = sent.map((s) => s.render);
    const stepTimings = timings(renders);
    const toMs = (ns: number) => ns / 1e6;
    return {
      sockets,
      open: live.length,
      openSec,
      sent: renders.length,
      finals: renders.filter((r) => r.finalAt !== undefined).length,
      overlapped: renders.filter((r) => r.overlapped).length,
      errors,
      errorKinds,
      timings: stepTimings,
      cpu,
      threads,
      serverLag,
      clientLag: { p99Ms: toMs(clientLag.percentile(99)), maxMs: toMs(clientLag.max) },
      meetsAim: errors === 0 && stepTimings.first.n > 0 && stepTimings.first.p95 <= AIM.capacityP95Ms,
    };
  } finally {
    for (const socket of live) socket.close();
  }
}

/** Lag beyond the sampling period: an idle loop reads about 10 ms, which is the period, not lag. */
const excessLag = (ms: number | undefined) =>
  ms === undefined ? '?' : Math.max(0, ms - LAG_RESOLUTION_MS).toFixed(1);

const timingsJson = (t: Timings) => ({
  firstFrameMs: statsJson(t.first),
  finalMs: statsJson(t.final),
  audioMs: statsJson(t.audio),
  speedVsRealTime: statsJson(t.speed, 2),
  slowerThanRealTime: t.slower,
  playbackGaps: t.gaps,
});

function report(
  latency: LatencyPhase,
  warmup: Step,
  steps: readonly Step[],
  sentencesPerSocket: number,
  counts: readonly number[],
): BenchResult {
  const rows = steps.map((s) => [
    s.sockets,
    s.sent,
    s.timings.first.p50.toFixed(1),
    s.timings.first.p95.toFixed(1),
    s.timings.first.p99.toFixed(1),
    s.timings.final.p95.toFixed(1),
    s.errors,
    `${s.finals}/${s.sent}`,
    s.timings.speed.min.toFixed(1),
    s.cpu.serverPct ?? '?',
    s.threads?.mainPct ?? '?',
    s.threads?.workersPct ?? '?',
    s.cpu.loadClientPct,
    excessLag(s.serverLag?.p99Ms),
  ]);

  const t = latency.timings;
  const latencyTable = formatTable({
    columns: ['at 1 socket', 'n', 'p50', 'p95', 'max'],
    rows: (
      [
        ['sent → first SPEECH frame, ms', t.first, 1],
        ['sent → Final frame, ms', t.final, 1],
        ['audio per request, ms', t.audio, 0],
        ['audio / time to Final, x', t.speed, 1],
      ] as const
    ).map(([label, s, digits]) => [
      label,
      s.n,
      s.p50.toFixed(digits),
      s.p95.toFixed(digits),
      s.max.toFixed(digits),
    ]),
  });

  const notes: string[] = [latencyTable, ''];
  notes.push(
    `1 socket: every request faster than real time: ${t.slower === 0 && t.first.n > 0 ? 'yes' : 'no'} ` +
      `(slowest ${t.speed.min.toFixed(1)}x); playback gaps ${t.gaps}; cpu % of one core: server ` +
      `${latency.cpu.serverPct ?? '?'}` +
      (latency.threads
        ? ` = main ${latency.threads.mainPct} + workers ${latency.threads.workersPct} + helpers ` +
          `${latency.threads.helpersPct}`
        : ''),
  );
  const ms = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(0));
  notes.push(
    `start-up: the server's first request waited ${ms(latency.coldFirstMs)} ms for its first SPEECH frame; ` +
      `the slowest of ${WARMUP_BURST} sent together next ${ms(latency.burstFirstMs)} ms (not measured below)`,
  );
  notes.push(
    `warm-up (not in the table): ${warmup.sockets} sockets, ${warmup.sent} requests: p95 ` +
      `${warmup.timings.first.p95.toFixed(1)} ms, errors ${warmup.errors}, server cpu ${warmup.cpu.serverPct ?? '?'} %`,
  );
  const best = steps.filter((s) => s.meetsAim).reduce((max, s) => Math.max(max, s.sockets), 0);
  const capacityMet = best >= AIM.minSockets;
  const endOfRamp = steps.at(-1)?.meetsAim === true && steps.at(-1)?.sockets === counts.at(-1);
  notes.push(
    `aim: >= ${AIM.minSockets} sockets each sending a new sentence every ${PERIOD_MS / 1000} s with ` +
      `sent → first SPEECH frame p95 <= ${AIM.capacityP95Ms} ms and no errors: ` +
      `${capacityMet ? 'meets aim' : 'below aim'} (largest passing step: ${best} sockets` +
      `${endOfRamp ? ', the end of the ramp' : ''})`,
  );
  for (const s of steps) {
    const th = s.threads;
    notes.push(
      `${s.sockets} sockets: open ${s.openSec.toFixed(1)} s; cpu % of one core: server ${s.cpu.serverPct ?? '?'}` +
        (th
          ? ` = main ${th.mainPct} + workers ${th.workersPct} [${th.perWorkerPct.join('/')}] + helpers ${th.helpersPct}`
          : '') +
        `, load client ${s.cpu.loadClientPct}; lag p99/max ms beyond the 10 ms period: server ` +
        `${excessLag(s.serverLag?.p99Ms)}/${excessLag(s.serverLag?.maxMs)}, client ` +
        `${excessLag(s.clientLag.p99Ms)}/${excessLag(s.clientLag.maxMs)}; x real time p50 ` +
        `${s.timings.speed.p50.toFixed(1)}, slower than real time ${s.timings.slower}, playback gaps ` +
        `${s.timings.gaps}; sent before the previous Final: ${s.overlapped}`,
    );
    notes.push(...problemNotes(`${s.sockets} sockets`, Object.entries(s.errorKinds), s.cpu));
  }
  notes.push(...problemNotes('latency phase', latency.errors, latency.cpu));

  return {
    table: {
      columns: [
        'sockets',
        'requests',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'final p95',
        'errors',
        'Final',
        'xRT min',
        'cpu %',
        'main %',
        'tts %',
        'client %',
        'lag p99',
      ],
      rows,
    },
    notes,
    figures: {
      periodSec: PERIOD_MS / 1000,
      sentencesPerSocket,
      ttsWorkers: Number(process.env.DHUMAN_TTS_WORKERS ?? 2),
      latency: {
        coldFirstFrameMs: latency.coldFirstMs === undefined ? null : round(latency.coldFirstMs),
        burstFirstFrameMs: latency.burstFirstMs === undefined ? null : round(latency.burstFirstMs),
        sentences: latency.sentences,
        errors: latency.errors.length,
        ...timingsJson(latency.timings),
        cpu: { ...latency.cpu, threads: latency.threads },
      },
      warmup: {
        sockets: warmup.sockets,
        requests: warmup.sent,
        errors: warmup.errors,
        firstFrameMs: statsJson(warmup.timings.first),
      },
      capacity: steps.map((s) => ({
        sockets: s.sockets,
        open: s.open,
        openSec: round(s.openSec),
        requests: s.sent,
        finals: s.finals,
        overlapped: s.overlapped,
        errors: s.errors,
        errorKinds: s.errorKinds,
        ...timingsJson(s.timings),
        cpu: { ...s.cpu, threads: s.threads },
        // Raw monitorEventLoopDelay values, which include the 10 ms sampling period.
        serverLagMs: s.serverLag && { p99: round(s.serverLag.p99Ms), max: round(s.serverLag.maxMs) },
        clientLagMs: { p99: round(s.clientLag.p99Ms), max: round(s.clientLag.maxMs) },
        meetsAim: s.meetsAim,
      })),
      maxSocketsMeetingAim: best,
      aim: { ...AIM, capacityMet },
    },
  };
}
