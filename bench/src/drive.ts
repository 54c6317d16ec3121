import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DhumanClient } from '@dhuman/client';
import { cpuShares, cpuSnapshot, type CpuShares } from './cpu.js';
import { mapLimited, seededRandom } from './pacing.js';
import { sentence } from './sentences.js';
import { scrapeServerLag, type LoopLag } from './server-lag.js';
import { startServer } from './server-process.js';
import { round, stats, statsJson, type Stats } from './stats.js';
import { countKind, problemNotes } from './notes.js';
import { formatTable } from './table.js';
import { Talker, type Credentials, type Utterance } from './talker.js';
import { ThreadWatch, type ThreadShares } from './threads.js';
import type { BenchOptions, BenchResult } from './types.js';

export const name = 'drive';
export const description =
  'speech over the command channel: SEND_TEXT → TextStart latency at 1 session, then how many sessions can talk at once';

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';
/** Each talking session says a new sentence this often (sentences last about 2.0-2.6 s). */
const PERIOD_MS = 5_000;
/** Sessions per capacity step; the ramp stops at the first step that misses the aim or has errors. */
const RAMP = [25, 50, 100, 150, 200, 300, 400] as const;
/** createsession → ready → startsession → channel, this many sessions at a time. */
const SETUP_CONCURRENCY = 25;
const LATENCY_WARMUP_SENTENCES = 3;
/** Pause after a TextOver before the next sentence, so each one starts on an idle playout. */
const LATENCY_GAP_MS = 200;
/** After the last SEND_TEXT of a step, how long the step waits for outstanding TextOvers. */
const DRAIN_MS = 10_000;
/** monitorEventLoopDelay's default sampling period, included in every value it reports. */
const LAG_RESOLUTION_MS = 10;
const AIM = { latencyP95Ms: 100, capacityP95Ms: 250, minSessions: 200 } as const;

interface LatencyPhase {
  sentences: number;
  errors: string[];
  client: Stats;
  firstSample: Stats;
  firstChunk: Stats;
  speech: Stats;
  cpu: CpuShares;
  threads: ThreadShares | undefined;
}

interface Step {
  sessions: number;
  /** Sessions whose setup succeeded (all of them unless there are setup errors). */
  talking: number;
  setupSec: number;
  sent: number;
  client: Stats;
  firstSample: Stats;
  firstChunk: Stats;
  textOver: number;
  overlapped: number;
  errors: number;
  errorKinds: Record<string, number>;
  cpu: CpuShares;
  threads: ThreadShares | undefined;
  /** Server event-loop delay over the steady part (prom-client's monitorEventLoopDelay), ms. */
  serverLag: LoopLag | undefined;
  clientLag: { p99: number; max: number };
  meetsAim: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { progress, durationSec } = options;
  const latencySentences = Math.max(10, Math.round(6 * durationSec));
  const sentencesPerSession = Math.max(1, Math.round((3 * durationSec * 1000) / PERIOD_MS));
  progress('drive: starting dhuman serve');
  const extraNodeArgs = process.env.DHUMAN_BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const server = await startServer({
    env: { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: ACCESSTOKEN, DHUMAN_MAX_SESSIONS: '1000' },
    nodeArgs: extraNodeArgs,
  });
  const threads = new ThreadWatch(server.pid);
  const creds: Credentials = { baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN };
  const client = new DhumanClient(creds);
  // Every sentence and ReqId of the run is distinct: one counter each, a per-run prefix for the ReqIds.
  const prefix = randomBytes(8).toString('hex');
  let reqSeq = 0;
  let sentenceSeq = 0;
  const nextReqId = () => `${prefix}${(reqSeq++).toString(16).padStart(16, '0')}`;
  const nextSentence = () => sentence(sentenceSeq++);
  const ctx: Context = { server: { url: server.url, pid: server.pid }, client, creds, threads, nextReqId };

  try {
    progress(`drive: latency at 1 session, ${latencySentences} sentences one after another`);
    const latency = await latencyPhase(ctx, latencySentences, nextSentence);
    const steps: Step[] = [];
    for (const sessions of RAMP) {
      progress(
        `drive: ${sessions} sessions, ${sentencesPerSession} sentences each, one every ${PERIOD_MS / 1000} s`,
      );
      const step = await capacityStep(ctx, sessions, sentencesPerSession, nextSentence);
      steps.push(step);
      progress(
        `drive: ${sessions} sessions: p95 ${step.client.p95.toFixed(1)} ms, errors ${step.errors}, ` +
          `server cpu ${step.cpu.serverPct ?? '?'} %`,
      );
      if (!step.meetsAim) break;
    }
    return report(latency, steps, sentencesPerSession);
  } finally {
    progress('drive: stopping the server');
    await server.stop();
  }
}

