import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import { call, signedUrl, startTestServer, type TestServer } from './harness.js';

interface Refusal {
  status: number;
  body: { Header: { Code: number; Message: string }; Payload: object };
}

/** Opens a WebSocket and resolves with the HTTP refusal of its upgrade (status and envelope body). */
function refusal(url: string, options: WebSocket.ClientOptions = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.on('unexpected-response', (_req, res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Refusal['body'] }),
      );
    });
    ws.on('error', () => undefined);
  });
}

/** Opens a WebSocket; resolves with 'open' or the HTTP status that refused it. */
function outcome(url: string, options: WebSocket.ClientOptions = {}): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

describe('WebSocket upgrades are authenticated in the upgrade step', () => {
  let server: TestServer;
  let wsBase: string;
  beforeAll(async () => {
    server = await startTestServer();
    wsBase = server.url.replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('refuses an unsigned upgrade with 401 and the 100005 envelope', async () => {
    const r = await refusal(`${wsBase}${DRIVE_PATHS.commandChannel}?requestid=m1`);
    expect(r.status).toBe(401);
    expect(r.body.Header.Code).toBe(100005);
    expect(r.body.Header.Message).toMatch(/"appkey" is missing/);
    expect(r.body.Payload).toEqual({});
  });

  it('refuses a bad signature with 401', async () => {
    const url = await signedUrl(wsBase, DRIVE_PATHS.commandChannel, {
      extra: { requestid: 'm1' },
      token: 'wrong-token',
    });
    const r = await refusal(url);
    expect(r.status).toBe(401);
    expect(r.body.Header.Message).toMatch(/signature does not match/);
  });

  it('answers a signed upgrade to a path with no channel with 404 and 100001', async () => {
    const url = await signedUrl(wsBase, '/v2/ws/ivh/nosuch', { extra: { requestid: 'm1' } });
    const r = await refusal(url);
    expect(r.status).toBe(404);
    expect(r.body.Header.Code).toBe(100001);
  });

  it('hands a signed upgrade to the registered channel with the verified caller', async () => {
    const seen: string[] = [];
    server.upgrades.register('/v2/ws/test/echo', (_request, socket, _head, caller) => {
      seen.push(`${caller.appkey}:${caller.query.get('requestid') ?? ''}`);
      socket.end('HTTP/1.1 418 Teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    });
    const url = await signedUrl(wsBase, '/v2/ws/test/echo', { extra: { requestid: 'm42' } });
    const r = await refusal(url);
    expect(r.status).toBe(418);
    expect(seen).toEqual([`${server.credential.credential.appkey}:m42`]);
  });

  it('refuses a media tap for an unknown session, a malformed path, or another appkey’s session', async () => {
    const unknown = await refusal(await signedUrl(wsBase, '/dhuman/ws/sessions/m123/media'));
    expect(unknown).toMatchObject({ status: 404, body: { Header: { Code: 110018 } } });
    const malformed = await refusal(await signedUrl(wsBase, '/dhuman/ws/sessions/m123/video'));
    expect(malformed.status).toBe(404);
    const created = await call(server.url, SESSION_PATHS.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: 'tap-owner',
      Protocol: 'webrtc',
    });
    server.store.putCredential({
      appkey: 'tapstranger0001',
      accesstoken: 'tapstrangertoken',
      name: '',
      maxSessions: null,
      createdAt: Date.now(),
      revokedAt: null,
    });
    const foreign = await refusal(
      await signedUrl(wsBase, `/dhuman/ws/sessions/${String(created.Payload.SessionId)}/media`, {
        appkey: 'tapstranger0001',
        token: 'tapstrangertoken',
      }),
    );
    expect(foreign).toMatchObject({ status: 404, body: { Header: { Code: 110018 } } });
  });
});

// Browsers send the page's Origin with a WebSocket upgrade but apply no CORS to it: with an origin list in
// DHUMAN_CORS_ORIGINS, sockets used to open from any page anyway.
describe('WebSocket upgrades and DHUMAN_CORS_ORIGINS', () => {
  let server: TestServer;
  let wsBase: string;
  const engineUrl = () => signedUrl(wsBase, DRIVE_PATHS.driverEngine, { extra: { requestid: 'm1' } });
  beforeAll(async () => {
    server = await startTestServer({ DHUMAN_CORS_ORIGINS: 'https://shop.example, http://localhost:5173' });
    wsBase = server.url.replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('refuses a signed upgrade from an origin not in the list with 403, before checking the signature', async () => {
    const r = await refusal(await engineUrl(), { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.Header.Code).toBe(100005);
    expect(r.body.Header.Message).toMatch(/origin https:\/\/evil\.example .*DHUMAN_CORS_ORIGINS/);
    const unsigned = await refusal(`${wsBase}${DRIVE_PATHS.driverEngine}`, { origin: 'null' });
    expect(unsigned.status).toBe(403);
  });

  it('lets listed origins, the server’s own pages and clients without an Origin through', async () => {
    expect(await outcome(await engineUrl(), { origin: 'https://shop.example' })).toBe('open');
    expect(await outcome(await engineUrl(), { origin: 'http://LOCALHOST:5173' })).toBe('open');
    expect(await outcome(await engineUrl(), { origin: new URL(server.url).origin })).toBe('open');
    expect(await outcome(await engineUrl())).toBe('open');
  });
});

describe('WebSocket upgrades with the default DHUMAN_CORS_ORIGINS (*)', () => {
  it('accept any Origin', async () => {
    const server = await startTestServer();
    try {
      const url = await signedUrl(server.url.replace(/^http/, 'ws'), DRIVE_PATHS.driverEngine, {
        extra: { requestid: 'm1' },
      });
      expect(await outcome(url, { origin: 'https://anywhere.example' })).toBe('open');
    } finally {
      await server.dispose();
    }
  });
});
