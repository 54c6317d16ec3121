import { DEFAULT_VIDEO_FPS } from '../render/frame-timing.js';
import type { RenderVideoOptions, VideoBackground, VideoFormat, VideoOutput } from './video-types.js';
import {
  DEFAULT_RENDER_THREADS,
  DEFAULT_TAIL_MS,
  DEFAULT_VIDEO_BACKGROUND,
  DEFAULT_VIDEO_SIZE,
} from './video-types.js';

/** The options of one render with every default filled in, checked before any work starts. */
export interface VideoSettings {
  format: VideoFormat;
  path: string;
  width: number;
  height: number;
  fps: number;
  background: VideoBackground;
  tailMs: number;
  renderThreads: number;
}

const FORMATS: readonly VideoFormat[] = ['mp4', 'webm-alpha', 'mov-alpha'];
const COLOR = /^#[0-9a-fA-F]{6}$/;
/** 4K on the long side: far beyond any use, and a frame (33 MB of RGBA) still fits the pipes comfortably. */
const MAX_SIDE = 4096;

/** Fills defaults and validates; throws `RangeError` naming the bad option. */
export function videoSettings(options: RenderVideoOptions): VideoSettings {
  const { format, path } = checkVideoOutput(options.output);
  const width = options.width ?? DEFAULT_VIDEO_SIZE;
  const height = options.height ?? DEFAULT_VIDEO_SIZE;
  const fps = options.fps ?? DEFAULT_VIDEO_FPS;
  checkVideoFrames(width, height, fps);
  const tailMs = options.tailMs ?? DEFAULT_TAIL_MS;
  if (!Number.isFinite(tailMs) || tailMs < 0 || tailMs > 10_000) {
    throw new RangeError(`video tailMs must be 0..10000, got ${tailMs}`);
  }
  const background =
    options.background ?? (format === 'mp4' ? { color: DEFAULT_VIDEO_BACKGROUND } : 'transparent');
  if (background === 'transparent') {
    if (format === 'mp4') throw new RangeError('an mp4 has no alpha channel: give it a background colour');
  } else if (!COLOR.test(background.color)) {
    throw new RangeError(`video background colour must be #rrggbb, got ${JSON.stringify(background.color)}`);
  }
  const renderThreads = options.renderThreads ?? DEFAULT_RENDER_THREADS;
  if (!Number.isInteger(renderThreads) || renderThreads < 1 || renderThreads > 8) {
    throw new RangeError(`video renderThreads must be an integer 1..8, got ${renderThreads}`);
  }
  return { format, path, width, height, fps, background, tailMs, renderThreads };
}

/** Checks a video's output (format and path); throws `RangeError`. Shared with `concatClips`. */
export function checkVideoOutput(output: VideoOutput): VideoOutput {
  const { format, path } = output;
  if (!FORMATS.includes(format)) {
    throw new RangeError(`video format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  if (typeof path !== 'string' || path.length === 0) throw new RangeError('video output path is empty');
  return { format, path };
}

/** Checks a video's frame size and rate; throws `RangeError`. Shared with `concatClips`. */
export function checkVideoFrames(width: number, height: number, fps: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    // Even, because H.264 and VP9 store chroma at half resolution (yuv420p / yuva420p).
    if (!Number.isInteger(value) || value < 16 || value > MAX_SIDE || value % 2 !== 0) {
      throw new RangeError(`video ${name} must be an even integer in 16..${MAX_SIDE}, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps < 1 || fps > 60)
    throw new RangeError(`video fps must be 1..60, got ${fps}`);
}
