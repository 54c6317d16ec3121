import { WhepError } from '@dhuman/client';

/**
 * Words for what happened to a server-rendered stream, shared by the player page (play.ts) and the demo page's
 * server-stream panel, so both say the same thing for the same failure.
 */

/** One line for a failure to start or keep a stream: the server's own message, with what it is about. */
export function describeStreamFailure(error: unknown): string {
  if (error instanceof WhepError) {
    if (error.status === 0) return `Cannot reach the server: ${error.message}`;
    if (error.code !== undefined) return `Error ${error.code}: ${error.message}`;
    const what = WHAT_STATUS_MEANS[error.status];
    return what ? `${what}: ${error.message}` : `${error.message} (HTTP ${error.status})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

const WHAT_STATUS_MEANS: Partial<Record<number, string>> = {
  403: 'Not allowed (wrong or missing play token)',
  404: 'No such live session',
  503: 'The server cannot take another stream now',
};

/** The connection will not come back: `failed` (ICE gave up) or `closed`. `disconnected` may still recover. */
export function isConnectionGone(state: RTCPeerConnectionState): boolean {
  return state === 'failed' || state === 'closed';
}
