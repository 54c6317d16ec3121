import { problemNotes } from './notes.js';
import { round, statsJson } from './stats.js';
import type { StreamProject } from './stream-projects.js';
import type { Phase } from './stream-measure.js';
import { MIN_FPS, type Step } from './stream-step.js';
import type { BenchResult } from './types.js';

/** The stream bench's table, notes and JSON figures. */

/** From the issue: at least 8 speaking streams at 512² on a 2-core machine (LiveTalking: about 3 per RTX 4090). */
export const AIM = { width: 512, height: 512, minStreams: 8 } as const;

export interface SizeResult {
  /** The size as asked for (`512`, `720p`, …) and the project made for it. */
  size: string;
  project: StreamProject;
  ramp: readonly number[];
  steps: Step[];
}

export interface RunInfo {
  idleSec: number;
  speakingSec: number;
  /** 1-minute load average before and after the run (other work on the machine shows here). */
  loadBefore: number;
  loadAfter: number;
}

const label = (p: StreamProject) => `${p.width}x${p.height}`;
const fixed = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '?' : n.toFixed(digits);
/** Event-loop delay beyond monitorEventLoopDelay's 10 ms sampling period, which an idle loop reports too. */
const lag = (ms: number | undefined) => (ms === undefined ? '?' : Math.max(0, ms - 10).toFixed(1));

/** The largest passing step below the first failing one. */
export function maxStreams(steps: readonly Step[]): number {
  let best = 0;
  for (const step of steps) {
    if (!step.passed) break;
    best = step.streams;
  }
  return best;
}

/** Why a step failed, criterion by criterion. */
function failures(step: Step): string[] {
  if (step.opened < step.streams) return [`only ${step.opened}/${step.streams} streams set up`];
  const s = step.speaking;
  if (!s) return ['not measured'];
  const why: string[] = [];
  if (!(s.fps.min >= MIN_FPS)) why.push(`slowest viewer ${fixed(s.fps.min, 2)} fps < ${MIN_FPS}`);
  const share = (n: number) => `${((100 * n) / Math.max(1, s.server.encoded)).toFixed(2)} % of those encoded`;
  if (s.server.repeated > 0) why.push(`${s.server.repeated} frames repeated (${share(s.server.repeated)})`);
  if (s.server.dropped > 0) why.push(`${s.server.dropped} renders dropped`);
  if (s.server.skippedMs > 0) why.push(`${s.server.skippedMs} ms skipped`);
  if (s.badSamples > 0) why.push(`in ${s.badSamples} of ${s.samples} seconds`);
  if (s.lostPackets > 0) why.push(`${s.lostPackets} RTP packets lost`);
  if (s.missingFrames > 0) why.push(`${s.missingFrames} frames missing at viewers`);
  return why;
}

function row(size: SizeResult, step: Step, name: 'idle' | 'speaking', phase: Phase | undefined) {
  const result = name === 'idle' ? '' : step.passed ? 'pass' : 'FAIL';
  if (!phase) {
    return [label(size.project), step.streams, name, ...Array<string>(15).fill('-'), result];
  }
  const { cpu, server } = phase;
  return [
    label(size.project),
    step.streams,
    name,
    cpu.totalPct,
    Math.round(cpu.totalPct / step.streams),
    cpu.nodePct,
    cpu.mainPct,
    cpu.renderPct,
    cpu.childrenPct,
    cpu.clientPct,
    fixed(phase.fps.min, 2),
    fixed(phase.fps.p50, 2),
    fixed(phase.frameGapMs.max, 0),
    server.repeated,
    server.dropped,
    server.skippedMs,
    `${phase.badSamples}/${phase.samples}`,
    phase.lostPackets + phase.missingFrames,
    result,
  ];
}

function phaseNote(step: Step, name: string, phase: Phase): string {
  const c = phase.cpu;
  return (
    `${step.streams} ${name}: cpu % of one core: streams ${c.totalPct} = node ${c.nodePct} (main ${c.mainPct}, ` +
    `render ${c.renderPct} [busiest ${c.renderMaxPct}], tts ${c.ttsPct}, helpers ${c.helpersPct}) + ` +
    `${c.children} ffmpeg ${c.childrenPct} [busiest ${c.childMaxPct}]; viewers (this process) ${c.clientPct}, ` +
    `other ${c.otherPct}; server frames encoded ${phase.server.encoded} ` +
    `(${fixed(phase.server.encoded / step.streams / phase.seconds, 2)} fps per stream); audio packets/s per ` +
    `viewer min ${fixed(phase.audioPps.min)}; worst viewer-second ${fixed(phase.worstPeriodFps)} fps; longest ` +
    `frame gap p50/max ${fixed(phase.frameGapMs.p50, 0)}/` +
    `${fixed(phase.frameGapMs.max, 0)} ms; lost packets ${phase.lostPackets}, missing frames ` +
    `${phase.missingFrames}; server lag worst 1-s p99/max beyond 10 ms ${lag(phase.lagP99Ms)}/${lag(phase.lagMaxMs)}` +
    (name === 'speaking' ? `; sentences ${phase.sentences}, without TextOver after 4 s ${phase.late}` : '')
  );
}

