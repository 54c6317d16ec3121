import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import { call, signedUrl, startTestServer, type TestServer } from './harness.js';

interface Refusal {
  status: number;
  body: { Header: { Code: number; Message: string }; Payload: object };
}

/** Opens a WebSocket and resolves with the HTTP refusal of its upgrade (status and envelope body). */
function refusal(url: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
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
