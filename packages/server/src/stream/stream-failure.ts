import { FfmpegEncoderError, AvatarRenderError } from '@dhuman/media';

/** URL query strings (push secrets such as `txSecret`) and user-info never leave the server. */
function redact(text: string): string {
  // Greedy up to the last "@" before the path, as ffmpeg splits user-info: a password may hold an "@".
  return text.replace(/(rtmps?:\/\/)[^\s/]*@/g, '$1').replace(/(rtmps?:\/\/\S*?)\?\S*/g, '$1?…');
}

/** Redacts first, then shortens: a cut inside a URL would leave a credential the patterns no longer find. */
function clip(text: string): string {
  return redact(text).slice(0, 300);
}

/**
 * What a session is told when its stream fails: the kind of failure and ffmpeg's last line, with any URL's
 * query and credentials cut out (an RTMP push URL carries its secret in the query).
 */
export function streamFailureMessage(error: unknown): string {
  if (error instanceof FfmpegEncoderError) {
    const detail = error.stderr.at(-1);
    const what =
      error.code === 'spawn_failed'
        ? 'the encoder (ffmpeg) could not start'
        : error.signal
          ? `the encoder (ffmpeg) was killed (${error.signal})`
          : `the encoder (ffmpeg) exited with code ${error.exitCode ?? '?'}`;
    return redact(`the live stream stopped: ${what}${detail ? `: ${clip(detail)}` : ''}`);
  }
  if (error instanceof AvatarRenderError)
    return `the live stream stopped: the avatar renderer failed (${error.code})`;
  if (error instanceof Error) return `the live stream stopped: ${clip(error.message)}`;
  return 'the live stream stopped';
}