/** CPU per stream at the smallest steps, idle against speaking: what one more stream costs. */
function perStreamNote(size: SizeResult): string | undefined {
  const parts = size.steps
    .filter((s) => s.streams <= 2 && s.idle && s.speaking)
    .map((s) => {
      const per = (phase: Phase) =>
        `${Math.round(phase.cpu.totalPct / s.streams)} (node ${Math.round(phase.cpu.nodePct / s.streams)} + ` +
        `ffmpeg ${Math.round(phase.cpu.childrenPct / s.streams)})`;
      return `at ${s.streams}: idle ${per(s.idle as Phase)}, speaking ${per(s.speaking as Phase)}`;
    });
  return parts.length === 0
    ? undefined
    : `${label(size.project)} cpu per stream, % of one core: ${parts.join('; ')}`;
}

function phaseJson(phase: Phase | undefined) {
  if (!phase) return null;
  return {
    seconds: round(phase.seconds, 2),
    cpu: phase.cpu,
    server: phase.server,
    badSeconds: phase.badSamples,
    sampledSeconds: phase.samples,
    lagMs: { worstP99: phase.lagP99Ms ?? null, max: phase.lagMaxMs ?? null },
    worstViewerSecondFps: round(phase.worstPeriodFps),
    viewerFps: statsJson(phase.fps, 2),
    frameGapMs: statsJson(phase.frameGapMs),
    audioPacketsPerSec: statsJson(phase.audioPps),
    lostPackets: phase.lostPackets,
    missingFrames: phase.missingFrames,
    sentences: phase.sentences,
    late: phase.late,
    talkErrors: phase.talkErrors,
  };
}

export function report(sizes: readonly SizeResult[], info: RunInfo): BenchResult {
  const rows = sizes.flatMap((size) =>
    size.steps.flatMap((step) => [
      row(size, step, 'idle', step.idle),
      row(size, step, 'speaking', step.speaking),
    ]),
  );
  const notes: string[] = [];
  for (const size of sizes) {
    const best = maxStreams(size.steps);
    const failed = size.steps.find((s) => !s.passed);
    const end = !failed && size.steps.at(-1)?.streams === size.ramp.at(-1) ? ', the end of the ramp' : '';
    notes.push(
      `${label(size.project)} at ${size.project.fps} fps: max streams with every viewer >= ${MIN_FPS} fps and no ` +
        `frame repeated, dropped, skipped or lost while all talk: ${best}${end}` +
        (failed ? ` (${failed.streams} failed: ${failures(failed).join(', ')})` : ''),
    );
  }
  const aimSize = sizes.find((s) => s.project.width === AIM.width && s.project.height === AIM.height);
  if (aimSize) {
    const best = maxStreams(aimSize.steps);
    notes.push(
      `aim: >= ${AIM.minStreams} speaking streams at ${AIM.width}x${AIM.height}: ` +
        `${best >= AIM.minStreams ? 'meets aim' : 'below aim'} (${best})`,
    );
  }
  for (const size of sizes) {
    const note = perStreamNote(size);
    if (note) notes.push(note);
  }
  notes.push(
    `load average (1 min) before/after the run: ${info.loadBefore.toFixed(2)}/${info.loadAfter.toFixed(2)}; ` +
      `phases: idle ${info.idleSec} s, speaking ${info.speakingSec} s`,
  );
  for (const size of sizes) {
    for (const step of size.steps) {
      const name = `${label(size.project)} ${step.streams}`;
      notes.push(`${name}: setup ${step.setupSec.toFixed(1)} s (${step.opened}/${step.streams} streams)`);
      for (const [kind, n] of Object.entries(step.setupErrors)) notes.push(`errors: ${name}: ${n} x ${kind}`);
      for (const [phaseName, phase] of [
        ['idle', step.idle],
        ['speaking', step.speaking],
      ] as const) {
        if (!phase) continue;
        notes.push(`${label(size.project)} ${phaseNote(step, phaseName, phase)}`);
        notes.push(
          ...problemNotes(`${name} ${phaseName}`, Object.entries(phase.talkErrors), {
            loadClientPct: phase.cpu.clientPct,
            serverPct: phase.cpu.totalPct,
            otherPct: phase.cpu.otherPct,
          }),
        );
      }
    }
  }

  return {
    table: {
      columns: [
        'size',
        'streams',
        'phase',
        'cpu %',
        '/stream',
        'node %',
        'main %',
        'render %',
        'ffmpeg %',
        'client %',
        'fps min',
        'fps p50',
        'gap max',
        'repeated',
        'dropped',
        'skipped ms',
        'bad s',
        'lost',
        'result',
      ],
      rows,
    },
    notes,
    figures: {
      idleSec: info.idleSec,
      speakingSec: info.speakingSec,
      minFps: MIN_FPS,
      loadAverage: { before: round(info.loadBefore, 2), after: round(info.loadAfter, 2) },
      sizes: sizes.map((size) => ({
        size: size.size,
        ...size.project,
        ramp: size.ramp,
        maxStreams: maxStreams(size.steps),
        steps: size.steps.map((step) => ({
          streams: step.streams,
          opened: step.opened,
          setupSec: round(step.setupSec),
          setupErrors: step.setupErrors,
          passed: step.passed,
          idle: phaseJson(step.idle),
          speaking: phaseJson(step.speaking),
        })),
      })),
      aim: { ...AIM, met: aimSize ? maxStreams(aimSize.steps) >= AIM.minStreams : null },
    },
  };
}
