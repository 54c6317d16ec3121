/**
 * Errors the SDK raises itself. Business failures reported by the server arrive as `IvhError` (from
 * `@dhuman/protocol`); these cover what the IVH envelope cannot say.
 */

/** How much of a bad response body an error keeps: enough to recognise a proxy's HTML page, not a whole one. */
const EXCERPT_CHARS = 200;

/**
 * The request did not yield an IVH envelope: no response at all (network failure or timeout, `status` 0), a
 * non-2xx status, or a body that is not `{Header:{Code,Message,…},Payload:{…}}`. The real service answers every
 * outcome with HTTP 200 and a `Header.Code`, so this always means something between client and server broke.
 */
export class TransportError extends Error {
  /** HTTP status of the response, or 0 when none arrived. */
  readonly status: number;
  /** The start of the response body ('' when none arrived). */
  readonly bodyExcerpt: string;

  constructor(message: string, status: number, body = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.status = status;
    this.bodyExcerpt = body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS)}…` : body;
  }
}

/** `waitUntilReady` ran out of time while the session was still preparing. */
export class WaitTimeoutError extends Error {
  readonly sessionId: string;
  /** The `SessionStatus` of the last `statsession` answer. */
  readonly lastStatus: number;

  constructor(sessionId: string, timeoutMs: number, lastStatus: number) {
    super(`session ${sessionId} not ready after ${timeoutMs} ms (last SessionStatus ${lastStatus})`);
    this.name = 'WaitTimeoutError';
    this.sessionId = sessionId;
    this.lastStatus = lastStatus;
  }
}
