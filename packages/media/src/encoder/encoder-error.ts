/**
 * Why an encoder failed:
 * - `spawn_failed`: ffmpeg could not be started (not installed, see scripts/system-packages.mjs);
 * - `exited`: ffmpeg exited with a non-zero code (bad output, refused RTMP push, invalid input);
 * - `killed`: ffmpeg died from a signal nobody in this process sent;
 * - `timeout`: `end()` waited too long for ffmpeg to finish and killed it;
 * - `not_running`: a write or `end()` came before `start()` or after the process ended;
 * - `write_pending`: a write to an input whose previous write has not resolved (see `FfmpegEncoder`).
 */
export type FfmpegEncoderErrorCode =
  'spawn_failed' | 'exited' | 'killed' | 'timeout' | 'not_running' | 'write_pending';

export interface FfmpegEncoderErrorDetails {
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr, oldest first. */
  stderr?: string[];
  cause?: unknown;
}

export class FfmpegEncoderError extends Error {
  override readonly name = 'FfmpegEncoderError';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: readonly string[];

  constructor(
    readonly code: FfmpegEncoderErrorCode,
    message: string,
    details: FfmpegEncoderErrorDetails = {},
  ) {
    const last = details.stderr?.at(-1);
    super(last === undefined ? message : `${message}: ${last}`, { cause: details.cause });
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? [];
  }
}
