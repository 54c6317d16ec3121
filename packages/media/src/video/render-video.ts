import { rm } from 'node:fs/promises';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { rawFrameBytes, type VideoInputFormat } from '../encoder/ffmpeg-args.js';
import { FfmpegEncoder } from '../encoder/ffmpeg-encoder.js';
import { AvatarFrameRenderer, type FramePixelFormat } from '../render/avatar-frame-renderer.js';
import { prepareComposition } from './composition.js';
import { encodeFrames } from './encode-frames.js';
import { fitAudio, planFrames, type FramePlan } from './frame-plan.js';
import { throttleProgress } from './progress-throttle.js';
import { groupSentences, toVideoWords } from './sentences.js';
import { collectSpeech, type SpeechTimeline } from './speech-timeline.js';
import { withVideoBackground } from './video-background.js';
import { videoSettings } from './video-settings.js';
import type {
  RenderVideoOptions,
  VideoBackground,
  VideoProgressListener,
  VideoResult,
} from './video-types.js';

/**
 * How long ffmpeg may take to finish after the last frame. It holds only a few frames by then (the pipes and
 * the encoder's own delay), which take well under a second even for ProRes at 720p; the margin is for a busy
 * machine.
 */
const FINISH_TIMEOUT_MS = 30_000;

/**
 * Frame bytes the render workers may hold ahead of ffmpeg, all together. ffmpeg spends its first 0.12–0.16 s
 * loading its 215 libraries before it reads a frame (the first frame was taken 130–260 ms after the start);
 * with room for more frames the workers keep drawing through that instead of waiting with a core idle. But a
 * frame waiting that long outlives the main thread's young-generation collections, and the frames ahead are
 * memory the caches cycle through: at 720p, 32 MB (12 frames a worker) cost 8 % more CPU than 16 MB (6): in
 * 4 videos 11 instead of 7 full collections on the main thread, 0.89 instead of 0.69 ms a frame on V8's
 * helper threads, 8.1 instead of 7.7 ms in the render workers (in-process A/B: 4.92 → 5.26× real time with
 * 8 MB, 5.00 and 4.99× for 16 and 8 MB). At 512² 32, 16 and 8 MB made no difference, and 3 MB (4 frames a
 * worker) was slower (8.76 → 8.20×): the workers ran dry while ffmpeg loaded. 16 MB is 21 frames a worker at
 * 512² in I420, 6 at 720p, 3 (the least) at 720p in RGBA.
 */
const VIDEO_AHEAD_BYTES = 16 * 1024 * 1024;
/** A live stream's depth (see `DEFAULT_MAX_IN_FLIGHT`) is the least; past 24 a worker gains nothing more. */
const MIN_FRAMES_AHEAD = 3;
const MAX_FRAMES_AHEAD = 24;

/** Frames in flight per worker for `workers` workers drawing frames of `frameBytes`. */
export function videoFramesAhead(frameBytes: number, workers: number): number {
  const fit = Math.floor(VIDEO_AHEAD_BYTES / (frameBytes * workers));
  return Math.min(MAX_FRAMES_AHEAD, Math.max(MIN_FRAMES_AHEAD, fit));
}

/**
 * Starts the render workers for a video's layer (reusing loaded ones: see render-worker-pool.ts). Each one is
 * added to `started` as soon as it is up, even if another fails or the render is cancelled meanwhile, so that
 * it is closed too.
 */
function startRenderers(
  options: RenderVideoOptions,
  frames: VideoInputFormat & { pixelFormat: FramePixelFormat },
  background: VideoBackground,
  threads: number,
  started: AvatarFrameRenderer[],
): Promise<AvatarFrameRenderer>[] {
  const manifest = withVideoBackground(options.manifest, background);
  const ahead = videoFramesAhead(rawFrameBytes(frames), threads);
  return Array.from({ length: threads }, (_, i) =>
    AvatarFrameRenderer.create({
      manifest,
      width: frames.width,
      height: frames.height,
      pixelFormat: frames.pixelFormat,
      label: `video ${options.output.path} #${i}`,
      reuseWorker: true,
      maxInFlight: ahead,
    }).then((renderer) => {
      started.push(renderer);
      return renderer;
    }),
  );
}

