// Helpers for the video API tests: submitting and polling tasks, downloading results, reading them with ffprobe.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { VIDEO_PATHS } from '@dhuman/protocol';
import { call, type CallOptions, type Envelope } from './harness.js';

const run = promisify(execFile);

export interface Progress {
  TaskId: string;
  Status: 'COMMIT' | 'MAKING' | 'SUCCESS' | 'FAIL';
  Progress: number;
  ArrayCount: number;
  MediaUrl: string;
  SubtitlesUrl: string;
  Duration: number;
  TextTimestampResult: {
    Sentence: string;
    Words: { Word: string; StartTimestamp: number; EndTimestamp: number }[];
  }[];
  FailCode: number;
  FailMessage: string;
}

/** Submits to a videomaker path and returns the TaskId, failing the test on any error code. */
export async function submit(
  base: string,
  path: string,
  payload: Record<string, unknown>,
  options: CallOptions = {},
): Promise<string> {
  const reply = await call(base, path, payload, options);
  if (reply.Header.Code !== 0)
    throw new Error(`submit refused: ${reply.Header.Code} ${reply.Header.Message}`);
  return reply.Payload.TaskId as string;
}

export async function progressOf(base: string, taskId: string, options: CallOptions = {}): Promise<Envelope> {
  return call(base, VIDEO_PATHS.getprogress, { TaskId: taskId }, options);
}

/** Polls getprogress until the task ends; returns the last Payload and every Progress value seen. */
export async function finished(
  base: string,
  taskId: string,
  timeoutMs = 60_000,
): Promise<{ result: Progress; seen: number[]; statuses: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: number[] = [];
  const statuses: string[] = [];
  for (;;) {
    const reply = await progressOf(base, taskId);
    if (reply.Header.Code !== 0) throw new Error(`getprogress: ${reply.Header.Code} ${reply.Header.Message}`);
    const p = reply.Payload as unknown as Progress;
    seen.push(p.Progress);
    statuses.push(p.Status);
    if (p.Status === 'SUCCESS' || p.Status === 'FAIL') return { result: p, seen, statuses };
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${p.Status} (${p.Progress} %)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function download(url: string, path: string): Promise<Response> {
  const res = await fetch(url);
  if (res.ok) await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return res;
}

export interface Probe {
  format: { format_name: string; duration: string };
  streams: { codec_type: string; codec_name: string; duration?: string; pix_fmt?: string; width?: number }[];
}

export async function ffprobe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as Probe;
}

/** One RGBA frame at `atSec`; VP9 alpha needs the libvpx decoder (the native one drops the alpha plane). */
export async function rgbaFrame(path: string, atSec: number, vp9Alpha = false): Promise<Buffer> {
  const args = ['-v', 'error', ...(vp9Alpha ? ['-c:v', 'libvpx-vp9'] : []), '-ss', String(atSec), '-i', path];
  args.push('-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1');
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Cues of an SRT file as ms. */
export function parseSrt(text: string): { startMs: number; endMs: number; text: string }[] {
  const ms = (t: string) => {
    const [h, m, rest] = t.split(':');
    const [s, milli] = (rest ?? '').split(',');
    return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(milli);
  };
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n');
      const [from, to] = (lines[1] ?? '').split(' --> ');
      return { startMs: ms(from ?? ''), endMs: ms(to ?? ''), text: lines.slice(2).join('\n') };
    });
}

/** Writes `path` from an ffmpeg lavfi source (a generated tone, colour or test picture). */
async function fromLavfi(source: string, output: string[], path: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...output, path]);
}

/** A WAV of `seconds` of a tone broken into syllable-like bursts. */
export async function makeSpeechLikeWav(path: string, seconds: number): Promise<void> {
  const tone = `sine=frequency=180:duration=${seconds}:sample_rate=16000`;
  await fromLavfi(tone, ['-af', "volume='if(lt(mod(t,0.5),0.3),1,0)':eval=frame"], path);
}

/** A still image of one colour. */
export async function makeStill(path: string, color: string, width: number, height: number): Promise<void> {
  await fromLavfi(`color=c=${color}:s=${width}x${height}`, ['-frames:v', '1'], path);
}

/** A short clip with picture only (no audio track), as intros often are. */
export async function makeClip(path: string, seconds: number): Promise<void> {
  const picture = `testsrc=duration=${seconds}:size=320x240:rate=25`;
  await fromLavfi(picture, ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'], path);
}
