import { request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import {
  APPKEY,
  call,
  callDhuman,
  signedUrl,
  startTestServer,
  tempDataDir,
  type CallOptions,
  type Envelope,
  type TestServer,
} from './harness.js';
import { spawnServe, type ServeProcess } from './cli-process.js';

// POST /dhuman/dev/token: a temporary credential for the demo page on this machine, acting for the server's
// own appkey. Only loopback peers with a loopback Host and a JSON body get one (DNS rebinding, form posts).
const PATH = '/dhuman/dev/token';

interface Issued {
  AppKey: string;
  AccessToken: string;
  ExpiresAt: number;
}

/** A raw HTTP request, so the test controls the Host header (fetch does not let it be set). */
function rawPost(
  base: string,
  headers: Record<string, string>,
  body = '{}',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: Envelope }> {
  const url = new URL(PATH, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as Envelope }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function issue(base: string): Promise<Issued> {
  const res = await fetch(`${base}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const json = (await res.json()) as Envelope;
  expect(json.Header.Code, json.Header.Message).toBe(0);
  return json.Payload as unknown as Issued;
}

const as = (token: Issued): CallOptions => ({ appkey: token.AppKey, token: token.AccessToken });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dev token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('issues a one-hour credential to a loopback caller, never cached', async () => {
    const res = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const json = (await res.json()) as Envelope;
    expect(json.Header.Code).toBe(0);
    const token = json.Payload as unknown as Issued;
    expect(token.AppKey).toMatch(/^dev_[0-9a-f]{32}$/);
    expect(token.AccessToken).toMatch(/^[0-9a-f]{32}$/);
    expect(token.AccessToken).not.toBe(server.credential.credential.accesstoken);
    const inAnHour = Date.now() / 1000 + 3600;
    expect(Math.abs(token.ExpiresAt - inAnHour)).toBeLessThan(5);
  });

  it('accepts the loopback names localhost, 127.0.0.1 and [::1] with any port', async () => {
    for (const host of ['localhost', 'localhost:1234', '127.0.0.1:80', '[::1]:8080', 'LOCALHOST']) {
      const res = await rawPost(server.url, { host, 'content-type': 'application/json' });
      expect(res.json.Header.Code, host).toBe(0);
    }
  });

  it.each([
    ['a public name', 'dhuman.example.com'],
    ['a rebinding name that resolves to loopback', '127.0.0.1.nip.io:8080'],
    ['a LAN address', '192.168.1.20:8080'],
    ['a name ending like localhost', 'evil-localhost:8080'],
  ])('refuses %s in the Host header with 100005', async (_name, host) => {
    const res = await rawPost(server.url, { host, 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.json.Header.Code).toBe(100005);
    expect(res.json.Header.Message).toMatch(/loopback Host/);
    expect(res.json.Payload).toEqual({});
  });

  it('refuses a page of another origin', async () => {
    const url = new URL(server.url);
    const res = await rawPost(server.url, {
      host: url.host,
      origin: 'https://evil.example',
      'content-type': 'application/json',
    });
    expect(res.json.Header.Code).toBe(100005);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
  ])('refuses %s with 100001: only JSON gets a token', async (_name, type) => {
    const url = new URL(server.url);
    const headers: Record<string, string> = { host: url.host };
    if (type) headers['content-type'] = type;
    const res = await rawPost(server.url, headers);
    expect(res.json.Header.Code).toBe(100001);
    expect(res.json.Header.Message).toMatch(/Content-Type must be application\/json/);
  });

  it('acts for the dev appkey: its sessions and uploads belong to that appkey', async () => {
    const token = await issue(server.url);
    const created = await call(
      server.url,
      SESSION_PATHS.createsession,
      { VirtualmanProjectId: 'demo', UserId: 'dev-page', Protocol: 'webrtc' },
      as(token),
    );
    expect(created.Header.Code).toBe(0);
    const sessionId = created.Payload.SessionId as string;
    const listed = await call(server.url, SESSION_PATHS.listsessionofuin, {});
    expect((listed.Payload.Sessions as Array<{ SessionId: string }>).map((s) => s.SessionId)).toContain(
      sessionId,
    );
    expect(server.store.getSession(sessionId)?.appkey).toBe(APPKEY);
    // And the dev appkey's sessions are the token's.
    const stat = await call(server.url, SESSION_PATHS.statsession, { SessionId: sessionId }, as(token));
    expect(stat.Header.Code).toBe(0);

    const ava = (await callDhuman(server.url, 'GET', '/dhuman/avatars/ava', undefined, as(token))).Payload
      .Avatar as object;
    const put = await callDhuman(
      server.url,
      'PUT',
      '/dhuman/avatars/from-dev',
      { Avatar: { ...ava, key: 'from-dev' } },
      as(token),
    );
    expect(put.Header.Code).toBe(0);
    expect((await callDhuman(server.url, 'GET', '/dhuman/avatars/from-dev')).Header.Code).toBe(0);
    await call(server.url, SESSION_PATHS.closesession, { SessionId: sessionId });
  });

  it('opens WebSocket channels too', async () => {
    const token = await issue(server.url);
    const url = await signedUrl(server.url.replace(/^http/, 'ws'), DRIVE_PATHS.driverEngine, {
      ...as(token),
      extra: { requestid: 'dev-socket' },
    });
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    });
    ws.close();
  });
});

describe('dev token lifetime and switch', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function start(env: Record<string, string>, dataDir = tempDataDir()): Promise<TestServer> {
    if (!dirs.includes(dataDir)) dirs.push(dataDir);
    const s = await startTestServer(env, dataDir);
    servers.push(s);
    return s;
  }

  it('refuses an expired token with 100005 "credential expired", then forgets it', async () => {
    const server = await start({ DHUMAN_DEV_TOKEN_TTL_SEC: '1' });
    const token = await issue(server.url);
    const list = () => call(server.url, SESSION_PATHS.listsessionofuin, {}, as(token));
    expect((await list()).Header.Code).toBe(0);
    await sleep(1100);
    const expired = await list();
    expect(expired.Header.Code).toBe(100005);
    expect(expired.Header.Message).toMatch(/credential expired/);
    await issue(server.url); // issuing purges expired ones
    expect(server.store.getTemporaryCredential(token.AppKey)).toBeUndefined();
    expect((await list()).Header.Message).toMatch(/unknown appkey/);
  });

  it('keeps a token valid across a restart until it expires', async () => {
    const dataDir = tempDataDir();
    const first = await start({}, dataDir);
    const token = await issue(first.url);
    await first.close();
    const second = await start({}, dataDir);
    const listed = await call(second.url, SESSION_PATHS.listsessionofuin, {}, as(token));
    expect(listed.Header.Code).toBe(0);
  });

  it('DHUMAN_DEV_TOKENS=0 issues none and stops accepting those issued before', async () => {
    const dataDir = tempDataDir();
    const first = await start({}, dataDir);
    const token = await issue(first.url);
    await first.close();
    const off = await start({ DHUMAN_DEV_TOKENS: '0' }, dataDir);
    const res = await fetch(`${off.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const json = (await res.json()) as Envelope;
    expect(json.Header.Code).toBe(100005);
    expect(json.Header.Message).toMatch(/DHUMAN_DEV_TOKENS=0/);
    const refused = await call(off.url, SESSION_PATHS.listsessionofuin, {}, as(token));
    expect(refused.Header.Code).toBe(100005);
  });

  it('issues at most a burst of 10, then answers 100012', async () => {
    const server = await start({});
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      codes.push(((await res.json()) as Envelope).Header.Code);
    }
    expect(codes.slice(0, 10)).toEqual(Array<number>(10).fill(0));
    expect(codes.at(-1)).toBe(100012);
  });
});

describe('dev token secrecy in the logs', () => {
  const dataDir = tempDataDir();
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    await serve?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never writes an issued accesstoken to the log, even at trace level', async () => {
    serve = await spawnServe(['--data-dir', dataDir], { DHUMAN_LOG_LEVEL: 'trace' });
    const token = await issue(serve.url);
    await call(serve.url, SESSION_PATHS.listsessionofuin, {}, as(token));
    await sleep(200);
    expect(serve.output()).toContain(PATH);
    expect(serve.output()).not.toContain(token.AccessToken);
  });
});
