import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAvatarDir } from '@dhuman/avatar/node';
import { SESSION_PATHS } from '@dhuman/protocol';
import {
  call,
  callDhuman,
  settledStat,
  signedUrl,
  startTestServer,
  type CallOptions,
  type TestServer,
} from './harness.js';

// The avatar endpoints (contract B): built-in avatars, uploads visible to their appkey only, and uploads used
// as AssetVirtualmanKey.
const OTHER: CallOptions = { appkey: 'otherappkey00000002', token: 'othertoken000000002' };
const AVATARS = '/dhuman/avatars';

/** A valid manifest: the built-in Ava under another key. */
function manifest(key: string): Record<string, unknown> {
  const ava = JSON.parse(readFileSync(join(builtinAvatarDir(), 'ava', 'avatar.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return { ...ava, key, name: `Avatar ${key}` };
}

describe('avatar endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    server.store.putCredential({
      appkey: OTHER.appkey ?? '',
      accesstoken: OTHER.token ?? '',
      name: 'other',
      maxSessions: null,
      createdAt: Date.now(),
      revokedAt: null,
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  const put = (key: string, avatar: unknown, options?: CallOptions) =>
    callDhuman(server.url, 'PUT', `${AVATARS}/${key}`, { Avatar: avatar }, options);

  it('lists the built-in avatars and serves their manifests', async () => {
    const list = await callDhuman(server.url, 'GET', AVATARS);
    expect(list.Header.Code).toBe(0);
    const avatars = list.Payload.Avatars as Array<Record<string, unknown>>;
    expect(avatars).toEqual(
      expect.arrayContaining([
        { AvatarKey: 'ava', Name: 'Ava', Builtin: true, DefaultVoice: expect.any(String) as string },
        expect.objectContaining({ AvatarKey: 'leo', Builtin: true }),
      ]),
    );
    const one = await callDhuman(server.url, 'GET', `${AVATARS}/leo`);
    expect(one.Header.Code).toBe(0);
    expect(one.Payload.AvatarKey).toBe('leo');
    expect(one.Payload.Avatar).toMatchObject({ format: 'dhuman-avatar/1', key: 'leo' });
  });

  it('stores an upload for its appkey only, usable as AssetVirtualmanKey by that appkey alone', async () => {
    const stored = await put('mine', manifest('mine'));
    expect(stored.Header.Code).toBe(0);
    expect(stored.Payload).toMatchObject({ AvatarKey: 'mine', Avatar: { key: 'mine', name: 'Avatar mine' } });

    const list = await callDhuman(server.url, 'GET', AVATARS);
    expect(list.Payload.Avatars).toContainEqual({
      AvatarKey: 'mine',
      Name: 'Avatar mine',
      Builtin: false,
      DefaultVoice: 'en-us',
    });
    expect((await callDhuman(server.url, 'GET', `${AVATARS}/mine`)).Payload.Avatar).toMatchObject({
      key: 'mine',
    });

    // Another appkey neither sees, reads, deletes nor uses it; every answer is that of a missing key.
    const theirs = await callDhuman(server.url, 'GET', AVATARS, undefined, OTHER);
    expect((theirs.Payload.Avatars as Array<{ AvatarKey: string }>).map((a) => a.AvatarKey)).not.toContain(
      'mine',
    );
    const [read, missingRead] = await Promise.all([
      callDhuman(server.url, 'GET', `${AVATARS}/mine`, undefined, OTHER),
      callDhuman(server.url, 'GET', `${AVATARS}/nobody`, undefined, OTHER),
    ]);
    expect(read.Header.Code).toBe(100001);
    expect(read.Header.Message).toBe(missingRead.Header.Message.replace('nobody', 'mine'));
    const removed = await callDhuman(server.url, 'DELETE', `${AVATARS}/mine`, undefined, OTHER);
    expect(removed.Header.Code).toBe(100001);
    const byAsset = (key: string, options?: CallOptions) =>
      call(
        server.url,
        SESSION_PATHS.createsessionbyasset,
        { AssetVirtualmanKey: key, UserId: `by-${key}`, Protocol: 'webrtc' },
        options,
      );
    const [foreign, missing] = await Promise.all([byAsset('mine', OTHER), byAsset('nobody', OTHER)]);
    expect(foreign.Header.Code).toBe(100001);
    expect(foreign.Header.Message).toBe(missing.Header.Message.replace('nobody', 'mine'));

    // The owner's session draws it and reaches READY.
    const own = await byAsset('mine');
    expect(own.Header.Code).toBe(0);
    const stat = await settledStat(server.url, own.Payload.SessionId as string);
    expect(stat).toMatchObject({ SessionStatus: 1, ErrorCode: 0 });
    await call(server.url, SESSION_PATHS.closesession, { SessionId: own.Payload.SessionId });
  }, 30_000);

  it('creates a session by the built-in asset leo that reaches status 1', async () => {
    const created = await call(server.url, SESSION_PATHS.createsessionbyasset, {
      AssetVirtualmanKey: 'leo',
      UserId: 'leo-user',
      Protocol: 'webrtc',
    });
    expect(created.Header.Code).toBe(0);
    const stat = await settledStat(server.url, created.Payload.SessionId as string);
    expect(stat).toMatchObject({ SessionStatus: 1, ErrorCode: 0 });
    await call(server.url, SESSION_PATHS.closesession, { SessionId: created.Payload.SessionId });
  }, 30_000);

  it('replaces an upload, then deletes it', async () => {
    expect((await put('temp', manifest('temp'))).Header.Code).toBe(0);
    const renamed = { ...manifest('temp'), name: 'Renamed' };
    expect((await put('temp', renamed)).Payload.Avatar).toMatchObject({ name: 'Renamed' });
    expect((await callDhuman(server.url, 'GET', `${AVATARS}/temp`)).Payload.Avatar).toMatchObject({
      name: 'Renamed',
    });
    const removed = await callDhuman(server.url, 'DELETE', `${AVATARS}/temp`);
    expect(removed.Header.Code).toBe(0);
    expect(removed.Payload).toEqual({ AvatarKey: 'temp' });
    expect((await callDhuman(server.url, 'GET', `${AVATARS}/temp`)).Header.Code).toBe(100001);
    expect((await callDhuman(server.url, 'DELETE', `${AVATARS}/temp`)).Header.Code).toBe(100001);
  });

  it('refuses to delete or overwrite a built-in avatar, or to take an asset key', async () => {
    const removed = await callDhuman(server.url, 'DELETE', `${AVATARS}/ava`);
    expect(removed.Header.Code).toBe(100005);
    const over = await put('ava', manifest('ava'));
    expect(over.Header.Code).toBe(100001);
    expect(over.Header.Message).toMatch(/built-in/);
    const asset = await put('demo', manifest('demo'));
    expect(asset.Header.Code).toBe(100001);
    expect(asset.Header.Message).toMatch(/asset/);
  });

  it.each([
    [
      'a wrong layer path',
      { layers: [{ group: 'head', path: 'not a path' }] },
      /Payload\.Avatar\.layers\[0\]\.path/,
    ],
    ['a missing field', { eyes: undefined }, /Payload\.Avatar\.eyes: is required/],
    ['a bad colour', { background: 'red' }, /Payload\.Avatar\.background/],
    ['an unknown field', { extra: 1 }, /Payload\.Avatar/],
    ['another key', { key: 'other' }, /Payload\.Avatar\.key "other" must equal/],
  ])('refuses a manifest with %s with 100001 naming the path', async (_name, change, message) => {
    const res = await put('badone', { ...manifest('badone'), ...change });
    expect(res.Header.Code).toBe(100001);
    expect(res.Header.Message).toMatch(message);
    expect(res.Payload).toEqual({});
  });

  it('refuses a missing Avatar, a bad key and non-JSON with 100001', async () => {
    const none = await callDhuman(server.url, 'PUT', `${AVATARS}/k1`, {});
    expect(none.Header.Message).toMatch(/Payload\.Avatar .*required/);
    const badKey = await put('bad.key', manifest('bad'));
    expect(badKey.Header.Code).toBe(100001);
    expect(badKey.Header.Message).toMatch(/AvatarKey/);
    const res = await fetch(await signedUrl(server.url, `${AVATARS}/k1`), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"Payload": ',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { Header: { Code: number } }).Header.Code).toBe(100001);
  });

  it('refuses an upload body over 512 KiB with 100001 and keeps serving', async () => {
    const huge = { ...manifest('huge'), description: 'x'.repeat(600 * 1024) };
    const res = await put('huge', huge);
    expect(res.Header.Code).toBe(100001);
    expect(res.Header.Message).toMatch(/larger than 524288 bytes/);
    expect((await callDhuman(server.url, 'GET', AVATARS)).Header.Code).toBe(0);
  });

  it('requires the signature on every avatar route', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await fetch(`${server.url}${AVATARS}/ava`, { method });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { Header: { Code: number } };
      expect(json.Header.Code, method).toBe(100005);
    }
  });

  it('answers CORS preflights like the IVH routes', async () => {
    const res = await fetch(`${server.url}${AVATARS}/ava`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
    const health = await fetch(`${server.url}/dhuman/healthz`, {
      headers: { origin: 'https://app.example' },
    });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});
