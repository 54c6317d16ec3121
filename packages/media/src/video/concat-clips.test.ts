// concatClips end to end: clips made with ffmpeg, joined by real ffmpeg, checked with ffprobe, decoded pictures
// and decoded sound.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, processesMentioning } from '../encoder/ffmpeg-test-support.js';
import { concatArgs } from './concat-clips-args.js';
import { CLIP_DEMUXERS } from './concat-clips-probe.js';
import { concatClips } from './concat-clips.js';
import { frameAt, makeImage, near, pixelAt } from './composition-test-support.js';
import type { VideoProgress } from './video-types.js';

const run = promisify(execFile);
const SIZE = 256;
const dir = mkdtempSync(join(tmpdir(), 'dhuman-concat-'));
/** 1 s, 320×240 at 30 fps, no sound: a wider shape and another rate than the output. */
const intro = join(dir, 'intro.mp4');
/** 0.8 s, 200×100, VP8 with a stereo 440 Hz tone. */
const outro = join(dir, 'outro.webm');
const mains: Partial<Record<'mp4' | 'webm-alpha', { path: string; durationMs: number }>> = {};

/** Runs ffmpeg, killed after 20 s should a source never end. */
async function ffmpeg(...args: string[]): Promise<void> {
  await run('ffmpeg', ['-v', 'error', ...args], { timeout: 20_000 });
}

/**
 * The main clip, 1.6 s (40 frames) at the output's size with a 300 Hz tone, as renderVideo makes them: mp4 (opaque), or
 * webm-alpha with a red square in the middle of nothing.
 */
