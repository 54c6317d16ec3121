import { IvhError } from '@dhuman/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok, sequence, startFakeIvhServer, type FakeIvhServer } from '../test/fake-ivh-server.js';
import { DhumanClient } from './client.js';
import { WaitTimeoutError } from './errors.js';

let server: FakeIvhServer;
let sdk: DhumanClient;
beforeEach(async () => {
  server = await startFakeIvhServer();
  sdk = new DhumanClient({ baseUrl: server.baseUrl, appkey: 'ak1', accesstoken: 'secret-token' });
});
afterEach(() => server.close());

function stat(SessionStatus: number, ErrorCode = 0, ErrorMessage = '') {
  return ok({
    ReqId: 'r',
    SessionId: 'm1',
    SessionStatus,
    IsSessionStarted: false,
    PlayStreamAddr: SessionStatus === 1 ? 'rtmp://host/live/m1' : '',
    ErrorCode,
    ErrorMessage,
  });
}

describe('waitUntilReady', () => {
  it('polls statsession until status 1 and returns that answer', async () => {
    server.respond = sequence(stat(3), stat(3), stat(3), stat(1));
    const ready = await sdk.waitUntilReady('m1', { intervalMs: 10 });
    expect(ready).toMatchObject({ SessionStatus: 1, PlayStreamAddr: 'rtmp://host/live/m1' });
    expect(server.requests).toHaveLength(4);
    expect(server.requests.every((r) => r.path.endsWith('/statsession'))).toBe(true);
  });

  it('rejects with the session ErrorCode when creation fails (status 4)', async () => {
    server.respond = sequence(stat(3), stat(4, -111003, 'avatar model failed to load: no such model'));
    const error: unknown = await sdk.waitUntilReady('m1', { intervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IvhError);
    expect(error).toMatchObject({ code: -111003, errorName: 'AVATAR_LOAD_FAILED', detail: 'no such model' });
  });

  it('rejects with SESSION_CLOSED when the session closed without an ErrorCode (status 2)', async () => {
    server.respond = sequence(stat(2));
    await expect(sdk.waitUntilReady('m1')).rejects.toMatchObject({
      code: 110013,
      errorName: 'SESSION_CLOSED',
    });
  });

  it('rejects with a WaitTimeoutError when the session stays preparing', async () => {
    server.respond = sequence(stat(3));
    const started = Date.now();
    const error: unknown = await sdk
      .waitUntilReady('m1', { timeoutMs: 150, intervalMs: 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ sessionId: 'm1', lastStatus: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('passes a statsession error through', async () => {
    server.respond = () => ({
      json: { Header: { Code: 110018, Message: 'session does not exist: no session m1' }, Payload: {} },
    });
    await expect(sdk.waitUntilReady('m1')).rejects.toMatchObject({ code: 110018, detail: 'no session m1' });
  });
});
