import type { DhumanClient } from '@dhuman/client';
import { countKind } from './notes.js';
import { mapLimited, seededRandom } from './pacing.js';
import { measure, type Phase } from './stream-measure.js';
import type { StreamProject } from './stream-projects.js';
import { StreamSession } from './stream-session.js';

/**
 * One step of the stream bench: N new sessions at one size, each with one WHEP viewer in this process, first
 * measured while nobody speaks, then while every session talks without pause. The step closes everything it
 * opened, also when it fails.
 */

/** Sessions set up at a time: each setup starts an ffmpeg and a render worker, which load the machine briefly. */
const SETUP_CONCURRENCY = 2;
/** After setup, before measuring: x264's first GOPs, V8 warming the pump and werift paths. */
const WARMUP_MS = 3_000;
/** Talkers start at random (seeded) times within this span, as independent users would. */
const TALK_SPREAD_MS = 1_000;
/** From the first sentence to the speaking window: every talker has begun and its audio reached the stream. */
const TALK_SETTLE_MS = 2_000;
/** A viewer must receive at least this frame rate, from the issue: 25 fps with room for window edges. */
export const MIN_FPS = 24.5;

export interface StepContext {
  url: string;
  pid: number | undefined;
  client: DhumanClient;
  nextUserId: () => string;
  nextSentence: () => string;
  progress: (message: string) => void;
}

export interface Step {
  streams: number;
  /** Sessions whose setup (session, channel, viewer, first frame) succeeded. */
  opened: number;
  setupSec: number;
  setupErrors: Record<string, number>;
  idle: Phase | undefined;
  speaking: Phase | undefined;
  passed: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runStep(
  ctx: StepContext,
  project: StreamProject,
  streams: number,
  durations: { idleSec: number; speakingSec: number },
): Promise<Step> {
  const setupErrors: Record<string, number> = {};
  const setupStart = performance.now();
  const opened = await mapLimited(
    Array.from({ length: streams }, (_, i) => i),
    SETUP_CONCURRENCY,
    () =>
      StreamSession.open({
        client: ctx.client,
        projectId: project.projectId,
        fps: project.fps,
        userId: ctx.nextUserId(),
      }),
  );
  const setupSec = (performance.now() - setupStart) / 1000;
  const sessions: StreamSession[] = [];
  for (const result of opened) {
    if (result.status === 'fulfilled') sessions.push(result.value);
    else countKind(setupErrors, `setup: ${(result.reason as Error).message}`);
  }

  try {
    const step: Step = {
      streams,
      opened: sessions.length,
      setupSec,
      setupErrors,
      idle: undefined,
      speaking: undefined,
      passed: false,
    };
    if (sessions.length < streams) return step;
    await sleep(WARMUP_MS);
    ctx.progress(`stream: ${streams} × ${project.width}x${project.height}: idle for ${durations.idleSec} s`);
    step.idle = await measure(ctx, sessions, durations.idleSec);

    const random = seededRandom(streams);
    for (const session of sessions) session.startTalking(ctx.nextSentence, random() * TALK_SPREAD_MS);
    await sleep(TALK_SETTLE_MS);
    ctx.progress(
      `stream: ${streams} × ${project.width}x${project.height}: speaking for ${durations.speakingSec} s`,
    );
    step.speaking = await measure(ctx, sessions, durations.speakingSec);
    step.passed = passes(step.speaking);
    return step;
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

/** Every viewer at ≥ MIN_FPS, and no frame repeated, dropped, skipped, lost or missing anywhere on the way. */
export function passes(phase: Phase): boolean {
  const { server } = phase;
  return (
    phase.fps.n > 0 &&
    phase.fps.min >= MIN_FPS &&
    server.repeated === 0 &&
    server.dropped === 0 &&
    server.skippedMs === 0 &&
    phase.lostPackets === 0 &&
    phase.missingFrames === 0
  );
}
