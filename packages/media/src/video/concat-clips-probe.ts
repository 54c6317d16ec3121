import { execFile } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileUrl, inputGuards } from '../encoder/ffmpeg-args.js';

const run = promisify(execFile);

/**
 * Containers of ordinary video files, as ffmpeg's demuxers name them; each reads only the file it is given
 * (`mov` is mp4/m4v/3gp, `matroska` is webm too, `asf` is wmv, `mpeg` is MPEG-PS). Clips are probed and opened
 * with these alone: an intro or outro comes from a customer's URL, and an HLS or concat playlist posing as one
 * would make ffmpeg read other local files (another session's live segments, another task's video) into the
 * result.
 */
export const CLIP_DEMUXERS: readonly string[] = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'mpegts',
  'asf',
  'mpeg',
  'ogg',
];

/** What joining needs to know of a clip. */
export interface ClipInfo {
  /** The first video stream's codec (`h264`, `vp9`, `prores`, …). */
  videoCodec: string;
  /** How long the clip's picture lasts, in seconds. */
  durationSec: number;
  /** Channels of its first audio stream; undefined when it has none. */
  audioChannels?: number;
}

interface ProbeJson {
  streams?: { codec_type?: string; codec_name?: string; channels?: number; duration?: string }[];
  format?: { duration?: string };
}

/** ffprobe's output is a few kilobytes; a file that makes it print more is not one we can use. */
const MAX_PROBE_BYTES = 1 << 20;
/** Reading the headers of a local file takes milliseconds; this bounds a file that makes ffprobe hang. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Probes a clip with ffprobe, as one of `CLIP_DEMUXERS`. `name` (`intro`, `main`, `outro`) names it in the
 * `RangeError` thrown for a file that ffprobe cannot read so, or that has no video stream or no duration. A
 * failure to run ffprobe itself (not installed, aborted, timed out) rejects with its own error.
 */
export async function probeClip(
  name: string,
  path: string,
  options: { ffprobeCommand: string; signal?: AbortSignal },
): Promise<ClipInfo> {
  const args = [
    ...['-v', 'error', '-of', 'json', ...inputGuards(CLIP_DEMUXERS)],
    ...['-show_entries', 'stream=codec_type,codec_name,channels,duration:format=duration'],
    fileUrl(path),
  ];
  const { signal } = options;
  const output = await run(options.ffprobeCommand, args, {
    maxBuffer: MAX_PROBE_BYTES,
    timeout: PROBE_TIMEOUT_MS,
    ...(signal ? { signal } : {}),
  }).catch((error: unknown) => {
    // ffprobe ran and refused the file: the clip is not media. Anything else (no ffprobe, abort, timeout) is not
    // the caller's file's fault and goes up as it is.
    const failure = error as { code?: unknown; killed?: boolean; stderr?: string };
    if (signal?.aborted || typeof failure.code !== 'number' || failure.killed) throw error;
    const reason = failure.stderr?.trim().split('\n').at(-1) ?? `exit code ${failure.code}`;
    throw new RangeError(`${name}: not a media file ffmpeg reads: ${path} (${reason})`);
  });
  const probe = JSON.parse(output.stdout) as ProbeJson;
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video?.codec_name) throw new RangeError(`${name}: no video stream in ${path}`);
  const durationSec = seconds(video.duration) ?? seconds(probe.format?.duration);
  if (durationSec === undefined || durationSec <= 0) throw new RangeError(`${name}: no duration for ${path}`);
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    videoCodec: video.codec_name,
    durationSec,
    ...(audio ? { audioChannels: audio.channels ?? 1 } : {}),
  };
}

function seconds(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) ? value : undefined;
}

/** ffprobe beside a given ffmpeg (`/opt/ff/bin/ffmpeg` → `/opt/ff/bin/ffprobe`), else ffprobe on PATH. */
export function ffprobeBeside(ffmpegCommand: string | undefined): string {
  if (ffmpegCommand === undefined || basename(ffmpegCommand) !== 'ffmpeg') return 'ffprobe';
  return ffmpegCommand.includes('/') ? join(dirname(ffmpegCommand), 'ffprobe') : 'ffprobe';
}
