import { randomBytes } from 'node:crypto';

/**
 * Request ids: a random per-process prefix and a counter, so ids from two processes never collide in shared
 * logs and generating one costs nothing on the hot path.
 */
export function newRequestIdGenerator(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  return () => `${prefix}-${(++counter).toString(36)}`;
}

/** The URL with the values of `signature` and `token` (a stream's play token) replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:signature|token)=)[^&]*/g, '$1[redacted]');
}
