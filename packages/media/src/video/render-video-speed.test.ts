// Render speed of renderVideo as a multiple of real time, for the targets (≥ 8× at 512², ≥ 5× at 720p
// per task on 2 cores). Logged, not asserted tightly: the figure depends on the machine and on what else runs
// (a CI run shares the cores); only "faster than real time" is asserted, at 512². The benchmark (later step)
// reports the same measurement properly.
//
// Measured on an idle 2-core machine: 4.8–5.5× at 512², 2.2–2.5× at 720p, and CPU-bound (render worker + main
// thread 1.9 s and ffmpeg 1.5 s of CPU for 11 s at 512²; 5.1 s and 3.7 s at 720p). The worker alone draws 242
// fps at 512² and 110 fps at 720p (4.4× real time), so the targets need cheaper drawing, not a faster pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AvatarManifest } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderVideo } from './render-video.js';
import { syntheticSpeech } from './video-test-support.js';
import type { VideoFormat } from './video-types.js';

/** About 10 s of speech. */
const TEXT =
  'Welcome to the evening news. Today we look at the weather, the markets and a new bridge across the river. ' +
  'Stay with us for the full report.';

let manifest: AvatarManifest;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-video-speed-'));
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function measure(format: VideoFormat, width: number, height: number): Promise<number> {
  const speech = syntheticSpeech(TEXT);
  const started = performance.now();
  const result = await renderVideo({
    manifest,
    speech: speech.segments,
    output: { format, path: join(dir, `speed-${width}x${height}.${format}`) },
    width,
    height,
  });
  const elapsedMs = performance.now() - started;
  const speed = result.durationMs / elapsedMs;
  console.log(
    `renderVideo ${format} ${width}x${height}: ${(result.durationMs / 1000).toFixed(1)} s of video ` +
      `(${result.frames} frames) in ${(elapsedMs / 1000).toFixed(2)} s = ${speed.toFixed(1)}x real time`,
  );
  return speed;
}

describe('renderVideo speed (x real time, logged)', () => {
  it('MP4 512x512', { timeout: 30_000 }, async () => {
    expect(await measure('mp4', 512, 512)).toBeGreaterThan(1);
  });

  // Only half real time asserted: with a full CI run on the same 2 cores, 720p measured 0.9–1.4×.
  it('MP4 1280x720', { timeout: 30_000 }, async () => {
    expect(await measure('mp4', 1280, 720)).toBeGreaterThan(0.5);
  });
});
