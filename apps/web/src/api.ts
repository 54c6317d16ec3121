import { IvhError, signedQuery } from '@dhuman/client';

/**
 * The few dhuman calls the demo page makes besides the player: listing projects and avatars (signed in the
 * browser with WebCrypto, so the accesstoken never leaves it) and asking for a short-lived dev credential.
 */

export interface Credential {
  appkey: string;
  accesstoken: string;
}

export interface ProjectInfo {
  ProjectId: string;
  Name: string;
  AvatarKey: string;
  Voice: string;
}

export interface AvatarInfo {
  AvatarKey: string;
  Name: string;
  Builtin: boolean;
  DefaultVoice?: string;
}

export interface DevToken {
  AppKey: string;
  AccessToken: string;
  /** Unix seconds. */
  ExpiresAt: number;
}

/** The server could not be reached, or answered with something that is not an IVH envelope. */
export class NetworkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

const REQUEST_TIMEOUT_MS = 10_000;

interface Envelope {
  Header: { Code: number; Message: string; RequestID?: string };
  Payload: Record<string, unknown>;
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const { Header, Payload } = value as Record<string, unknown>;
  if (typeof Header !== 'object' || Header === null) return false;
  const { Code, Message } = Header as Record<string, unknown>;
  return (
    typeof Code === 'number' &&
    typeof Message === 'string' &&
    typeof Payload === 'object' &&
    Payload !== null &&
    !Array.isArray(Payload)
  );
}

export class DemoApi {
  readonly #base: string;
  readonly #fetch: FetchLike;

  /** `baseUrl` is the page's own origin in production; `fetchFn` is replaceable for tests. */
  constructor(baseUrl: string, fetchFn?: FetchLike) {
    this.#base = baseUrl.replace(/\/+$/, '');
    // The global fetch must be called unbound-free (a method call on another object is "Illegal invocation").
    this.#fetch = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Projects the credential may use; also the cheapest way to check a credential. */
  async listProjects(credential: Credential): Promise<ProjectInfo[]> {
    const payload = await this.#signedGet('/dhuman/projects', credential);
    return Array.isArray(payload.Projects) ? (payload.Projects as ProjectInfo[]) : [];
  }

  async listAvatars(credential: Credential): Promise<AvatarInfo[]> {
    const payload = await this.#signedGet('/dhuman/avatars', credential);
    return Array.isArray(payload.Avatars) ? (payload.Avatars as AvatarInfo[]) : [];
  }

  /** The avatar manifest stored under `key`, as JSON (the player validates it). */
  async getAvatar(credential: Credential, key: string): Promise<unknown> {
    const payload = await this.#signedGet(`/dhuman/avatars/${encodeURIComponent(key)}`, credential);
    return payload.Avatar;
  }

  /** A temporary credential; the server grants it only to a browser on the same machine. */
  async devToken(): Promise<DevToken> {
    const payload = await this.#request(`${this.#base}/dhuman/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const { AppKey, AccessToken, ExpiresAt } = payload;
    if (typeof AppKey !== 'string' || typeof AccessToken !== 'string' || typeof ExpiresAt !== 'number') {
      throw new NetworkError('the server answered the dev-token request without a credential');
    }
    return { AppKey, AccessToken, ExpiresAt };
  }

  async #signedGet(path: string, credential: Credential): Promise<Record<string, unknown>> {
    // Signed per request: the server accepts a timestamp only within a few minutes of its clock.
    const query = await signedQuery({ appkey: credential.appkey, accesstoken: credential.accesstoken });
    return this.#request(`${this.#base}${path}?${query}`, { method: 'GET' });
  }

  async #request(url: string, init: RequestInit): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new NetworkError('could not reach the dhuman server', { cause: error });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new NetworkError(`the server answered HTTP ${response.status} without JSON`, { cause: error });
    }
    if (!isEnvelope(body))
      throw new NetworkError(`the server answered HTTP ${response.status} with no envelope`);
    if (body.Header.Code !== 0)
      throw IvhError.fromWire(body.Header.Code, body.Header.Message, body.Header.RequestID);
    return body.Payload;
  }
}

/** One line for an inline error: the IVH code first when there is one, so it can be looked up. */
export function describeError(error: unknown): string {
  if (error instanceof IvhError) return `Error ${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