interface Context {
  server: { url: string; pid: number | undefined };
  client: DhumanClient;
  creds: Credentials;
  threads: ThreadWatch;
  nextReqId: () => string;
}

async function latencyPhase(ctx: Context, count: number, nextSentence: () => string): Promise<LatencyPhase> {
  const talker = await Talker.start(ctx.client, ctx.creds, 'drive-latency');
  try {
    const measured: Utterance[] = [];
    let cpuFrom = cpuSnapshot(ctx.server.pid);
    let threadsFrom = ctx.threads.snapshot();
    for (let i = 0; i < LATENCY_WARMUP_SENTENCES + count; i++) {
      if (i === LATENCY_WARMUP_SENTENCES) {
        cpuFrom = cpuSnapshot(ctx.server.pid);
        threadsFrom = ctx.threads.snapshot();
      }
      const utterance = talker.say(ctx.nextReqId(), nextSentence());
      await talker.finished(utterance, 15_000);
      if (i >= LATENCY_WARMUP_SENTENCES) measured.push(utterance);
      if (talker.isClosed) break;
      await sleep(LATENCY_GAP_MS);
    }
    const cpu = cpuShares(cpuFrom, cpuSnapshot(ctx.server.pid));
    const threadShares = ctx.threads.shares(threadsFrom, ctx.threads.snapshot());
    const errors = [
      ...talker.otherErrors,
      ...measured.flatMap((u) =>
        u.error !== undefined
          ? [u.error]
          : u.textStartAt === undefined || u.textOverAt === undefined
            ? [`no ${u.textStartAt === undefined ? 'TextStart' : 'TextOver'} within 15 s`]
            : [],
      ),
    ];
    const started = measured.filter((u) => u.textStartAt !== undefined && u.error === undefined);
    return {
      sentences: measured.length,
      errors,
      client: stats(started.map((u) => (u.textStartAt ?? 0) - u.sentAt)),
      firstSample: stats(started.flatMap((u) => (u.firstSampleMs === undefined ? [] : [u.firstSampleMs]))),
      firstChunk: stats(started.flatMap((u) => (u.firstChunkMs === undefined ? [] : [u.firstChunkMs]))),
      speech: stats(
        started.flatMap((u) => (u.textOverAt === undefined ? [] : [u.textOverAt - (u.textStartAt ?? 0)])),
      ),
      cpu,
      threads: threadShares,
    };
  } finally {
    await talker.stop();
  }
}

