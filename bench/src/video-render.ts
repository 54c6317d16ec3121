import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_SAMPLE_RATE, type SpeechSegment } from '@dhuman/core';
import type { AvatarManifest } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { renderVideo } from '@dhuman/media';
import { createSpeechServices, createTts } from '@dhuman/speech';
import { processCpu } from './video-cpu.js';

/**
 * Render speed of one video task: `renderVideo` called directly (no server, no queue) on speech made by the
 * real TTS the way the server's video job makes it, timed from the call to the finished file. Speed is the
 * video's duration over that wall time (8 = eight seconds of video per second), with the CPU it took.
 */

/** About 10 s of espeak-ng speech at the default rate: one "utterance" of a typical short broadcast clip. */
export const RENDER_TEXT =
  'Welcome to the evening news. Today we look at the weather, the markets and a new bridge across the river. ' +
  'Stay with us for the full report, right after this short break.';
/** The demo project's voice (the server's DEFAULT_VOICE); the bench has no server to ask. */
const VOICE = { voice: 'en-us', speed: 1, volume: 0 };
/** The demo project's avatar. */
const AVATAR = 'ava';

export interface RenderSize {
  label: string;
  width: number;
  height: number;
}

export interface RenderRun {
  videoMs: number;
  wallMs: number;
  /** This process (render workers + main thread) during the render. */
  nodeCpuMs: number;
  /** ffmpeg, a child; undefined without /proc. */
  ffmpegCpuMs: number | undefined;
}

export interface RenderMeasurement {
  /** Audio of the utterance, and how long the TTS took to make it (not part of the render time). */
  speechMs: number;
  ttsWallMs: number;
  /** Per size: its first render, then the measured ones, which follow `warmup` renders not counted. */
  sizes: { size: RenderSize; first: RenderRun; runs: RenderRun[] }[];
}

/** One render of `size`, timed, with the CPU this process and its ffmpeg child used. */
async function renderOnce(
  manifest: AvatarManifest,
  segments: readonly SpeechSegment[],
  size: RenderSize,
  path: string,
): Promise<RenderRun> {
  const cpuBefore = process.cpuUsage();
  const childrenBefore = processCpu('self')?.childrenMs;
  const started = performance.now();
  const result = await renderVideo({
    manifest,
    speech: segments,
    output: { format: 'mp4', path },
    width: size.width,
    height: size.height,
    text: RENDER_TEXT,
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const childrenAfter = processCpu('self')?.childrenMs;
  return {
    videoMs: result.durationMs,
    wallMs,
    nodeCpuMs: (cpu.user + cpu.system) / 1000,
    ffmpegCpuMs:
      childrenBefore === undefined || childrenAfter === undefined
        ? undefined
        : childrenAfter - childrenBefore,
  };
}

/**
 * Renders `warmup` + `runs` videos of each size, one size after the other as a server making one product's
 * videos does. The first `warmup` of a size are not measured, but the first of them is kept apart: for the first
 * size it is cold (render workers started, nothing compiled yet), for the next the workers change size. The
 * warm-up renders let V8 finish compiling the drawing code, which it does over a worker's first ten or so videos
 * (a function called once a frame, like the renderer's `draw`, reaches its optimizing compiler only after about
 * 700 frames of its worker), as a server's pooled workers have done after their first videos.
 */
export async function measureRenderSpeed(
  sizes: readonly RenderSize[],
  runs: number,
  warmup: number,
  progress: (message: string) => void,
): Promise<RenderMeasurement> {
  const manifest = await loadAvatarFile(join(builtinAvatarDir(), AVATAR, 'avatar.json'));
  const chosen = createTts(process.env);
  const dir = await mkdtemp(join(tmpdir(), 'dhuman-bench-video-'));
  try {
    progress(`video: loading the TTS (${chosen.tts.label})`);
    await chosen.warmUp();
    const ttsStarted = performance.now();
    const segments: SpeechSegment[] = [];
    const speech = createSpeechServices(chosen.tts);
    for await (const segment of speech.render(RENDER_TEXT, VOICE, new AbortController().signal)) {
      segments.push(segment);
    }
    const ttsWallMs = performance.now() - ttsStarted;
    const speechMs = (segments.reduce((n, s) => n + s.pcm.length, 0) * 1000) / SESSION_SAMPLE_RATE;
    progress(
      `video: ${(speechMs / 1000).toFixed(1)} s of speech synthesized in ${(ttsWallMs / 1000).toFixed(1)} s`,
    );

    const results: RenderMeasurement['sizes'] = [];
    for (const size of sizes) {
      const all: RenderRun[] = [];
      for (let i = 0; i < warmup + runs; i++) {
        const path = join(dir, `render-${size.label}-${i}.mp4`);
        const run = await renderOnce(manifest, segments, size, path);
        all.push(run);
        await rm(path, { force: true });
        const kind = i < warmup ? `warm-up ${i + 1}/${warmup}` : `run ${i - warmup + 1}/${runs}`;
        progress(
          `video: render ${size.label} ${kind}: ${(run.videoMs / 1000).toFixed(1)} s of video in ` +
            `${(run.wallMs / 1000).toFixed(2)} s = ${(run.videoMs / run.wallMs).toFixed(1)}x real time`,
        );
      }
      results.push({ size, first: all[0] as RenderRun, runs: all.slice(warmup) });
    }
    return { speechMs, ttsWallMs, sizes: results };
  } finally {
    await chosen.tts.close();
    await rm(dir, { recursive: true, force: true });
  }
}