/**
 * Renders a talking-avatar video file from synthesized speech: every frame of the speech and an idle tail,
 * drawn on the render worker and encoded by an ffmpeg child, as fast as both go (not paced to real time).
 *
 * Rejects with a `RangeError` for bad options (before any work), the signal's reason when `options.signal`
 * aborts, or the speech source's, the renderer's or the encoder's error. In every failure ffmpeg and the workers
 * are stopped and the partial file is removed before the promise settles.
 */
export async function renderVideo(
  options: RenderVideoOptions,
  onProgress?: VideoProgressListener,
): Promise<VideoResult> {
  const settings = videoSettings(options);
  // Undefined without a composition (or an empty one): the video is then made exactly as before.
  const composition = await prepareComposition(options.composition, settings);
  const layer = composition?.layer ?? settings;
  const layerBackground = composition?.layerBackground ?? settings.background;
  // An MP4's frames leave the render worker as yuv420p, which x264 encodes as it comes (see
  // `VideoInputFormat.pixelFormat`). Only when the worker's picture is opaque: a composition that puts the
  // avatar over a background picture or moves it draws it on a transparent layer, whose alpha ffmpeg needs.
  const pixelFormat = settings.format === 'mp4' && layerBackground !== 'transparent' ? 'yuv420p' : 'rgba';
  // What the workers draw and ffmpeg reads: the same frames.
  const frames = { width: layer.width, height: layer.height, fps: settings.fps, pixelFormat } as const;
  const { signal } = options;
  const encoder = new FfmpegEncoder();
  let encoderFailure: unknown;
  // ffmpeg dying mid-run fails the next write; this keeps its exit code and stderr for the error we throw.
  encoder.on('error', (error) => (encoderFailure ??= error));
  const renderers: AvatarFrameRenderer[] = [];
  const closeRenderers = (): Promise<unknown> => Promise.all(renderers.map((r) => r.close()));
  const stop = (): Promise<unknown> => Promise.all([closeRenderers(), encoder.close()]);
  const onAbort = (): void => void stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  let speech: SpeechTimeline;
  let plan: FramePlan;
  try {
    signal?.throwIfAborted();
    const filter = await composition?.start();
    // Nothing ffmpeg or the workers need comes from the speech, so all three get ready side by side. With speech
    // still being synthesized (an async iterable from the TTS), ffmpeg loads its 215 libraries (0.12–0.16 s of a
    // core) and the workers their avatar while the TTS works on the other core, instead of after it.
    const [spoken, ...started] = await Promise.allSettled([
      collectSpeech(options.speech, signal),
      encoder.start({
        video: frames,
        audio: { sampleRate: SESSION_SAMPLE_RATE },
        target: { kind: 'file', path: settings.path, format: settings.format },
        ...(filter === undefined ? {} : { filter }),
        ...(options.ffmpegCommand === undefined ? {} : { command: options.ffmpegCommand }),
      }),
      ...startRenderers(options, frames, layerBackground, settings.renderThreads, renderers),
    ]);
    // Every start has settled, so whatever did start (ffmpeg, the workers in `renderers`) is ended by `stop`.
    if (spoken.status === 'rejected') throw spoken.reason;
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    speech = spoken.value;
    signal?.throwIfAborted();
    plan = planFrames(speech.speechMs, settings.tailMs, settings.fps, SESSION_SAMPLE_RATE);
    const report = throttleProgress(onProgress, plan.totalFrames);
    await encodeFrames(renderers, encoder, plan, speech.mouth, fitAudio(plan, speech.pcm), report);
    await encoder.end(FINISH_TIMEOUT_MS);
  } catch (error) {
    await stop();
    await rm(settings.path, { force: true });
    throw signal?.aborted ? signal.reason : (encoderFailure ?? error);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await closeRenderers();
    await composition?.dispose();
  }

  const words = toVideoWords(speech.words);
  return {
    path: settings.path,
    format: settings.format,
    durationMs: plan.durationMs,
    speechMs: speech.speechMs,
    frames: plan.totalFrames,
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    words,
    sentences: groupSentences(speech.words, options.text),
  };
}
