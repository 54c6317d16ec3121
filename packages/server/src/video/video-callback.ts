import type { VideoCallbackBody } from '@dhuman/protocol';

/** The receiver has this long to answer; the docs promise one POST and no retry, so it is not waited on longer. */
export const CALLBACK_TIMEOUT_MS = 10_000;

export interface CallbackOutcome {
  ok: boolean;
  /** HTTP status, or the transport failure. */
  detail: string;
}

/** The URL as it may be logged: a query string can carry the receiver's own secret. */
export function callbackLabel(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/**
 * POSTs a finished task's result to its `CallbackUrl`, once (spec §6.1: "single POST, no retry"). Redirects are
 * not followed, so a callback cannot be bounced to another address. Never throws: the outcome is for the log.
 */
export async function postCallback(
  url: string,
  body: VideoCallbackBody,
  timeoutMs = CALLBACK_TIMEOUT_MS,
): Promise<CallbackOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read: close it so the connection can be reused or freed.
    await response.body?.cancel().catch(() => undefined);
    return { ok: response.status >= 200 && response.status < 300, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
