/**
 * How a video of a given speech length is cut into frames and audio. The video runs for whole frames, and the
 * audio is padded with silence to exactly the same length, so neither stream outlasts the other in the file.
 */
export interface FramePlan {
  fps: number;
  sampleRate: number;
  totalFrames: number;
  /** Audio samples in the file: `totalFrames` frame periods' worth. */
  totalSamples: number;
  /** The file's duration in ms (whole frames). */
  durationMs: number;
}

/** Frames covering the speech plus the tail, rounded up to a whole frame; at least one. */
export function planFrames(speechMs: number, tailMs: number, fps: number, sampleRate: number): FramePlan {
  // The epsilon keeps an exact multiple of the frame period (e.g. 2000 ms at 25 fps) from gaining a frame.
  const totalFrames = Math.max(1, Math.ceil(((speechMs + tailMs) * fps) / 1000 - 1e-9));
  return {
    fps,
    sampleRate,
    totalFrames,
    totalSamples: frameSampleStart(totalFrames, fps, sampleRate),
    durationMs: (totalFrames * 1000) / fps,
  };
}

/** The first audio sample of frame `index`; rounding per frame boundary, so the spans never drift. */
export function frameSampleStart(index: number, fps: number, sampleRate: number): number {
  return Math.round((index * sampleRate) / fps);
}

/** The audio that plays during frame `index` (a view of `audio`, which holds `plan.totalSamples`). */
export function frameAudio(plan: FramePlan, audio: Int16Array, index: number): Int16Array {
  return audio.subarray(
    frameSampleStart(index, plan.fps, plan.sampleRate),
    frameSampleStart(index + 1, plan.fps, plan.sampleRate),
  );
}

/** `pcm` cut or padded with silence to the plan's length. */
export function fitAudio(plan: FramePlan, pcm: Int16Array): Int16Array {
  if (pcm.length === plan.totalSamples) return pcm;
  const out = new Int16Array(plan.totalSamples);
  out.set(pcm.subarray(0, plan.totalSamples));
  return out;
}
