/** How much of a plain-text error body becomes the message: a sentence, not a whole proxy page. */
const MESSAGE_CHARS = 300;

/**
 * The WHEP endpoint did not give a stream: a status other than the expected one (`status`), or no answer at all
 * (`status` 0, the network failure as `cause`). `message` is the server's own text when it sent one, e.g.
 * "server is full" with `code` 100008 on a 503.
 */
export class WhepError extends Error {
  /** HTTP status of the answer; 0 when none arrived. */
  readonly status: number;
  /** The IVH error code of a JSON body (`{Code, Message}`), when there was one. */
  readonly code: number | undefined;

  constructor(message: string, status: number, code?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WhepError';
    this.status = status;
    this.code = code;
  }
}

/** The error for an answer with `status` and body `text`; `where` (e.g. "WHEP POST") names it when the body is mute. */
export function whepErrorFrom(where: string, status: number, text: string): WhepError {
  const fallback = `${where}: HTTP ${status}`;
  const json = parseJson(text);
  if (json) {
    // dhuman answers `{Code, Message}`; an IVH envelope (`{Header: {Code, Message}}`) is read the same way.
    const source = isRecord(json['Header']) ? json['Header'] : json;
    const code = typeof source['Code'] === 'number' ? source['Code'] : undefined;
    const message = typeof source['Message'] === 'string' && source['Message'] ? source['Message'] : fallback;
    return new WhepError(message, status, code);
  }
  const plain = text.trim();
  // An HTML page (a proxy's, a framework's default) says nothing a person should read in a status line.
  if (plain === '' || plain.startsWith('<')) return new WhepError(fallback, status);
  const message = plain.length > MESSAGE_CHARS ? `${plain.slice(0, MESSAGE_CHARS)}…` : plain;
  return new WhepError(message, status);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
