import type { VideoProgressListener } from './video-types.js';

/** At most ten reports a second: enough for a progress bar, and cheap for a listener that writes to a database. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Wraps a progress listener so it hears at most one report per `intervalMs`, plus always the last frame. A
 * throwing listener is ignored: a broken progress display must not fail the render.
 */
export function throttleProgress(
  listener: VideoProgressListener | undefined,
  totalFrames: number,
  intervalMs = PROGRESS_INTERVAL_MS,
  now: () => number = () => performance.now(),
): (framesEncoded: number) => void {
  if (!listener) return () => undefined;
  let last = -Infinity;
  return (framesEncoded) => {
    const at = now();
    if (framesEncoded < totalFrames && at - last < intervalMs) return;
    last = at;
    try {
      listener({ framesEncoded, totalFrames });
    } catch {
      // See above: progress is informational.
    }
  };
}
