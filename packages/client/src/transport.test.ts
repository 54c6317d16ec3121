import { IvhError, sign } from '@dhuman/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fail, ok, startFakeIvhServer, type FakeIvhServer } from '../test/fake-ivh-server.js';
import { DhumanClient } from './client.js';
import { TransportError } from './errors.js';

// The spec's vector V2 (§1.4): at this timestamp the HTTP signature contains `+` and `=`.
const V2 = {
  appkey: 'example_appkey',
  accesstoken: 'example_accesstoken',
  nowMs: 1717639699_000,
  encoded: 'aCNWYzZdplxWVo%2BJsqzZc9%2BJ9XrwWWITfX3eQpsLVno%3D',
};

const HEX32: unknown = expect.stringMatching(/^[0-9a-f]{32}$/);

let server: FakeIvhServer;
beforeEach(async () => {
  server = await startFakeIvhServer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

function client(options: Partial<ConstructorParameters<typeof DhumanClient>[0]> = {}) {
  return new DhumanClient({
    baseUrl: server.baseUrl,
    appkey: 'ak1',
    accesstoken: 'secret-token',
    ...options,
  });
}

function lastRequest() {
  const request = server.requests.at(-1);
  if (!request) throw new Error('no request recorded');
  return request;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('signing', () => {
  it('signs every request with appkey, timestamp and a verifiable signature', async () => {
    await client().statSession('m1');
    const { query } = lastRequest();
    expect([...query.keys()]).toEqual(['appkey', 'timestamp', 'signature']);
    expect(query.get('appkey')).toBe('ak1');
    expect(Math.abs(Number(query.get('timestamp')) - Date.now() / 1000)).toBeLessThan(5);
    expect(await sign(query, 'secret-token')).toBe(query.get('signature'));
  });

  it('percent-encodes + and = in the signature (spec vector V2)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(V2.nowMs);
    await client({ appkey: V2.appkey, accesstoken: V2.accesstoken }).listSessions();
    const { rawQuery, query } = lastRequest();
    expect(rawQuery).toBe(`appkey=example_appkey&timestamp=1717639699&signature=${V2.encoded}`);
    expect(await sign(query, V2.accesstoken)).toBe(query.get('signature'));
  });

  it('signs each call afresh', async () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(V2.nowMs);
    const sdk = client();
    await sdk.listSessions();
    now.mockReturnValue(V2.nowMs + 61_000);
    await sdk.listSessions();
    const [first, second] = server.requests;
    expect(first?.query.get('timestamp')).toBe('1717639699');
    expect(second?.query.get('timestamp')).toBe('1717639760');
    expect(second?.query.get('signature')).not.toBe(first?.query.get('signature'));
  });
});

describe('request', () => {
  it('POSTs {"Header":{},"Payload":…} as JSON with a generated 32-hex ReqId', async () => {
    await client().statSession('m1');
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/ivh/sessionmanager/sessionmanagerservice/statsession');
    expect(request.headers['content-type']).toBe('application/json;charset=utf-8');
    const body = JSON.parse(request.rawBody) as { Header: unknown; Payload: { ReqId: string } };
    expect(Object.keys(body)).toEqual(['Header', 'Payload']);
    expect(body.Header).toEqual({});
    expect(body.Payload).toEqual({ SessionId: 'm1', ReqId: HEX32 });
  });

  it('uses a new ReqId per call and keeps one the caller gives', async () => {
    const sdk = client();
    await sdk.listSessions();
    await sdk.listSessions();
    await sdk.call('/v2/ivh/sessionmanager/sessionmanagerservice/listsessionofuin', { ReqId: 'mine' });
    const ids = server.requests.map(
      (r) => (JSON.parse(r.rawBody) as { Payload: { ReqId: string } }).Payload.ReqId,
    );
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe('mine');
  });

  it('sends the Language header only when configured', async () => {
    await client().listSessions();
    expect(lastRequest().headers['language']).toBeUndefined();
    await client({ language: 'en-US' }).listSessions();
    expect(lastRequest().headers['language']).toBe('en-US');
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push(input instanceof Request ? input.url : input.toString());
      return fetch(input, init);
    };
    await client({ fetch: spy }).listSessions();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/ivh\/.*\/listsessionofuin\?appkey=ak1&/);
  });
});

describe('response', () => {
  it('resolves with the Payload of a Code 0 envelope', async () => {
    server.respond = () => ok({ ReqId: 'r', Sessions: [{ SessionId: 'm1' }] });
    expect(await client().listSessions()).toEqual({ ReqId: 'r', Sessions: [{ SessionId: 'm1' }] });
  });

  it('turns Code != 0 into an IvhError with the catalogue name and the detail', async () => {
    server.respond = () => fail(110018, 'session does not exist: no session m1', 'gz-trace-1');
    const error = await rejection(client().statSession('m1'));
    expect(error).toBeInstanceOf(IvhError);
    expect(error).toMatchObject({
      code: 110018,
      errorName: 'SESSION_NOT_FOUND',
      detail: 'no session m1',
      requestId: 'gz-trace-1',
      message: 'session does not exist: no session m1',
    });
  });

  it('keeps the number of a code outside the catalogue', async () => {
    server.respond = () => fail(123456, 'something new');
    const error = await rejection(client().listSessions());
    expect(error).toMatchObject({ code: 123456, errorName: 'UNKNOWN' });
  });

  it('rejects a non-2xx status with a TransportError, even when it carries an envelope', async () => {
    server.respond = () => ({ status: 502, text: '<html>Bad Gateway</html>' });
    const error = await rejection(client().listSessions());
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ status: 502, bodyExcerpt: '<html>Bad Gateway</html>' });

    server.respond = () => ({ ...(ok({}) as { json: unknown }), status: 500 });
    expect(await rejection(client().listSessions())).toMatchObject({ name: 'TransportError', status: 500 });
  });

  it.each([
    ['text that is not JSON', { text: 'OK' }],
    ['JSON without a Header', { json: { Payload: {} } }],
    ['a Header without an integer Code', { json: { Header: { Code: '0', Message: '' }, Payload: {} } }],
    ['an envelope without a Payload', { json: { Header: { Code: 0, Message: '' } } }],
  ])('rejects %s with a TransportError', async (_name, reply) => {
    server.respond = () => reply;
    const error = await rejection(client().listSessions());
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ status: 200 });
    expect((error as TransportError).message).toMatch(/listsessionofuin/);
  });

  it('cuts a long body down to an excerpt', async () => {
    server.respond = () => ({ status: 503, text: 'x'.repeat(5000) });
    const error = (await rejection(client().listSessions())) as TransportError;
    expect(error.bodyExcerpt.length).toBeLessThan(250);
  });

  it('rejects with a TransportError (status 0) when the server does not answer in time', async () => {
    server.respond = () => 'hang';
    const error = await rejection(client({ timeoutMs: 100 }).listSessions());
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ status: 0 });
    expect((error as TransportError).message).toMatch(/timed out after 100 ms/);
  });

  it('rejects with a TransportError (status 0) when nothing listens', async () => {
    const gone = await startFakeIvhServer();
    const baseUrl = gone.baseUrl;
    await gone.close();
    const error = await rejection(
      new DhumanClient({ baseUrl, appkey: 'a', accesstoken: 't' }).listSessions(),
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ status: 0 });
  });
});
