import { join } from 'node:path';
import { ERRORS, IvhError, type ErrorEntry } from '@dhuman/protocol';
import { decodeAudioFile } from './audio-speech.js';
import { checkClipFile } from './clip-check.js';
import { checkImageFile } from './image-check.js';
import { downloadRemoteFile, RemoteFileError } from './remote-file.js';

/** Bounds on what a task fetches. The audio ones are IVH's (100 MB, 10 minutes [C]). */
export interface VideoInputLimits {
  audioBytes: number;
  audioMs: number;
  imageBytes: number;
  /** Longest side of a background or logo image. */
  imageSide: number;
  clipBytes: number;
  downloadTimeoutMs: number;
}

export const DEFAULT_VIDEO_INPUT_LIMITS: VideoInputLimits = {
  audioBytes: 100 * 1024 * 1024,
  audioMs: 10 * 60_000,
  imageBytes: 20 * 1024 * 1024,
  imageSide: 8192,
  clipBytes: 500 * 1024 * 1024,
  downloadTimeoutMs: 120_000,
};

/** A failed download or unusable file as the task's failure, naming the Payload field it came from. */
function inputFailure(error: unknown, field: string, entry: ErrorEntry): unknown {
  if (error instanceof RemoteFileError) return new IvhError(entry, `Payload.${field}: ${error.message}`);
  return error;
}

/** Fetches one task's remote inputs into its work folder. */
export class VideoInputs {
  constructor(
    private readonly workDir: string,
    private readonly limits: VideoInputLimits,
    private readonly signal: AbortSignal,
  ) {}

  /** `InputAudioUrl` downloaded, checked and decoded to session-rate PCM. */
  async audio(url: string): Promise<Int16Array> {
    const path = join(this.workDir, 'input-audio');
    try {
      await downloadRemoteFile(url, path, {
        maxBytes: this.limits.audioBytes,
        timeoutMs: this.limits.downloadTimeoutMs,
        signal: this.signal,
      });
      return await decodeAudioFile(path, { maxDurationMs: this.limits.audioMs, signal: this.signal });
    } catch (error) {
      throw inputFailure(error, 'InputAudioUrl', ERRORS.INVALID_PARAMETER_VALUE);
    }
  }

  /** A background or logo image (IVH's image-download code when it cannot be fetched or is no image). */
  async image(url: string, name: string, field: string): Promise<string> {
    const path = join(this.workDir, name);
    try {
      await downloadRemoteFile(url, path, {
        maxBytes: this.limits.imageBytes,
        timeoutMs: this.limits.downloadTimeoutMs,
        signal: this.signal,
      });
      await checkImageFile(path, { maxSide: this.limits.imageSide, signal: this.signal });
      return path;
    } catch (error) {
      throw inputFailure(error, field, ERRORS.IMAGE_DOWNLOAD_FAILED);
    }
  }

  /** An intro or outro clip in a plain video container (see `checkClipFile`); ffmpeg decodes it later. */
  async clip(url: string, name: string, field: string): Promise<string> {
    const path = join(this.workDir, name);
    try {
      await downloadRemoteFile(url, path, {
        maxBytes: this.limits.clipBytes,
        timeoutMs: this.limits.downloadTimeoutMs,
        signal: this.signal,
      });
      await checkClipFile(path, { signal: this.signal });
      return path;
    } catch (error) {
      throw inputFailure(error, field, ERRORS.INVALID_PARAMETER_VALUE);
    }
  }
}
