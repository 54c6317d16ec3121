// renderVideo end to end: the real render worker and real ffmpeg, checked with ffprobe and by decoding frames.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { Path2D } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe } from '../encoder/ffmpeg-test-support.js';
import { RENDER_THREAD_NAME } from '../render/render-worker.js';
import { renderVideo } from './render-video.js';
import { srtTime, subtitleCues, toSrt } from './subtitles.js';
import { textTimestamps } from './text-timestamps.js';
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

/** A point of skin: between the eyes. */
function faceAt(size: number): [number, number] {
  const eyes: PixelBox = new AvatarRenderer(manifest, { Path2D }).eyesBox(size, size);
  return [Math.round(eyes.x + eyes.width / 2), Math.round(eyes.y + eyes.height / 2)];
}

/** Threads of this process named as render workers (they rename themselves on start). */
function renderThreads(): number {
  return readdirSync('/proc/self/task').filter((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === RENDER_THREAD_NAME;
    } catch {
      return false;
    }
  }).length;
}

/** Processes whose command line mentions `text` (an output path: only our ffmpeg's would). */
function processesMentioning(text: string): number {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    }).length;
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
    const threadsBefore = renderThreads();
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
    expect(renderThreads()).toBe(threadsBefore);
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
