import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_PATHS, signedQuery } from '@dhuman/protocol';
import { loadConfig, startServer, type RunningServer, type ServerConfig } from '@dhuman/server';

export const APPKEY = 'testappkey0000000000000000000001';
export const TOKEN = 'testaccesstoken00000000000000001';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Stops the server and deletes its data dir. */
  dispose(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'dhuman-test-'));
}

/** A real server on 127.0.0.1, port 0, with a fresh data dir and one known credential. */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir = tempDataDir(),
): Promise<TestServer> {
  const config: ServerConfig = loadConfig({
    DHUMAN_PORT: '0',
    DHUMAN_DATA_DIR: dataDir,
    DHUMAN_LOG_LEVEL: 'silent',
    DHUMAN_TTS_WORKERS: '1',
    DHUMAN_APPKEY: APPKEY,
    DHUMAN_ACCESSTOKEN: TOKEN,
    // One embedded RTMP server per process at most: only the tests that need it turn it on.
    DHUMAN_RTMP_PORT: 'off',
    // Room for the streams a test opens, whatever the machine's cores (the admission test sets its own).
    DHUMAN_STREAM_CAPACITY: '8',
    ...env,
  });
  const server = await startServer(config);
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Envelope {
  Header: { Code: number; Message: string; RequestID: string; SessionID?: string };
  Payload: Record<string, unknown>;
}

export interface CallOptions {
  appkey?: string;
  token?: string;
  timestamp?: number;
  extra?: Record<string, string>;
  headers?: Record<string, string>;
}

export async function signedUrl(base: string, path: string, options: CallOptions = {}): Promise<string> {
  const query = await signedQuery({
    appkey: options.appkey ?? APPKEY,
    accesstoken: options.token ?? TOKEN,
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
    ...(options.extra && { extra: options.extra }),
  });
  return `${base}${path}?${query}`;
}

/** POSTs a raw body to a signed URL and returns HTTP status and parsed JSON. */
export async function postRaw(
  url: string,
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json;charset=utf-8' },
): Promise<{ status: number; json: Envelope }> {
  const res = await fetch(url, { method: 'POST', headers, ...(body !== undefined && { body }) });
  return { status: res.status, json: (await res.json()) as Envelope };
}

/** A signed IVH call with `{Header:{}, Payload}`; asserts nothing, returns the envelope. */
export async function call(
  base: string,
  path: string,
  payload: Record<string, unknown>,
  options: CallOptions = {},
): Promise<Envelope> {
  const url = await signedUrl(base, path, options);
  const { status, json } = await postRaw(url, JSON.stringify({ Header: {}, Payload: payload }), {
    'content-type': 'application/json;charset=utf-8',
    ...options.headers,
  });
  if (status !== 200) throw new Error(`HTTP ${status}`);
  return json;
}

export function reqId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type DhumanMethod = 'GET' | 'PUT' | 'DELETE';

/** A signed call to one of dhuman's own routes under /dhuman/; the body, when given, is `{Header:{}, Payload}`. */
export async function callDhuman(
  base: string,
  method: DhumanMethod,
  path: string,
  payload?: Record<string, unknown>,
  options: CallOptions = {},
): Promise<Envelope> {
  const url = await signedUrl(base, path, options);
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(payload !== undefined && { body: JSON.stringify({ Header: {}, Payload: payload }) }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as Envelope;
}

/** Polls statsession until the session leaves PREPARING; returns the final stat payload. */
export async function settledStat(
  base: string,
  sessionId: string,
  options: CallOptions = {},
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const stat = await call(base, SESSION_PATHS.statsession, { SessionId: sessionId }, options);
    return stat.Payload.SessionStatus === 3 ? undefined : stat.Payload;
  }, timeoutMs);
}