async function main(format: 'mp4' | 'webm-alpha'): Promise<{ path: string; durationMs: number }> {
  const made = mains[format];
  if (made) return made;
  const path = join(dir, format === 'mp4' ? 'main.mp4' : 'main.webm');
  const tone = ['-f', 'lavfi', '-i', 'sine=f=300:d=1.6'];
  if (format === 'mp4') {
    await ffmpeg(
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${SIZE}x${SIZE}:r=25:d=1.6`,
      ...tone,
      '-c:v',
      'libx264',
      '-y',
      path,
    );
  } else {
    const square = `color=c=black@0:s=${SIZE}x${SIZE}:r=25:d=1.6,format=rgba[nothing];color=c=red:s=128x128:d=1.6,format=rgba[red];[nothing][red]overlay=64:64:shortest=1`;
    await ffmpeg(
      ...['-f', 'lavfi', '-i', square, ...tone],
      ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', '-auto-alt-ref', '0'],
      ...['-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-y', path],
    );
  }
  return (mains[format] = { path, durationMs: 1600 });
}

/** The sound of `path` as mono 8 kHz samples. */
async function soundOf(path: string): Promise<Int16Array> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-ac', '1', '-ar', '8000', '-f', 's16le', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 24,
    },
  );
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 2);
}

function rms(samples: Int16Array, fromSec: number, toSec: number): number {
  const part = samples.subarray(Math.round(fromSec * 8000), Math.round(toSec * 8000));
  return Math.sqrt(part.reduce((sum, s) => sum + s * s, 0) / Math.max(1, part.length));
}

beforeAll(async () => {
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x240:r=30:d=1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-y',
    intro,
  );
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=s=200x100:r=25:d=0.8', '-f', 'lavfi', '-i', 'sine=f=440:d=0.8'],
    ...['-ac', '2', '-c:v', 'libvpx', '-c:a', 'libopus', '-y', outro],
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test makes clips and joins them with ffmpeg: seconds on a busy 2-core machine.
describe('concatClips', { timeout: 30_000 }, () => {
  it('MP4: intro (no sound) + main + outro, each fitted to the frame, as long as all three, sound throughout', async () => {
    const { path: mainPath, durationMs: mainMs } = await main('mp4');
    const path = join(dir, 'joined.mp4');
    const progress: VideoProgress[] = [];
    const result = await concatClips(
      { intro, main: mainPath, outro, output: { format: 'mp4', path }, width: SIZE, height: SIZE, fps: 25 },
      (p) => progress.push(p),
    );
    expect(result).toEqual({ durationMs: 1000 + mainMs + 800, introMs: 1000 });

    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      'audio:aac',
      'video:h264',
    ]);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThan(100);
    for (const stream of probe.streams) {
      expect(Math.abs(Number(stream.duration) * 1000 - result.durationMs), stream.codec_type).toBeLessThan(
        100,
      );
    }
    // Silence during the intro, the main clip's tone where it now plays, the outro's tone.
    const sound = await soundOf(path);
    expect(sound.length / 8).toBeGreaterThan(result.durationMs - 100);
    expect(rms(sound, 0.1, 0.9)).toBeLessThan(50);
    expect(rms(sound, 1.1, 2.5)).toBeGreaterThan(1000);
    expect(rms(sound, (result.durationMs - 600) / 1000, (result.durationMs - 200) / 1000)).toBeGreaterThan(
      1000,
    );

    // The 4:3 intro fills the width with black bars above and below; the outro (2:1) likewise.
    const introFrame = await frameAt(path, 0.5, SIZE, SIZE);
    expect(near(pixelAt(introFrame, SIZE, 128, 10), '#000000')).toBe(true);
    expect(near(pixelAt(introFrame, SIZE, 128, 128), '#000000')).toBe(false);
    const outroFrame = await frameAt(path, (result.durationMs - 300) / 1000, SIZE, SIZE);
    expect(near(pixelAt(outroFrame, SIZE, 128, 40), '#000000')).toBe(true);

    const total = result.durationMs / 40;
    expect(progress.at(-1)).toEqual({ framesEncoded: total, totalFrames: total });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.framesEncoded).toBeGreaterThan(progress[i - 1]?.framesEncoded ?? 0);
    }
  });

  it('WebM with alpha: an opaque intro stays opaque (its bars transparent), the main clip keeps its alpha', async () => {
    const { path: mainPath, durationMs: mainMs } = await main('webm-alpha');
    const path = join(dir, 'joined.webm');
    const result = await concatClips({
      intro,
      main: mainPath,
      output: { format: 'webm-alpha', path },
      width: SIZE,
      height: SIZE,
      fps: 25,
    });
    expect(result).toEqual({ durationMs: 1000 + mainMs, introMs: 1000 });
    const probe = await ffprobe(path);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThan(100);
    const introFrame = await frameAt(path, 0.5, SIZE, SIZE, 'libvpx-vp9');
    expect(pixelAt(introFrame, SIZE, 128, 128)[3]).toBe(255);
    expect(pixelAt(introFrame, SIZE, 128, 10)[3]).toBe(0);
    const mainFrame = await frameAt(path, 1.5, SIZE, SIZE, 'libvpx-vp9');
    expect(pixelAt(mainFrame, SIZE, 2, 2)[3]).toBe(0);
    expect(pixelAt(mainFrame, SIZE, 128, 128)[3]).toBe(255);
    expect(near(pixelAt(mainFrame, SIZE, 128, 128), '#ff0000')).toBe(true);
  });

  it('abort: kills ffmpeg, removes the partial file, rejects with the reason', async () => {
    const long = join(dir, 'long.mp4');
    await ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc=s=64x64:r=25:d=30',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-y',
      long,
    );
    const path = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    let seen = 0;
    const joining = concatClips(
      {
        intro: long,
        main: (await main('mp4')).path,
        output: { format: 'mp4', path },
        width: SIZE,
        height: SIZE,
        fps: 25,
        signal: controller.signal,
      },
      (p) => {
        seen = p.framesEncoded;
        if (p.framesEncoded > 0) controller.abort(new Error('user cancelled'));
      },
    );
    await expect(joining).rejects.toThrow('user cancelled');
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(p99Frames(30_000));
    expect(existsSync(path)).toBe(false);
    expect(processesMentioning(path)).toBe(0);
  });

  it('refuses bad options and clips it cannot use, naming them', async () => {
    const mainPath = (await main('mp4')).path;
    const output = { format: 'mp4' as const, path: join(dir, 'never.mp4') };
    const base = { main: mainPath, output, width: SIZE, height: SIZE, fps: 25 };
    const notMedia = join(dir, 'notes.txt');
    writeFileSync(notMedia, 'hello');
    const still = join(dir, 'still.png');
    await makeImage(still, 'color=c=red:s=32x32');
    await expect(concatClips({ ...base, intro: join(dir, 'missing.mp4') })).rejects.toThrow(
      /intro: no such file/,
    );
    await expect(concatClips({ ...base, outro: notMedia })).rejects.toThrow(/outro: not a media file/);
    // A still picture is not a clip (an image demuxer is not among the video containers).
    await expect(concatClips({ ...base, intro: still })).rejects.toThrow(/intro: not a media file/);
    // A playlist posing as a clip: read as HLS, it would pull in the local file it names (here a real video).
    const playlist = join(dir, 'playlist.mp4');
    writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.6,\n${mainPath}\n#EXT-X-ENDLIST\n`);
    await expect(concatClips({ ...base, intro: playlist })).rejects.toThrow(/intro: not a media file/);
    await expect(concatClips({ ...base, output: { format: 'mp4', path: mainPath } })).rejects.toThrow(
      /main is the output file itself/,
    );
    await expect(concatClips({ ...base, width: 255 })).rejects.toThrow(/width/);
    await expect(concatClips({ ...base, fps: 0 })).rejects.toThrow(/fps/);
    await expect(
      concatClips({ ...base, output: { format: 'gif' as never, path: output.path } }),
    ).rejects.toThrow(/format/);
    expect(existsSync(output.path)).toBe(false);
  });
});

