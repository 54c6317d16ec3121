import { sign } from '@dhuman/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ok, startFakeIvhServer, type FakeIvhServer } from '../test/fake-ivh-server.js';
import { DhumanClient } from './client.js';

const SM = '/v2/ivh/sessionmanager/sessionmanagerservice';
const COMMAND_CHANNEL = '/v2/ws/ivh/interactdriver/interactdriverservice/commandchannel';
const HEX32: unknown = expect.stringMatching(/^[0-9a-f]{32}$/);

let server: FakeIvhServer;
let sdk: DhumanClient;
beforeEach(async () => {
  server = await startFakeIvhServer();
  sdk = new DhumanClient({ baseUrl: server.baseUrl, appkey: 'ak1', accesstoken: 'secret-token' });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

function sent() {
  const request = server.requests.at(-1);
  if (!request) throw new Error('no request recorded');
  const { ReqId, ...payload } = (JSON.parse(request.rawBody) as { Payload: Record<string, unknown> }).Payload;
  return { path: request.path, payload, ReqId };
}

describe('session API', () => {
  const create = {
    VirtualmanProjectId: 'p1',
    UserId: 'u1',
    Protocol: 'webrtc',
    DriverType: 1,
    Timeout: 180,
  } as const;
  const byAsset = {
    AssetVirtualmanKey: 'vk1',
    UserId: 'u1',
    Protocol: 'rtmp',
    SpeechParam: { Speed: 1.2 },
  } as const;

  it.each([
    ['createSession', () => sdk.createSession(create), `${SM}/createsession`, create],
    ['createSessionByAsset', () => sdk.createSessionByAsset(byAsset), `${SM}/createsessionbyasset`, byAsset],
    ['statSession', () => sdk.statSession('m1'), `${SM}/statsession`, { SessionId: 'm1' }],
    ['startSession', () => sdk.startSession('m1'), `${SM}/startsession`, { SessionId: 'm1' }],
    ['closeSession', () => sdk.closeSession('m1'), `${SM}/closesession`, { SessionId: 'm1' }],
    ['listSessions', () => sdk.listSessions(), `${SM}/listsessionofuin`, {}],
    [
      'listSessionsOfProject',
      () => sdk.listSessionsOfProject('p1'),
      `${SM}/listsessionofprojectid`,
      { VirtualmanProjectId: 'p1' },
    ],
    [
      'listSessionsOfAsset',
      () => sdk.listSessionsOfAsset('vk1'),
      `${SM}/listsessionofassetvk`,
      { AssetVirtualmanKey: 'vk1' },
    ],
    [
      'describeActionConfig',
      () => sdk.describeActionConfig('p1', 'hello'),
      '/v2/ivh/virtualmanconfig/virtualmanconfigopen/describeactionconfigcommanddetail',
      { VirtualmanKey: 'p1', Type: 'command', Reply: 'hello' },
    ],
  ] as const)('%s posts to its path with its Payload', async (_name, invoke, path, payload) => {
    await invoke();
    expect(sent()).toEqual({ path, payload, ReqId: HEX32 });
  });

  it('describeActionConfig sends an empty Reply when none is given', async () => {
    await sdk.describeActionConfig('p1');
    expect(sent().payload).toEqual({ VirtualmanKey: 'p1', Type: 'command', Reply: '' });
  });

  it('createSession returns the new session and keeps a caller ReqId', async () => {
    const answer = { ReqId: 'r1', SessionId: 'm9', SessionStatus: 3, PlayStreamAddr: '' };
    server.respond = () => ok(answer);
    expect(await sdk.createSession({ ...create, ReqId: 'r1' })).toEqual(answer);
    expect(sent().ReqId).toBe('r1');
  });

  it('call() reaches any path and resolves with its Payload', async () => {
    server.respond = () => ok({ Anything: [1, 2] });
    const payload = await sdk.call<{ Anything: number[] }>('/dhuman/custom', { X: 1 });
    expect(payload.Anything).toEqual([1, 2]);
    expect(sent()).toMatchObject({ path: '/dhuman/custom', payload: { X: 1 } });
  });
});

describe('signedUrl', () => {
  it('gives a ws:// URL for /v2/ws/ paths with requestid signed (spec vector V3)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1717639699_000);
    const v3 = new DhumanClient({
      baseUrl: server.baseUrl,
      appkey: 'example_appkey',
      accesstoken: 'example_accesstoken',
    });
    const url = await v3.signedUrl(COMMAND_CHANNEL, { requestid: 'example_requestid' });
    expect(url).toBe(
      `${server.baseUrl.replace('http:', 'ws:')}${COMMAND_CHANNEL}` +
        '?appkey=example_appkey&requestid=example_requestid&timestamp=1717639699' +
        '&signature=QVenICk0VHtHGYZKXM6IC%2BW1CjZC1joSr%2Fx0gfKKYT4%3D',
    );
  });

  it('signs requestid together with appkey and timestamp', async () => {
    const url = new URL(await sdk.signedUrl(COMMAND_CHANNEL, { requestid: 'm1' }));
    expect(url.protocol).toBe('ws:');
    expect(url.searchParams.get('requestid')).toBe('m1');
    expect(await sign(url.searchParams, 'secret-token')).toBe(url.searchParams.get('signature'));
    expect(await sign({ ...Object.fromEntries(url.searchParams), requestid: 'm2' }, 'secret-token')).not.toBe(
      url.searchParams.get('signature'),
    );
  });

  it('keeps http(s) for other paths and wss for an https base', async () => {
    expect(await sdk.signedUrl(`${SM}/statsession`)).toMatch(
      new RegExp(`^${server.baseUrl}${SM}/statsession\\?appkey=ak1&timestamp=\\d+&signature=`),
    );
    const tls = new DhumanClient({
      baseUrl: 'https://ivh.example.com/prefix/',
      appkey: 'a',
      accesstoken: 't',
    });
    expect(await tls.signedUrl(COMMAND_CHANNEL, { requestid: 'm1' })).toMatch(
      /^wss:\/\/ivh\.example\.com\/prefix\/v2\/ws\/ivh\/.*\/commandchannel\?appkey=a&requestid=m1&timestamp=\d+&signature=/,
    );
  });
});

describe('constructor', () => {
  it.each([
    ['a non-http base URL', { baseUrl: 'ftp://host' }],
    ['a base URL that is not a URL', { baseUrl: 'localhost:8080' }],
    ['a base URL with a query', { baseUrl: 'http://host/?x=1' }],
    ['an empty appkey', { appkey: '' }],
    ['an empty accesstoken', { accesstoken: '' }],
    ['a zero timeout', { timeoutMs: 0 }],
  ])('rejects %s', (_name, override) => {
    const options = { baseUrl: 'http://127.0.0.1:1', appkey: 'a', accesstoken: 't', ...override };
    expect(() => new DhumanClient(options)).toThrow(TypeError);
  });
});
