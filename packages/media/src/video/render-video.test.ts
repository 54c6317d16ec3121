// renderVideo end to end: the real render worker and real ffmpeg, checked with ffprobe and by decoding frames.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from '@dhuman/avatar/node';
import { SESSION_SAMPLE_RATE, type SpeechSegment } from '@dhuman/core';
import { Path2D } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, processesMentioning } from '../encoder/ffmpeg-test-support.js';
import { renderThreads } from '../render/render-thread-test-support.js';
import { idleRenderWorkers } from '../render/render-worker-pool.js';
import { renderVideo, videoFramesAhead } from './render-video.js';
import { srtTime, subtitleCues, toSrt } from './subtitles.js';
import { textTimestamps } from './text-timestamps.js';
import { withVideoBackground } from './video-background.js';
import { streamed, syntheticSpeech } from './video-test-support.js';
import type { VideoProgress } from './video-types.js';

const run = promisify(execFile);
const TEXT = 'Hello there. This is a short video of me talking.';

let manifest: AvatarManifest;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-video-'));
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frame `index` of `path` as RGBA; `decoder` forces one (ffmpeg's native VP9 decoder ignores the alpha plane). */
async function decodeFrame(path: string, size: number, decoder?: string): Promise<Uint8Array> {
  const args = [...(decoder ? ['-c:v', decoder] : []), '-i', path, '-frames:v', '1'];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    {
      encoding: 'buffer',
      maxBuffer: size * size * 4 + 1024,
    },
  );
  return new Uint8Array(stdout);
}

const pixel = (rgba: Uint8Array, size: number, x: number, y: number): number[] => [
  ...rgba.subarray((y * size + x) * 4, (y * size + x) * 4 + 4),
];

/** The first frame of a render of `manifest` on `background`, drawn in-process: what the video should show. */
function firstFrame(background: { color: string } | 'transparent', size: number): Uint8Array {
  return renderAvatarRgba(
    withVideoBackground(manifest, background),
    { weights: null, timeSec: 0 },
    size,
    size,
  );
}