async function capacityStep(
  ctx: Context,
  sessions: number,
  perSession: number,
  nextSentence: () => string,
): Promise<Step> {
  const errorKinds: Record<string, number> = {};
  const setupStart = performance.now();
  const started = await mapLimited(
    Array.from({ length: sessions }, (_, i) => i),
    SETUP_CONCURRENCY,
    (i) => Talker.start(ctx.client, ctx.creds, `drive-${sessions}-${i}`),
  );
  const setupSec = (performance.now() - setupStart) / 1000;
  const talkers: Talker[] = [];
  for (const result of started) {
    if (result.status === 'fulfilled') talkers.push(result.value);
    else countKind(errorKinds, `setup: ${(result.reason as Error).message}`);
  }

  try {
    // Each session speaks at its own phase within the period, drawn at random (as independent users would),
    // so the sentence starts arrive at about sessions / 5 per second with natural bunching.
    const random = seededRandom(sessions);
    const offsets = talkers.map(() => random() * PERIOD_MS);
    const utterances: { talker: Talker; utterance: Utterance }[] = [];
    const clientLag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    const t0 = performance.now() + 50;
    let pending = talkers.length * perSession;
    talkers.forEach((talker, i) => {
      for (let k = 0; k < perSession; k++) {
        const at = t0 + (offsets[i] ?? 0) + k * PERIOD_MS;
        setTimeout(() => {
          pending--;
          if (!talker.isClosed)
            utterances.push({ talker, utterance: talker.say(ctx.nextReqId(), nextSentence()) });
        }, at - performance.now());
      }
    });

    // CPU and event-loop lag over the steady part: from the end of the first period (every session has started
    // talking) to the end of the last one.
    const lastSendAt = t0 + perSession * PERIOD_MS;
    const steadyFrom = perSession > 1 ? t0 + PERIOD_MS : t0;
    await sleep(steadyFrom - performance.now());
    await scrapeServerLag(ctx.server.url); // resets the server's histogram
    clientLag.enable();
    const cpuFrom = cpuSnapshot(ctx.server.pid);
    const threadsFrom = ctx.threads.snapshot();
    await sleep(lastSendAt - performance.now());
    const cpu = cpuShares(cpuFrom, cpuSnapshot(ctx.server.pid));
    const threadShares = ctx.threads.shares(threadsFrom, ctx.threads.snapshot());
    const serverLag = await scrapeServerLag(ctx.server.url);
    clientLag.disable();
    // A busy load client may fire the last sends a little late; every scheduled sentence is sent.
    while (pending > 0) await sleep(5);

    const drainUntil = performance.now() + DRAIN_MS;
    await Promise.all(
      utterances.map(({ talker, utterance }) => talker.finished(utterance, drainUntil - performance.now())),
    );

    for (const talker of talkers) for (const error of talker.otherErrors) countKind(errorKinds, error);
    for (const { utterance } of utterances) {
      if (utterance.error !== undefined) countKind(errorKinds, utterance.error);
      else if (utterance.textStartAt === undefined) countKind(errorKinds, 'no TextStart');
      else if (utterance.textOverAt === undefined) countKind(errorKinds, 'no TextOver');
    }
    const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
    // An utterance whose synthesis failed still gets a TextStart (with nothing played) before its error; only
    // utterances without an error count for latency.
    const begun = utterances
      .map((u) => u.utterance)
      .filter((u) => u.textStartAt !== undefined && u.error === undefined);
    const client = stats(begun.map((u) => (u.textStartAt ?? 0) - u.sentAt));
    const toMs = (ns: number) => ns / 1e6;
    return {
      sessions,
      talking: talkers.length,
      setupSec,
      sent: utterances.length,
      client,
      firstSample: stats(begun.flatMap((u) => (u.firstSampleMs === undefined ? [] : [u.firstSampleMs]))),
      firstChunk: stats(begun.flatMap((u) => (u.firstChunkMs === undefined ? [] : [u.firstChunkMs]))),
      textOver: utterances.filter((u) => u.utterance.textOverAt !== undefined).length,
      overlapped: utterances.filter((u) => u.utterance.overlapped).length,
      errors,
      errorKinds,
      cpu,
      threads: threadShares,
      serverLag,
      clientLag: { p99: toMs(clientLag.percentile(99)), max: toMs(clientLag.max) },
      meetsAim: errors === 0 && client.n > 0 && client.p95 <= AIM.capacityP95Ms,
    };
  } finally {
    await mapLimited(talkers, 50, (talker) => talker.stop());
  }
}

/** Lag beyond the sampling period: an idle loop reads about 10 ms, which is the period, not lag. */
const excessLag = (ms: number | undefined) =>
  ms === undefined ? '?' : Math.max(0, ms - LAG_RESOLUTION_MS).toFixed(1);

