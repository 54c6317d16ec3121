import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import { call, postRaw, signedUrl, startTestServer, type TestServer } from './harness.js';

const P = SESSION_PATHS;
const valid = { VirtualmanProjectId: 'demo', UserId: 'u', Protocol: 'webrtc' };

describe('bad input gets the IVH envelope, HTTP 200 and a message naming the problem', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  async function raw(path: string, body: string | undefined, headers?: Record<string, string>) {
    const res = await postRaw(await signedUrl(server.url, path), body, headers);
    expect(res.status).toBe(200);
    expect(Number.isInteger(res.json.Header.Code)).toBe(true);
    expect(res.json.Payload).toBeTypeOf('object');
    return res.json;
  }

  it.each([
    ['non-JSON body', '{"Payload": ', /not valid JSON/],
    ['an empty body', '', /body is empty/],
    ['a JSON array', '[1,2]', /body/],
    ['a missing Payload', '{"Header":{}}', /body\.Payload is required/],
    ['a string Payload', '{"Payload":"x"}', /body\.Payload/],
  ])('%s → 100001', async (_name, body, message) => {
    const json = await raw(P.createsession, body);
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(message);
  });

  it('accepts a missing Header as {}', async () => {
    const json = await raw(P.listsessionofuin, JSON.stringify({ Payload: {} }));
    expect(json.Header.Code).toBe(0);
  });

  it('accepts JSON sent with another or no content type', async () => {
    const body = JSON.stringify({ Payload: { ReqId: 'x' } });
    expect((await raw(P.listsessionofuin, body, { 'content-type': 'text/plain' })).Header.Code).toBe(0);
    expect((await raw(P.listsessionofuin, body, {})).Header.Code).toBe(0);
  });

  it.each([
    ['UserId as a number', { ...valid, UserId: 5 }, /Payload\.UserId/],
    ['a missing UserId', { VirtualmanProjectId: 'demo', Protocol: 'webrtc' }, /Payload\.UserId is required/],
    ['a UserId over 1024 characters', { ...valid, UserId: 'x'.repeat(1025) }, /Payload\.UserId/],
    ['an uppercase Protocol', { ...valid, Protocol: 'WEBRTC' }, /Payload\.Protocol/],
    ['DriverType 2', { ...valid, DriverType: 2 }, /Payload\.DriverType/],
    ['DriverType as a string', { ...valid, DriverType: '1' }, /Payload\.DriverType/],
    ['StreamMaxInterval below 2000', { ...valid, StreamMaxInterval: 1999 }, /Payload\.StreamMaxInterval/],
    ['StreamMaxInterval above 6000', { ...valid, StreamMaxInterval: 6001 }, /Payload\.StreamMaxInterval/],
    ['a ReqId over 128 characters', { ...valid, ReqId: 'r'.repeat(129) }, /Payload\.ReqId/],
    [
      'a non-rtmp CssCustomPushUrl',
      { ...valid, ProtocolOption: { CssCustomPushUrl: 'http://x/y' } },
      /CssCustomPushUrl/,
    ],
    ['an unknown project', { ...valid, VirtualmanProjectId: 'nope' }, /VirtualmanProjectId "nope"/],
    ['trtc', { ...valid, Protocol: 'trtc' }, /"trtc".*"webrtc" or "rtmp"/],
    [
      'AlphaChannelEnable (streams are H.264: no alpha)',
      { ...valid, ExtraInfo: { AlphaChannelEnable: true } },
      /AlphaChannelEnable.*no alpha/,
    ],
  ])('createsession with %s → 100001', async (_name, payload, message) => {
    const json = await call(server.url, P.createsession, { ReqId: 'abc', ...payload });
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(message);
    if (!('ReqId' in payload)) expect(json.Payload).toEqual({ ReqId: 'abc' });
  });

  it('accepts UserId of exactly 1024 characters, Timeout, unknown fields and a float Volume', async () => {
    const json = await call(server.url, P.createsessionbyasset, {
      AssetVirtualmanKey: 'demo',
      UserId: 'x'.repeat(1024),
      Protocol: 'rtmp',
      Timeout: 180,
      Data: { Type: 0 },
      SpeechParam: { Volume: 1.5 },
      ExtraInfo: { AlphaChannelEnable: false, UserInfo: 'legacy' },
    });
    expect(json.Header.Code).toBe(0);
  });

  it('refuses an unknown asset with 100001', async () => {
    const json = await call(server.url, P.createsessionbyasset, {
      AssetVirtualmanKey: 'ghost',
      UserId: 'u',
      Protocol: 'rtmp',
    });
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(/AssetVirtualmanKey "ghost"/);
  });

  it.each([
    ['a missing SessionId', {}, /Payload\.SessionId is required/],
    ['a SessionId with odd characters', { SessionId: '../x' }, /Payload\.SessionId/],
  ])('statsession with %s → 100001', async (_name, payload, message) => {
    const json = await call(server.url, P.statsession, payload);
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(message);
  });

  it('answers an unknown session id with 110018', async () => {
    for (const path of [P.statsession, P.startsession, P.closesession]) {
      const json = await call(server.url, path, { SessionId: 'm123' });
      expect(json.Header.Code, path).toBe(110018);
    }
  });

  it('refuses a body over 1 MiB with 100001', async () => {
    const body = JSON.stringify({ Payload: { UserId: 'x'.repeat(1024 * 1024) } });
    const json = await raw(P.createsession, body);
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(/larger than 1048576 bytes/);
  });

  it('answers unknown paths and wrong methods with the envelope', async () => {
    const unknown = await raw('/v2/ivh/nosuch/api', '{"Payload":{}}');
    expect(unknown.Header.Code).toBe(100001);
    expect(unknown.Header.Message).toMatch(/no API at POST \/v2\/ivh\/nosuch\/api/);
    const res = await fetch(await signedUrl(server.url, P.statsession));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { Header: { Code: number; Message: string }; Payload: object };
    expect(json.Header.Code).toBe(100001);
    expect(json.Header.Message).toMatch(/GET is not allowed.*use POST/);
    expect(json.Payload).toEqual({});
  });

  it('echoes the client Header.RequestID', async () => {
    const json = await raw(
      P.listsessionofuin,
      JSON.stringify({ Header: { RequestID: 'trace-1' }, Payload: {} }),
    );
    expect(json.Header.RequestID).toBe('trace-1');
  });

  it('never leaks a stack trace', async () => {
    const json = await raw(P.createsession, '{"Payload": {"UserId": {"__proto__": {"x": 1}}}}');
    expect(json.Header.Message).not.toMatch(/\n\s+at /);
  });
});
