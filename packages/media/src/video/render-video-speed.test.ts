// Render speed of renderVideo as a multiple of real time, for the targets (≥ 8× at 512², ≥ 5× at 720p
// per task on 2 cores). Logged, not asserted tightly: the figure depends on the machine and on what else runs
// (a CI run shares the cores); only "faster than real time" is asserted, at 512². The benchmark reports the same
// measurement properly. Each line also gives the CPU the render took: this process (render worker and main
// thread) and ffmpeg, since on 2 cores the sum is what bounds the speed.
//
// Before the render worker drew only the avatar's motion box (issue 8, speed): 4.5–5.5× at 512², 2.2–2.7× at
// 720p, the worker alone 180–240 and 100–110 fps. After, on the same 2-core EPYC (whose speed itself varies
// by half from one minute to the next): 5–8× at 512², 3.2–4.8× at 720p (this process 1.4–2.1 s and ffmpeg
// 1.1–1.7 s of CPU at 512², 1.8–2.6 s and 2.4–3.4 s at 720p), the worker alone 225–330 and 170–245 fps.
// Then MP4 frames went to ffmpeg as bgr24 instead of RGBA (swscale converts bgr24 to yuv420p on a fast path), and
// the worker stopped loading zod through @dhuman/protocol's index (its start 0.21 → 0.08 s). Runs interleaved
// with the code before, same machine: 512² 4.6–5.8× → 5.1–5.9× (ffmpeg 1.5–2.0 → 1.2–1.3 s of CPU), 720p
// 2.9–3.4× → 3.3–3.9× (ffmpeg 3.3–3.8 → 2.4–2.7 s); this process's CPU about the same (1.9–2.2 s at 512²,
// 2.7–3.2 s at 720p).
// Then MP4 frames left the worker as I420 (ffmpeg converts nothing, half the bytes), AAC took its fast coder, a
// file's x264 one thread, and videos two render workers kept loaded between videos: the benchmark went from
// 5.8× to 7.1–7.3× at 512² and from 3.2× to 4.7–5.0× at 720p (p50, same machine).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** CPU seconds of this process's finished children (ffmpeg), from /proc; null where there is no /proc. */
function childrenCpuSec(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // cutime and cstime, in clock ticks (100 a second on Linux).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

async function measure(format: VideoFormat, width: number, height: number): Promise<number> {
  const speech = syntheticSpeech(TEXT);
  const children = childrenCpuSec();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await renderVideo({
    manifest,
    speech: speech.segments,
    output: { format, path: join(dir, `speed-${width}x${height}.${format}`) },
    width,
    height,
  });
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const ffmpeg = children === null ? null : (childrenCpuSec() ?? children) - children;
  const speed = result.durationMs / elapsedMs;
  console.log(
    `renderVideo ${format} ${width}x${height}: ${(result.durationMs / 1000).toFixed(1)} s of video ` +
      `(${result.frames} frames) in ${(elapsedMs / 1000).toFixed(2)} s = ${speed.toFixed(1)}x real time; ` +
      `CPU: this process ${((used.user + used.system) / 1e6).toFixed(2)} s` +
      (ffmpeg === null ? '' : `, ffmpeg ${ffmpeg.toFixed(2)} s`),
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
