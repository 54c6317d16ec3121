import type { StreamTokens } from '../stream/play-tokens.js';

export const MEDIA_PREFIX = '/dhuman/media/';
/** Task ids and the file names the video module writes: nothing that could climb out of a task's folder. */
export const MEDIA_TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MEDIA_FILE = /^[A-Za-z0-9_-]{1,64}\.(mp4|webm|mov|mp3|srt)$/;

/**
 * Download links of finished tasks: `/dhuman/media/<TaskId>/<file>?expires=<unix s>&token=<hmac>`. The token is an
 * HMAC (under the data dir's secret) of the task, file and expiry, so a link works without any other credential,
 * survives a restart, stops working when the task's files are deleted, and cannot be edited into another file's.
 */
export class MediaLinks {
  constructor(
    private readonly tokens: StreamTokens,
    private readonly baseUrl: () => string,
  ) {}

  /** `expiresAt` in ms since the epoch (the task's deletion time). */
  url(taskId: string, file: string, expiresAt: number): string {
    const expires = Math.floor(expiresAt / 1000);
    const token = this.tokens.token(subject(taskId, file, expires), 'media');
    return `${this.baseUrl()}${MEDIA_PREFIX}${taskId}/${file}?expires=${expires}&token=${token}`;
  }

  /** Constant time over the token; false for a malformed or past expiry. */
  verify(taskId: string, file: string, expires: unknown, token: unknown, now: number): boolean {
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires)) return false;
    const seconds = Number(expires);
    if (seconds * 1000 <= now) return false;
    return this.tokens.verify(subject(taskId, file, seconds), token, 'media');
  }
}

function subject(taskId: string, file: string, expires: number): string {
  return `${taskId}/${file}:${expires}`;
}