function report(latency: LatencyPhase, steps: readonly Step[], sentencesPerSession: number): BenchResult {
  const rows = steps.map((s) => [
    s.sessions,
    s.sent,
    s.client.p50.toFixed(1),
    s.client.p95.toFixed(1),
    s.client.p99.toFixed(1),
    s.firstSample.p95.toFixed(1),
    s.errors,
    `${s.textOver}/${s.sent}`,
    s.cpu.serverPct ?? '?',
    s.threads?.mainPct ?? '?',
    s.threads?.workersPct ?? '?',
    excessLag(s.serverLag?.p99Ms),
  ]);

  const latencyTable = formatTable({
    columns: ['at 1 session, ms', 'n', 'p50', 'p95', 'p99', 'max'],
    rows: (
      [
        ['client SEND_TEXT → TextStart', latency.client],
        ['server FirstSampleMs', latency.firstSample],
        ['server FirstChunkMs', latency.firstChunk],
        ['speech TextStart → TextOver', latency.speech],
      ] as const
    ).map(([label, s]) => [
      label,
      s.n,
      s.p50.toFixed(1),
      s.p95.toFixed(1),
      s.p99.toFixed(1),
      s.max.toFixed(1),
    ]),
  });

  const notes: string[] = [];
  notes.push(latencyTable, '');
  const latencyMet =
    latency.errors.length === 0 &&
    latency.firstSample.p95 <= AIM.latencyP95Ms &&
    latency.client.p95 <= AIM.latencyP95Ms;
  notes.push(
    `aim: 1 session, p95 text received → first sample <= ${AIM.latencyP95Ms} ms: ` +
      `${latencyMet ? 'meets aim' : 'below aim'} (server FirstSampleMs p95 ${latency.firstSample.p95.toFixed(1)} ms, ` +
      `client SEND_TEXT → TextStart p95 ${latency.client.p95.toFixed(1)} ms)`,
  );
  const best = steps.filter((s) => s.meetsAim).reduce((max, s) => Math.max(max, s.sessions), 0);
  const capacityMet = best >= AIM.minSessions;
  notes.push(
    `aim: >= ${AIM.minSessions} sessions each saying a new sentence every ${PERIOD_MS / 1000} s with ` +
      `SEND_TEXT → TextStart p95 <= ${AIM.capacityP95Ms} ms and no errors: ` +
      `${capacityMet ? 'meets aim' : 'below aim'} (largest passing step: ${best} sessions` +
      `${steps.at(-1)?.meetsAim && steps.at(-1)?.sessions === RAMP.at(-1) ? ', the end of the ramp' : ''})`,
  );
  if (latency.threads) {
    notes.push(
      `cpu at 1 session, % of one core: server ${latency.cpu.serverPct ?? '?'} ` +
        `(main thread ${latency.threads.mainPct}, speech workers ${latency.threads.workersPct}, ` +
        `V8/libuv helpers ${latency.threads.helpersPct})`,
    );
  }
  for (const s of steps) {
    const t = s.threads;
    notes.push(
      `${s.sessions} sessions: setup ${s.setupSec.toFixed(1)} s; cpu % of one core: server ${s.cpu.serverPct ?? '?'}` +
        (t
          ? ` = main ${t.mainPct} + workers ${t.workersPct} [${t.perWorkerPct.join('/')}] + helpers ${t.helpersPct}`
          : '') +
        `, load client ${s.cpu.loadClientPct}; lag p99/max ms beyond the 10 ms period: server ` +
        `${excessLag(s.serverLag?.p99Ms)}/${excessLag(s.serverLag?.maxMs)}, client ${excessLag(s.clientLag.p99)}/` +
        `${excessLag(s.clientLag.max)}; FirstChunkMs p95 ${s.firstChunk.p95.toFixed(1)}; ` +
        `sent before the previous TextOver: ${s.overlapped}`,
    );
    notes.push(...problemNotes(`${s.sessions} sessions`, Object.entries(s.errorKinds), s.cpu));
  }
  notes.push(...problemNotes('latency phase', latency.errors, latency.cpu));

  return {
    table: {
      columns: [
        'sessions',
        'sentences',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'srv p95',
        'errors',
        'TextOver',
        'cpu %',
        'main %',
        'tts %',
        'lag p99',
      ],
      rows,
    },
    notes,
    figures: {
      periodSec: PERIOD_MS / 1000,
      sentencesPerSession,
      ttsWorkers: Number(process.env.DHUMAN_TTS_WORKERS ?? 2),
      latency: {
        sentences: latency.sentences,
        errors: latency.errors.length,
        clientTextStartMs: statsJson(latency.client),
        firstSampleMs: statsJson(latency.firstSample),
        firstChunkMs: statsJson(latency.firstChunk),
        speechMs: statsJson(latency.speech),
        cpu: { ...latency.cpu, threads: latency.threads },
      },
      capacity: steps.map((s) => ({
        sessions: s.sessions,
        talking: s.talking,
        setupSec: round(s.setupSec),
        sentences: s.sent,
        textOver: s.textOver,
        overlapped: s.overlapped,
        errors: s.errors,
        errorKinds: s.errorKinds,
        clientTextStartMs: statsJson(s.client),
        firstSampleMs: statsJson(s.firstSample),
        firstChunkMs: statsJson(s.firstChunk),
        cpu: { ...s.cpu, threads: s.threads },
        // Raw monitorEventLoopDelay values, which include the 10 ms sampling period.
        serverLagMs: s.serverLag && { p99: round(s.serverLag.p99Ms), max: round(s.serverLag.maxMs) },
        clientLagMs: { p99: round(s.clientLag.p99), max: round(s.clientLag.max) },
        meetsAim: s.meetsAim,
      })),
      maxSessionsMeetingAim: best,
      aim: { ...AIM, latencyMet, capacityMet },
    },
  };
}
