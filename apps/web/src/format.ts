/** Small pure formatters for the page's status texts. */

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `14:03:07.042`, local time: log entries of one utterance are often milliseconds apart. */
export function formatClock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `14:03`, local time. */
export function formatHourMinute(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "expires at 14:03 (in 59 min)" or "expired at 14:03" for a credential's unix-seconds expiry. */
export function describeExpiry(expiresAtSec: number, nowMs: number): string {
  const at = new Date(expiresAtSec * 1000);
  const leftMs = at.getTime() - nowMs;
  if (leftMs <= 0) return `expired at ${formatHourMinute(at)}`;
  const minutes = Math.floor(leftMs / 60_000);
  const left = minutes >= 1 ? `in ${minutes} min` : 'in less than a minute';
  return `expires at ${formatHourMinute(at)} (${left})`;
}

/** A long text cut to `max` characters on a word boundary when one is near, with an ellipsis. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  if (flat[max - 1] === ' ') return `${cut}…`;
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/** `7ae7…71a8`: enough of an appkey to recognise it without putting it on screen whole. */
export function abbreviateKey(key: string): string {
  return key.length <= 10 ? key : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
