import { ERRORS, IvhError, SESSION_STATUS, type StatSessionResponse } from '@dhuman/protocol';
import { WaitTimeoutError } from './errors.js';
import type { WaitUntilReadyOptions } from './types.js';

// Sessions are usually ready within seconds (spec §9.2: one client gives up after 10 s), so 30 s covers a cold
// avatar load without hiding a hung one; 2D small-sample avatars can take up to 2 min (spec §3.7) and need a
// longer timeoutMs. 200 ms keeps the added latency small at the cost of a few cheap stat calls.
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_INTERVAL_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error a session that ended while we waited stands for: its own ErrorCode, or a generic one if it has none. */
function endedError(sessionId: string, stat: StatSessionResponse): IvhError {
  if (stat.ErrorCode !== 0) return IvhError.fromWire(stat.ErrorCode, stat.ErrorMessage);
  return stat.SessionStatus === SESSION_STATUS.CLOSED
    ? new IvhError(ERRORS.SESSION_CLOSED, `session ${sessionId} closed before it was ready`)
    : new IvhError(ERRORS.INTERNAL_ERROR, `session ${sessionId} failed to start`);
}

/**
 * Polls `stat` until the session is ready (status 1) and returns that answer. Status 2 (closed) or 4 (failed)
 * throws an `IvhError`; still preparing when the time is up throws `WaitTimeoutError`.
 */
export async function waitUntilReady(
  sessionId: string,
  stat: (sessionId: string) => Promise<StatSessionResponse>,
  options: WaitUntilReadyOptions = {},
): Promise<StatSessionResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await stat(sessionId);
    const status: number = answer.SessionStatus;
    if (status === SESSION_STATUS.READY) return answer;
    if (status === SESSION_STATUS.CLOSED || status === SESSION_STATUS.FAILED)
      throw endedError(sessionId, answer);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new WaitTimeoutError(sessionId, timeoutMs, status);
    // The last sleep is cut short so one final poll happens right at the deadline.
    await sleep(Math.min(intervalMs, remaining));
  }
}
