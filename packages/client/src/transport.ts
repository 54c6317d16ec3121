import { IvhError, responseEnvelopeSchema, signedQuery } from '@dhuman/protocol';
import { TransportError } from './errors.js';
import { joinUrl, normalizeBaseUrl } from './urls.js';

export type Language = 'zh-CN' | 'en-US';

export interface TransportOptions {
  baseUrl: string;
  appkey: string;
  accesstoken: string;
  fetch?: typeof fetch | undefined;
  language?: Language | undefined;
  timeoutMs?: number | undefined;
}

/** The header every IVH POST carries (spec §1.1). */
const CONTENT_TYPE = 'application/json;charset=utf-8';
const DEFAULT_TIMEOUT_MS = 10_000;

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/**
 * One signed POST per call: `{"Header":{},"Payload":…}` in, the `Payload` of a `Code` 0 envelope out. Knows
 * nothing about individual APIs; `DhumanClient` builds on it.
 */
export class Transport {
  readonly #base: string;
  readonly #appkey: string;
  readonly #accesstoken: string;
  readonly #fetch: typeof fetch;
  readonly #language: Language | undefined;
  readonly #timeoutMs: number;

  constructor(options: TransportOptions) {
    if (!options.appkey) throw new TypeError('appkey is required');
    if (!options.accesstoken) throw new TypeError('accesstoken is required');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new TypeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    // Browsers throw "Illegal invocation" when the global fetch is called as a method of another object, so the
    // default is wrapped rather than stored bare; it is looked up per call so a later polyfill is honoured.
    const custom = options.fetch;
    this.#fetch = custom ?? ((input, init) => globalThis.fetch(input, init));
    this.#base = normalizeBaseUrl(options.baseUrl);
    this.#appkey = options.appkey;
    this.#accesstoken = options.accesstoken;
    this.#language = options.language;
    this.#timeoutMs = timeoutMs;
  }

  /** The absolute URL of `path` with a fresh `appkey`/`timestamp`/`signature` query (plus `extra`, signed too). */
  async signedUrl(path: string, extra?: Readonly<Record<string, string>>): Promise<string> {
    const query = await signedQuery({ appkey: this.#appkey, accesstoken: this.#accesstoken, extra });
    return joinUrl(this.#base, path, query);
  }

  /** POSTs `payload` to `path` and returns the response `Payload`, or throws `IvhError` / `TransportError`. */
  async post<P>(path: string, payload: Readonly<Record<string, unknown>>): Promise<P> {
    // Signed per request: the timestamp must be within 5 minutes of the server's clock (spec §1.2).
    const url = await this.signedUrl(path);
    const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPE };
    if (this.#language) headers['Language'] = this.#language;
    const fetchFn = this.#fetch;
    const where = `POST ${path}`;

    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ Header: {}, Payload: payload }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = isTimeout(error) ? `timed out after ${this.#timeoutMs} ms` : 'request failed';
      throw new TransportError(`${where}: ${reason}`, 0, '', { cause: error });
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const reason = isTimeout(error) ? `timed out after ${this.#timeoutMs} ms` : 'reading the body failed';
      throw new TransportError(`${where}: HTTP ${response.status}, ${reason}`, response.status, '', {
        cause: error,
      });
    }
    return payloadOf<P>(where, response.status, response.ok, text);
  }
}

/**
 * The `Payload` of an IVH response body, once the HTTP status, the JSON and the envelope are checked: throws
 * `TransportError` when no envelope came back and `IvhError` when its `Header.Code` is not 0. The envelope is
 * checked; the Payload's fields are the server's contract (session-api.ts) and trusted.
 */
export function payloadOf<P>(where: string, status: number, ok: boolean, text: string): P {
  if (!ok) throw new TransportError(`${where}: HTTP ${status}`, status, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TransportError(`${where}: response is not JSON`, status, text, { cause: error });
  }
  const envelope = responseEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new TransportError(`${where}: response is not an IVH envelope`, status, text, {
      cause: envelope.error,
    });
  }
  const { Code, Message, RequestID } = envelope.data.Header;
  if (Code !== 0) throw IvhError.fromWire(Code, Message, RequestID || undefined);
  return envelope.data.Payload as P;
}