describe('concatArgs', () => {
  it('opens every clip as a plain local video file only (no other protocol, no playlist formats)', () => {
    const args = concatArgs(
      [
        { path: '/a.mp4', info: { videoCodec: 'h264', durationSec: 1 }, frames: 25 },
        { path: '/b.webm', info: { videoCodec: 'vp8', durationSec: 1 }, frames: 25 },
      ],
      { format: 'mp4', path: '/o.mp4' },
      { width: 256, height: 256, fps: 25 },
    );
    const inputs = args.flatMap((arg, i) => (arg === '-i' ? [i] : []));
    expect(inputs).toHaveLength(2);
    for (const i of inputs) {
      expect(args.slice(i - 4, i)).toEqual([
        '-protocol_whitelist',
        'file',
        '-format_whitelist',
        CLIP_DEMUXERS.join(','),
      ]);
    }
    expect(CLIP_DEMUXERS).not.toContain('hls');
    expect(CLIP_DEMUXERS).not.toContain('concat');
    // Footage made elsewhere keeps x264's crf: a rendered video's fixed quantizer would bloat a camera's clip.
    expect(args).not.toContain('-qp');
  });

  const info = { videoCodec: 'vp9', durationSec: 1 };
  const clips = [
    { path: '/a.webm', info, frames: 25 },
    { path: '/b.mp4', info: { videoCodec: 'h264', durationSec: 2, audioChannels: 1 }, frames: 50 },
  ];

  it('decodes VP9 with libvpx for an alpha output (ffmpeg’s own decoder drops alpha), natively for mp4', () => {
    const alpha = concatArgs(
      clips,
      { format: 'webm-alpha', path: '/o.webm' },
      { width: 64, height: 64, fps: 25 },
    );
    const guards = `-protocol_whitelist file -format_whitelist ${CLIP_DEMUXERS.join(',')}`;
    expect(alpha.join(' ')).toContain(`-c:v libvpx-vp9 ${guards} -i file:/a.webm ${guards} -i file:/b.mp4`);
    const opaque = concatArgs(clips, { format: 'mp4', path: '/o.mp4' }, { width: 64, height: 64, fps: 25 });
    expect(opaque.join(' ')).toContain(`${guards} -i file:/a.webm ${guards} -i file:/b.mp4`);
    expect(opaque).not.toContain('libvpx-vp9');
  });

  it('gives a clip without sound silence of its exact length; mono unless a clip is stereo', () => {
    const args = concatArgs(clips, { format: 'mp4', path: '/o.mp4' }, { width: 64, height: 64, fps: 25 });
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph).toContain('anullsrc=r=48000:cl=mono,');
    expect(graph).toContain('atrim=end_sample=48000[a0]');
    expect(graph).toContain('[1:a]aresample=48000,');
    expect(graph).toContain('atrim=end_sample=96000,');
    expect(graph).toContain('trim=end_frame=50[v1]');
    expect(graph).toMatch(/\[v0\]\[a0\]\[v1\]\[a1\]concat=n=2:v=1:a=1\[vout\]\[aout\]$/);
    const stereo = concatArgs(
      [...clips, { path: '/c.mov', info: { ...info, audioChannels: 2 }, frames: 1 }],
      { format: 'mp4', path: '/o.mp4' },
      { width: 64, height: 64, fps: 25 },
    );
    expect(stereo.join(' ')).toContain('anullsrc=r=48000:cl=stereo');
  });
});

/** Frames of `ms` at 25 fps, less a margin: the abort must come well before the end. */
function p99Frames(ms: number): number {
  return Math.floor((ms / 40) * 0.9);
}
