import { BLENDSHAPE_FRAME_MS, BLENDSHAPE_NAMES } from '@dhuman/protocol';

/** The stream's default video rate: one frame per blendshape frame (40 ms). */
export const DEFAULT_VIDEO_FPS = 25;

/**
 * The blendshape frames of one utterance, placed on the session's media clock. Frame `i` describes the mouth at
 * `startMs + i * BLENDSHAPE_FRAME_MS`; each frame holds `BLENDSHAPE_NAMES.length` weights in that order.
 */
export interface UtteranceBlendshapes {
  /** Media-clock time (ms) at which the utterance's audio starts. */
  startMs: number;
  frames: readonly ArrayLike<number>[];
}

/** The media-clock time (ms) of video frame `index` at `fps` frames per second; frame 0 is at 0 ms. */
export function videoFramePts(index: number, fps: number = DEFAULT_VIDEO_FPS): number {
  assertFps(fps);
  return (index * 1000) / fps;
}

/** The index of the video frame shown at media-clock time `ptsMs` (the last frame whose pts is not after it). */
export function videoFrameIndexAt(ptsMs: number, fps: number = DEFAULT_VIDEO_FPS): number {
  assertFps(fps);
  // The epsilon keeps a pts computed by videoFramePts (e.g. 33.333… ms at 30 fps) on its own frame.
  return Math.max(0, Math.floor((ptsMs * fps) / 1000 + 1e-9));
}

/**
 * The mouth weights to draw at media-clock time `ptsMs`, or null (rest) when no utterance covers it.
 *
 * Frames are samples at their own times and are interpolated linearly between neighbours, so any video rate
 * works (at 25 fps and an utterance starting on a frame boundary, each video frame lands exactly on one
 * blendshape frame). After the last frame the weights ease to rest over one frame period (the "frame" after the
 * last one is all zeros), so the mouth closes instead of snapping shut; from `startMs + frames.length * 40`
 * on, and before `startMs`, the answer is null.
 */
export function weightsAt(utterance: UtteranceBlendshapes | null, ptsMs: number): Float32Array | null {
  if (!utterance || utterance.frames.length === 0) return null;
  const position = (ptsMs - utterance.startMs) / BLENDSHAPE_FRAME_MS;
  if (!(position >= 0) || position >= utterance.frames.length) return null;
  const index = Math.floor(position);
  const fraction = position - index;
  const from = utterance.frames[index];
  const to = utterance.frames[index + 1];
  const out = new Float32Array(BLENDSHAPE_NAMES.length);
  for (let channel = 0; channel < out.length; channel++) {
    const a = from?.[channel] ?? 0;
    const b = to?.[channel] ?? 0;
    out[channel] = a + (b - a) * fraction;
  }
  return out;
}

/** The weights for video frame `index` at `fps` (see `weightsAt`). */
export function weightsForVideoFrame(
  utterance: UtteranceBlendshapes | null,
  index: number,
  fps: number = DEFAULT_VIDEO_FPS,
): Float32Array | null {
  return weightsAt(utterance, videoFramePts(index, fps));
}

function assertFps(fps: number): void {
  if (!(fps > 0) || !Number.isFinite(fps))
    throw new RangeError(`video fps must be a positive number, got ${fps}`);
}
