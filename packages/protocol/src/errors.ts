/**
 * The one error catalogue of the IVH wire contract (spec §2.3), shared by server, SDK and docs.
 *
 * Every entry has the numeric code clients see in `Header.Code` (or `ErrorCode`), a stable UPPER_SNAKE name
 * that never changes meaning, and the default message. A message on the wire reads `"<message>: <detail>"`;
 * Tencent's Web SDK shows the part after the first `:`, so the detail is what a person reads.
 */
export interface ErrorEntry {
  readonly code: number;
  readonly name: string;
  readonly message: string;
  /** Which IVH service documents the code. */
  readonly service: 'interactive' | 'video' | 'both';
  /** HTTP status used only where HTTP has to carry a status: a refused WebSocket upgrade. */
  readonly upgradeStatus: number;
}

function entry(
  code: number,
  name: string,
  message: string,
  service: ErrorEntry['service'],
  upgradeStatus = 400,
): ErrorEntry {
  return Object.freeze({ code, name, message, service, upgradeStatus });
}

export const ERRORS = Object.freeze({
  OK: entry(0, 'OK', 'success', 'both', 200),
  INTERNAL_SYSTEM_ERROR: entry(100000, 'INTERNAL_SYSTEM_ERROR', 'internal system error', 'both', 500),
  INTERNAL_SYSTEM_ERROR_NEGATIVE: entry(
    -100000,
    'INTERNAL_SYSTEM_ERROR_NEGATIVE',
    'internal system error',
    'interactive',
    500,
  ),
  INTERNAL_ERROR: entry(-101000, 'INTERNAL_ERROR', 'internal error', 'interactive', 500),
  RENDER_CAPACITY_EXHAUSTED: entry(
    -101001,
    'RENDER_CAPACITY_EXHAUSTED',
    'not enough rendering compute',
    'interactive',
    503,
  ),
  IMAGE_DOWNLOAD_FAILED: entry(-101002, 'IMAGE_DOWNLOAD_FAILED', 'image download failed', 'interactive', 502),
  STORAGE_REQUEST_FAILED: entry(-101003, 'STORAGE_REQUEST_FAILED', 'storage request failed', 'video', 502),
  STREAM_UPDATE_FAILED: entry(
    -111001,
    'STREAM_UPDATE_FAILED',
    'updating stream parameters failed',
    'interactive',
    500,
  ),
  CONNECTION_DROPPED: entry(
    -111002,
    'CONNECTION_DROPPED',
    'connection dropped abnormally',
    'interactive',
    500,
  ),
  AVATAR_LOAD_FAILED: entry(-111003, 'AVATAR_LOAD_FAILED', 'avatar model failed to load', 'interactive', 500),
  STREAM_CREATE_TIMEOUT: entry(
    -111004,
    'STREAM_CREATE_TIMEOUT',
    'internal stream-creation timeout',
    'interactive',
    504,
  ),
  DRIVE_FAILED: entry(-111005, 'DRIVE_FAILED', 'error while driving with text or audio', 'interactive', 500),
  // dhuman extensions: dialogue engines and speech recognition (issue 7). IVH documents no codes for them.
  DIALOGUE_FAILED: entry(-112001, 'DIALOGUE_FAILED', 'the dialogue engine failed', 'interactive', 502),
  DIALOGUE_TIMEOUT: entry(
    -112002,
    'DIALOGUE_TIMEOUT',
    'the dialogue engine did not answer in time',
    'interactive',
    504,
  ),
  SPEECH_RECOGNITION_FAILED: entry(
    -112003,
    'SPEECH_RECOGNITION_FAILED',
    'speech recognition failed',
    'interactive',
    502,
  ),
  INVALID_PARAMETER: entry(100001, 'INVALID_PARAMETER', 'request parameter error', 'both', 400),
  INVALID_PARAMETER_VALUE: entry(100002, 'INVALID_PARAMETER_VALUE', 'bad parameter value', 'video', 400),
  MISSING_PARAMETER: entry(100003, 'MISSING_PARAMETER', 'missing parameter', 'video', 400),
  UNAUTHORIZED: entry(100005, 'UNAUTHORIZED', 'unauthorised operation', 'both', 401),
  CONCURRENCY_LIMIT_EXCEEDED: entry(
    100008,
    'CONCURRENCY_LIMIT_EXCEEDED',
    'concurrency limit exceeded',
    'both',
    429,
  ),
  RESOURCE_NOT_FOUND: entry(100009, 'RESOURCE_NOT_FOUND', 'resource does not exist', 'video', 404),
  TOO_FREQUENT: entry(100012, 'TOO_FREQUENT', 'requests too frequent', 'interactive', 429),
  NO_DURATION_PACKAGE: entry(100013, 'NO_DURATION_PACKAGE', 'no valid duration package', 'video', 402),
  CONCURRENCY_QUOTA_INSUFFICIENT: entry(
    100014,
    'CONCURRENCY_QUOTA_INSUFFICIENT',
    'concurrency quota insufficient or expired',
    'interactive',
    429,
  ),
  ASSET_EXPIRED: entry(100015, 'ASSET_EXPIRED', 'avatar asset expired', 'interactive', 410),
  DUPLICATE_RECORD: entry(110005, 'DUPLICATE_RECORD', 'record already exists', 'video', 409),
  TASK_NOT_FOUND: entry(110006, 'TASK_NOT_FOUND', 'record or task does not exist', 'video', 404),
  VIRTUALMAN_KEY_EXPIRED: entry(110007, 'VIRTUALMAN_KEY_EXPIRED', 'virtualman key expired', 'video', 410),
  SESSION_CLOSED: entry(110013, 'SESSION_CLOSED', 'session already closed', 'interactive', 410),
  SESSION_NOT_READY: entry(110014, 'SESSION_NOT_READY', 'session not ready', 'interactive', 409),
  DRIVE_WRONG_MOMENT: entry(
    110015,
    'DRIVE_WRONG_MOMENT',
    'drive command sent at the wrong moment, not processed',
    'interactive',
    409,
  ),
  SESSION_NOT_STARTED: entry(
    110016,
    'SESSION_NOT_STARTED',
    'drive command to a session that was not started',
    'interactive',
    409,
  ),
  SESSION_NOT_FOUND: entry(110018, 'SESSION_NOT_FOUND', 'session does not exist', 'interactive', 404),
  TRTC_ARREARS: entry(110021, 'TRTC_ARREARS', 'TRTC account in arrears', 'interactive', 402),
  SESSION_TAKEN_OVER: entry(
    110022,
    'SESSION_TAKEN_OVER',
    'session closed because a new session was created with the same UserId',
    'interactive',
    409,
  ),
});

