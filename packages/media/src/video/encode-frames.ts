import type { RenderFrame } from '../render/avatar-frame-renderer.js';
import type { UtteranceBlendshapes } from '../render/frame-timing.js';
import { videoFramePts, weightsAt } from '../render/frame-timing.js';
import type { FramePlan } from './frame-plan.js';
import { frameAudio } from './frame-plan.js';

/** The part of `AvatarFrameRenderer` the loop uses. */
export interface VideoFrameRenderer {
  readonly maxInFlight: number;
  render(frame: RenderFrame): Promise<Uint8Array>;
  /** Takes back a frame it drew once ffmpeg has it (see `AvatarFrameRenderer.recycle`). */
  recycle?(rgba: Uint8Array): void;
}

/** The part of `FfmpegEncoder` the loop uses (one write in flight per input). */
export interface VideoEncoderInput {
  writeFrame(rgba: Uint8Array): Promise<void>;
  writeAudio(pcm: Int16Array): Promise<void>;
}

/**
 * Renders and writes every frame of `plan` as fast as ffmpeg takes them, not paced to any clock.
 *
 * The workers keep drawing ahead (each up to its `maxInFlight` frames) while ffmpeg takes the current one, so
 * drawing and encoding overlap on different cores. With several renderers, frame i goes to renderer i mod n:
 * frames depend only on their own time, so any worker can draw any frame, and taking them in turn keeps each
 * within its in-flight limit. Each frame is written with the audio that plays during it, both at
 * once: ffmpeg needs both inputs to advance, and this keeps them within one frame of each other. `onFrame(n)` is
 * called once frame n-1 and its audio have been accepted by ffmpeg's pipes: the backpressure is the write
 * promises, so the count never runs ahead of what ffmpeg has. A written frame goes back to its renderer to be
 * drawn over, so a run allocates a handful of frame buffers, not one per frame.
 *
 * The mouth at each frame is `weightsAt` the frame's time, the interpolation the live stream draws with; idle
 * motion (blinks, breathing) runs on the same time. A failed render or write rejects; frames already asked of
 * the renderer are then dropped by the caller closing it.
 */
export async function encodeFrames(
  renderers: readonly VideoFrameRenderer[],
  encoder: VideoEncoderInput,
  plan: FramePlan,
  mouth: UtteranceBlendshapes,
  audio: Int16Array,
  onFrame: (framesEncoded: number) => void,
): Promise<void> {
  const count = renderers.length;
  if (count === 0) throw new RangeError('encodeFrames needs at least one renderer');
  // Round-robin: frames i .. i + count × depth - 1 put exactly `depth` frames on each renderer.
  const depth = Math.min(...renderers.map((r) => r.maxInFlight));
  const ahead: Promise<Uint8Array>[] = [];
  let next = 0;
  const request = (index: number): Promise<Uint8Array> => {
    const ptsMs = videoFramePts(index, plan.fps);
    const renderer = renderers[index % count] as VideoFrameRenderer;
    const frame = renderer.render({ weights: weightsAt(mouth, ptsMs), timeSec: ptsMs / 1000 });
    // Awaited in order below; if an earlier frame fails first, this one must not surface as unhandled.
    frame.catch(() => undefined);
    return frame;
  };
  for (let index = 0; index < plan.totalFrames; index++) {
    while (next < plan.totalFrames && ahead.length < count * depth) ahead.push(request(next++));
    const pending = ahead.shift();
    if (!pending) throw new Error(`frame ${index} was never requested`);
    const rgba = await pending;
    await Promise.all([encoder.writeFrame(rgba), encoder.writeAudio(frameAudio(plan, audio, index))]);
    // The pipe has the bytes now: the worker may draw a later frame into this buffer.
    renderers[index % count]?.recycle?.(rgba);
    onFrame(index + 1);
  }
}
