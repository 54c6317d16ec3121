import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runFfmpeg } from '../encoder/ffmpeg-run.js';
import type { PlannedClip } from './concat-clips-args.js';
import { concatArgs } from './concat-clips-args.js';
import { ffprobeBeside, probeClip } from './concat-clips-probe.js';
import { throttleProgress } from './progress-throttle.js';
import { checkVideoFrames, checkVideoOutput } from './video-settings.js';
import type { VideoOutput, VideoProgressListener } from './video-types.js';

export interface ConcatClipsOptions {
  /** Played before `main`: any file ffmpeg decodes that has a picture, with or without sound. */
  intro?: string;
  main: string;
  /** Played after `main`, like `intro`. */
  outro?: string;
  /** Written in place and overwritten; removed again on failure or abort. Must not be one of the clips. */
  output: VideoOutput;
  /** The output's frame size (even, 16..4096) and rate (1..60): clips of another shape are fitted and padded. */
  width: number;
  height: number;
  fps: number;
  /** Aborting kills ffmpeg, removes the partial file and rejects with the reason. */
  signal?: AbortSignal;
  /** The ffmpeg binary; default `ffmpeg` on PATH. */
  ffmpegCommand?: string;
  /** The ffprobe binary; default the one beside `ffmpegCommand`, else `ffprobe` on PATH. */
  ffprobeCommand?: string;
}

export interface ConcatClipsResult {
  /** The joined file's length: every clip's frames on the output's clock. */
  durationMs: number;
  /** Where `main` starts in the joined file (0 without an intro), to shift its subtitles and timestamps. */
  introMs: number;
}

/**
 * Joins intro + main + outro into `output.path` (same formats as renderVideo: mp4, or the alpha formats, where
 * clips without alpha come out opaque and the bars around a clip of another shape transparent). Each clip keeps
 * its own length, rounded to whole frames; a clip without sound gets silence. Progress reports frames written
 * (ffmpeg's own count) of the total. Rejects with `RangeError` for bad options or a clip that is missing, not
 * media, or has no picture; with the abort reason; or with ffmpeg's error. The partial file is removed on every
 * failure.
 */
export async function concatClips(
  options: ConcatClipsOptions,
  onProgress?: VideoProgressListener,
): Promise<ConcatClipsResult> {
  const output = checkVideoOutput(options.output);
  const { width, height, fps, signal } = options;
  checkVideoFrames(width, height, fps);
  const named: [name: string, path: string][] = [];
  if (options.intro !== undefined) named.push(['intro', options.intro]);
  named.push(['main', options.main]);
  if (options.outro !== undefined) named.push(['outro', options.outro]);
  await Promise.all(named.map(([name, path]) => checkClipFile(name, path, output.path)));
  signal?.throwIfAborted();

  const ffprobeCommand = options.ffprobeCommand ?? ffprobeBeside(options.ffmpegCommand);
  const clips: PlannedClip[] = await Promise.all(
    named.map(async ([name, path]) => {
      const info = await probeClip(name, path, { ffprobeCommand, ...(signal ? { signal } : {}) });
      return { path, info, frames: Math.max(1, Math.round(info.durationSec * fps)) };
    }),
  );
  const totalFrames = clips.reduce((sum, clip) => sum + clip.frames, 0);
  const introFrames = options.intro === undefined ? 0 : (clips[0]?.frames ?? 0);

  const report = throttleProgress(onProgress, totalFrames);
  let reported = 0;
  const onFrame = (frames: number): void => {
    const clamped = Math.min(frames, totalFrames);
    if (clamped <= reported) return;
    reported = clamped;
    report(clamped);
  };
  try {
    await runFfmpeg(concatArgs(clips, output, { width, height, fps }), {
      onFrame,
      ...(options.ffmpegCommand === undefined ? {} : { command: options.ffmpegCommand }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    await rm(output.path, { force: true });
    throw signal?.aborted ? signal.reason : error;
  }
  onFrame(totalFrames);
  return {
    durationMs: Math.round((totalFrames / fps) * 1000),
    introMs: Math.round((introFrames / fps) * 1000),
  };
}

/** The clip must be a file, and not the output (ffmpeg would overwrite what it is reading). */
async function checkClipFile(name: string, path: string, outputPath: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new RangeError(`${name} must be a file path`);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new RangeError(`${name}: no such file: ${resolve(path)}`);
  if (resolve(path) === resolve(outputPath)) {
    throw new RangeError(`${name} is the output file itself: ${resolve(path)}`);
  }
}