/** An ffmpeg that writes its arguments, one a line, to `<name>.args` before running the real one. */
function recordingFfmpeg(name: string): { command: string; args: () => string[] } {
  const command = join(dir, `${name}-ffmpeg`);
  const record = join(dir, `${name}.args`);
  writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexec ffmpeg "$@"\n`);
  chmodSync(command, 0o755);
  return { command, args: () => readFileSync(record, 'utf8').split('\n') };
}

const NEIGHBOURS = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
] as const;

/**
 * How much darker each translucent pixel (alpha 64..191) next to an opaque one is than that neighbour: the
 * largest of its colour channels' shortfalls. In straight alpha an antialiased edge pixel keeps the colour of the
 * shape it belongs to (about 0); read as straight, premultiplied colours come out darker by about (1 - alpha).
 */
function edgeDarkening(rgba: Uint8Array, size: number): number[] {
  const darkening: number[] = [];
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const [r = 0, g = 0, b = 0, a = 0] = pixel(rgba, size, x, y);
      if (a < 64 || a > 191) continue;
      const opaque = NEIGHBOURS.map(([dx, dy]) => pixel(rgba, size, x + dx, y + dy)).find(
        (p) => p[3] === 255,
      );
      if (opaque) darkening.push(Math.max((opaque[0] ?? 0) - r, (opaque[1] ?? 0) - g, (opaque[2] ?? 0) - b));
    }
  }
  return darkening;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

/** The pixels transparent (alpha 0) in `reference`, and how many of them are transparent in `frame` too. */
function transparentKept(reference: Uint8Array, frame: Uint8Array): { transparent: number; kept: number } {
  let transparent = 0;
  let kept = 0;
  for (let i = 3; i < reference.length; i += 4) {
    if (reference[i] !== 0) continue;
    transparent++;
    if (frame[i] === 0) kept++;
  }
  return { transparent, kept };
}

/** A point of skin: between the eyes. */
function faceAt(size: number): [number, number] {
  const eyes: PixelBox = new AvatarRenderer(manifest, { Path2D }).eyesBox(size, size);
  return [Math.round(eyes.x + eyes.width / 2), Math.round(eyes.y + eyes.height / 2)];
}

describe('renderVideo', () => {
  it('MP4: H.264 + AAC as long as the speech plus its tail, green screen, progress up to every frame', async () => {
    const speech = syntheticSpeech(TEXT);
    const path = join(dir, 'talk.mp4');
    const progress: VideoProgress[] = [];
    const started = performance.now();
    const result = await renderVideo(
      { manifest, speech: streamed(speech.segments), output: { format: 'mp4', path }, text: TEXT },
      (p) => progress.push(p),
    );
    const elapsedMs = performance.now() - started;

    expect(result.speechMs).toBe(speech.speechMs);
    expect(result.durationMs - result.speechMs).toBeGreaterThanOrEqual(300);
    expect(result.durationMs - result.speechMs).toBeLessThan(340);
    expect(result.frames).toBe(result.durationMs / 40);
    const probe = await ffprobe(path);
    const codecs = probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();
    expect(codecs).toEqual(['audio:aac', 'video:h264']);
    // The speech's own rate (see aacFileRate), not raised to 48 kHz.
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.sample_rate).toBe(
      String(SESSION_SAMPLE_RATE),
    );
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThan(100);
    for (const stream of probe.streams) {
      expect(Math.abs(Number(stream.duration) * 1000 - result.durationMs), stream.codec_type).toBeLessThan(
        100,
      );
    }

    const first = await decodeFrame(path, 512);
    const [r, g, b] = pixel(first, 512, 2, 2);
    expect(Math.abs((r ?? 0) - 0x00) + Math.abs((g ?? 0) - 0xb1) + Math.abs((b ?? 0) - 0x40)).toBeLessThan(
      12,
    );

    expect(progress.at(-1)).toEqual({ framesEncoded: result.frames, totalFrames: result.frames });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.framesEncoded).toBeGreaterThan(progress[i - 1]?.framesEncoded ?? 0);
    }
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 1);

    expect(result.words.map((w) => w.word)).toEqual(speech.words.map((w) => w.text));
    expect(result.sentences.map((s) => s.text)).toEqual([
      'Hello there.',
      'This is a short video of me talking.',
    ]);
  });

  it("MP4: frames go to ffmpeg as yuv420p and keep the RGBA render's colours", async () => {
    const path = join(dir, 'yuv.mp4');
    const size = 256;
    const ffmpeg = recordingFfmpeg('yuv');
    await renderVideo({
      manifest,
      speech: syntheticSpeech('Hi.').segments,
      output: { format: 'mp4', path },
      width: size,
      height: size,
      ffmpegCommand: ffmpeg.command,
    });
    // The first -pix_fmt is the input's (the output's, yuv420p, comes after pipe:0).
    const input = ffmpeg.args().slice(0, ffmpeg.args().indexOf('pipe:0'));
    expect(input[input.indexOf('-pix_fmt') + 1]).toBe('yuv420p');
    const decoded = await decodeFrame(path, size);
    const reference = firstFrame({ color: '#00b140' }, size);
    // The green screen and a point of skin: swapped or shifted channels would be far off, H.264 is not.
    for (const [x, y] of [[2, 2], faceAt(size)] as const) {
      const want = pixel(reference, size, x, y);
      const got = pixel(decoded, size, x, y);
      for (let c = 0; c < 3; c++) {
        expect(Math.abs((got[c] ?? 0) - (want[c] ?? 0)), `(${x}, ${y}) channel ${c}`).toBeLessThanOrEqual(4);
      }
    }
    expect(pixel(reference, size, 2, 2).slice(0, 3)).toEqual([0x00, 0xb1, 0x40]);
  });

  it('WebM with alpha: VP9 + Opus, transparent outside the avatar, opaque on its face', async () => {
    const path = join(dir, 'talk.webm');
    const size = 256;
    const result = await renderVideo({
      manifest,
      speech: syntheticSpeech('Hi.').segments,
      output: { format: 'webm-alpha', path },
      width: size,
      height: size,
    });
    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      'audio:opus',
      'video:vp9',
    ]);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThan(100);
    const frame = await decodeFrame(path, size, 'libvpx-vp9');
    expect(frame.length).toBe(size * size * 4);
    expect(pixel(frame, size, 2, 2)[3]).toBeLessThan(255);
    expect(pixel(frame, size, ...faceAt(size))[3]).toBe(255);
    // The avatar's antialiased outline has the colour of the avatar, not a darker one (frames in straight
    // alpha): measured median 6 at 256², where premultiplied frames gave 45. VP9's 4:2:0 chroma and its lossy
    // alpha plane keep it from 0.
    const darkening = edgeDarkening(frame, size);
    expect(darkening.length).toBeGreaterThan(50);
    expect(median(darkening)).toBeLessThan(20);
    // Transparent stays transparent, up to VP9's lossy alpha right at the outline (measured 98.4 %).
    const { transparent, kept } = transparentKept(firstFrame('transparent', size), frame);
    expect(transparent).toBeGreaterThan((size * size) / 3);
    expect(kept / transparent).toBeGreaterThan(0.97);
  });

  it('MOV with alpha: ProRes 4444 with an alpha pixel format and PCM audio', async () => {
    const path = join(dir, 'talk.mov');
    const size = 128;
    await renderVideo({
      manifest,
      speech: syntheticSpeech('Hi.').segments,
      output: { format: 'mov-alpha', path },
      width: size,
      height: size,
    });
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_name,profile,pix_fmt', '-of', 'json', path],
    ]);
    const streams = (JSON.parse(stdout) as { streams: { codec_name: string; pix_fmt?: string }[] }).streams;
    const video = streams.find((s) => s.codec_name === 'prores');
    expect(video?.pix_fmt).toMatch(/^yuva444/);
    expect(streams.map((s) => s.codec_name)).toContain('pcm_s16le');
    const frame = await decodeFrame(path, size);
    expect(pixel(frame, size, 1, 1)[3]).toBe(0);
    expect(pixel(frame, size, ...faceAt(size))[3]).toBe(255);
    // ProRes 4444 keeps full chroma and alpha: the outline has the avatar's colour (measured median 0, where
    // premultiplied frames gave 52), and every pixel the RGBA render leaves transparent is transparent.
    const darkening = edgeDarkening(frame, size);
    expect(darkening.length).toBeGreaterThan(20);
    expect(median(darkening)).toBeLessThan(8);
    const { transparent, kept } = transparentKept(firstFrame('transparent', size), frame);
    expect(kept).toBe(transparent);
  });

  it("SRT cues start and end on the words' times, and agree with TextTimestampResult", async () => {
    const result = await renderVideo({
      manifest,
      speech: syntheticSpeech(TEXT).segments,
      output: { format: 'mp4', path: join(dir, 'srt.mp4') },
      renderThreads: 2,
      width: 128,
      height: 128,
      text: TEXT,
    });
    const srt = toSrt(subtitleCues(result.sentences));
    const times = [...srt.matchAll(/(\S+) --> (\S+)/g)].map((m) => [m[1], m[2]]);
    const timestamps = textTimestamps(result.sentences);
    expect(times).toHaveLength(timestamps.length); // both sentences fit one cue each
    timestamps.forEach((sentence, i) => {
      const first = sentence.Words[0];
      const last = sentence.Words.at(-1);
      expect(times[i]).toEqual([
        srtTime((first?.StartTimestamp ?? 0) / 10_000),
        srtTime((last?.EndTimestamp ?? 0) / 10_000),
      ]);
    });
    expect(times[0]?.[0]).toBe(srtTime(result.words[0]?.startMs ?? -1));
  });

  it('abort: rejects with the reason, kills ffmpeg and the worker, removes the partial file', async () => {
    const path = join(dir, 'aborted.mp4');
    // Threads that are not parked in the pool: this render may take parked ones (and end them, mid-frame).
    const busyBefore = renderThreads() - idleRenderWorkers();
    const controller = new AbortController();
    let seen = 0;
    const rendering = renderVideo(
      {
        manifest,
        speech: syntheticSpeech(`${TEXT} ${TEXT} ${TEXT}`).segments,
        output: { format: 'mp4', path },
        // Two workers: both must be gone afterwards.
        renderThreads: 2,
        signal: controller.signal,
      },
      (p) => {
        seen = p.framesEncoded;
        if (p.framesEncoded > 0) controller.abort(new Error('user cancelled'));
      },
    );
    await expect(rendering).rejects.toThrow('user cancelled');
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(100);
    expect(existsSync(path)).toBe(false);
    expect(processesMentioning(path)).toBe(0);
    // A worker is parked only when it had no frame in flight at the abort; it holds nothing of this video. An
    // ended worker's thread may outlive its exit event by a moment.
    await expect.poll(() => renderThreads() - idleRenderWorkers(), { timeout: 2_000 }).toBe(busyBefore);
  });

  it('starts ffmpeg and the workers while the speech is still coming, and makes the video once it has all', async () => {
    const path = join(dir, 'overlap.mp4');
    const { segments } = syntheticSpeech(TEXT);
    let ffmpegWhileWaiting = -1;
    async function* slowTts(): AsyncGenerator<SpeechSegment> {
      const [first, ...rest] = segments;
      if (first) yield first;
      // A TTS still working: ffmpeg should be up meanwhile, not started after the last segment.
      await expect.poll(() => processesMentioning(path), { timeout: 5_000 }).toBe(1);
      ffmpegWhileWaiting = processesMentioning(path);
      yield* rest;
    }
    const result = await renderVideo({ manifest, speech: slowTts(), output: { format: 'mp4', path } });
    expect(ffmpegWhileWaiting).toBe(1);
    expect(result.speechMs).toBe(syntheticSpeech(TEXT).speechMs);
    const probe = await ffprobe(path);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThan(100);
  });

  it('a speech source that fails: rejects with its error, stops ffmpeg and the workers, leaves no file', async () => {
    const path = join(dir, 'tts-failed.mp4');
    const busyBefore = renderThreads() - idleRenderWorkers();
    const [first] = syntheticSpeech(TEXT).segments;
    async function* brokenTts(): AsyncGenerator<SpeechSegment> {
      if (first) yield first;
      await expect.poll(() => processesMentioning(path), { timeout: 5_000 }).toBe(1);
      throw new Error('the TTS engine crashed');
    }
    await expect(
      renderVideo({ manifest, speech: brokenTts(), output: { format: 'mp4', path }, renderThreads: 2 }),
    ).rejects.toThrow('the TTS engine crashed');
    expect(existsSync(path)).toBe(false);
    expect(processesMentioning(path)).toBe(0);
    // No frame was asked for, so both workers went back to the pool rather than staying busy.
    await expect.poll(() => renderThreads() - idleRenderWorkers(), { timeout: 2_000 }).toBe(busyBefore);
  });

  it('refuses bad options before starting anything', async () => {
    const output = { format: 'mp4' as const, path: join(dir, 'never.mp4') };
    const speech = syntheticSpeech('Hi.').segments;
    await expect(renderVideo({ manifest, speech, output, background: 'transparent' })).rejects.toThrow(
      /no alpha/,
    );
    await expect(renderVideo({ manifest, speech, output, width: 511 })).rejects.toThrow(RangeError);
    await expect(
      renderVideo({ manifest, speech, output: { ...output, format: 'gif' as never } }),
    ).rejects.toThrow(/format/);
    expect(existsSync(output.path)).toBe(false);
  });
});

describe('videoFramesAhead', () => {
  it('lets each worker hold frames up to the shared budget, at least a live depth and at most 24', () => {
    const i420 = (w: number, h: number) => w * h * 1.5;
    expect(videoFramesAhead(i420(512, 512), 2)).toBe(21);
    expect(videoFramesAhead(i420(1280, 720), 2)).toBe(6);
    expect(videoFramesAhead(1280 * 720 * 4, 2)).toBe(3);
    expect(videoFramesAhead(4096 * 4096 * 4, 2)).toBe(3);
    expect(videoFramesAhead(64 * 64 * 4, 1)).toBe(24);
  });
});