export type ErrorName = keyof typeof ERRORS;

const byCode = new Map<number, ErrorEntry>(Object.values(ERRORS).map((e) => [e.code, e]));

/** The catalogue entry of a numeric code, or undefined for a code the catalogue does not know. */
export function errorByCode(code: number): ErrorEntry | undefined {
  return byCode.get(code);
}

/** Formats the wire message of an error: the entry's message, then the detail after `": "`. */
export function formatErrorMessage(entry: ErrorEntry, detail?: string): string {
  return detail ? `${entry.message}: ${detail}` : entry.message;
}

/**
 * An error that travels over the wire as an IVH code. The server throws it from handlers; the SDK rebuilds it
 * from a response so callers can branch on `code` or `name`.
 */
export class IvhError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly detail: string | undefined;
  /** The trace id of the response that carried it, when one did. */
  readonly requestId: string | undefined;

  constructor(entry: ErrorEntry, detail?: string, requestId?: string) {
    super(formatErrorMessage(entry, detail));
    this.name = 'IvhError';
    this.code = entry.code;
    this.errorName = entry.name;
    this.detail = detail;
    this.requestId = requestId;
  }

  /** Rebuilds an error from a wire code and message (codes outside the catalogue keep their number). */
  static fromWire(code: number, message: string, requestId?: string): IvhError {
    const known = errorByCode(code);
    const entry = known ?? { code, name: 'UNKNOWN', message, service: 'both', upgradeStatus: 500 };
    const prefix = `${entry.message}: `;
    const detail = message.startsWith(prefix)
      ? message.slice(prefix.length)
      : message === entry.message
        ? undefined
        : message;
    return new IvhError(entry, detail, requestId);
  }
}
