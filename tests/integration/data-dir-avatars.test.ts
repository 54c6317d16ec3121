import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAvatarDir } from '@dhuman/avatar/node';
import { SESSION_PATHS } from '@dhuman/protocol';
import { call, callDhuman, settledStat, startTestServer, tempDataDir, type TestServer } from './harness.js';
import { runCli } from './cli-process.js';

// An operator adds avatars by dropping <dataDir>/avatars/<key>/avatar.json; a broken folder is skipped.
function writeAvatar(dataDir: string, folder: string, content: string): void {
  const dir = join(dataDir, 'avatars', folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'avatar.json'), content);
}

describe('avatars in the data dir', () => {
  let server: TestServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDataDir();
    const ava = JSON.parse(readFileSync(join(builtinAvatarDir(), 'ava', 'avatar.json'), 'utf8')) as object;
    writeAvatar(dataDir, 'bob', JSON.stringify({ ...ava, key: 'bob', name: 'Bob' }));
    writeAvatar(dataDir, 'broken', '{"format": "dhuman-avatar/1", "key": "broken"');
    writeAvatar(dataDir, 'wrongkey', JSON.stringify({ ...ava, key: 'other' }));
    writeAvatar(dataDir, 'leo', JSON.stringify({ ...ava, key: 'leo', name: 'Not Leo' }));
    writeFileSync(join(dataDir, 'avatars', 'README.txt'), 'not a folder');
    server = await startTestServer({}, dataDir);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('picks up a valid folder at start and skips broken ones, a wrong key and a built-in name', async () => {
    const list = await callDhuman(server.url, 'GET', '/dhuman/avatars');
    const avatars = list.Payload.Avatars as Array<{ AvatarKey: string; Name: string; Builtin: boolean }>;
    expect(avatars).toContainEqual({ AvatarKey: 'bob', Name: 'Bob', Builtin: false, DefaultVoice: 'en-us' });
    const keys = avatars.map((a) => a.AvatarKey);
    expect(keys).not.toContain('broken');
    expect(keys).not.toContain('wrongkey');
    expect(keys).not.toContain('other');
    expect(avatars.filter((a) => a.AvatarKey === 'leo')).toEqual([
      expect.objectContaining({ Name: 'Leo', Builtin: true }),
    ]);
  });

  it('uses a data-dir avatar as AssetVirtualmanKey, reaching status 1', async () => {
    const created = await call(server.url, SESSION_PATHS.createsessionbyasset, {
      AssetVirtualmanKey: 'bob',
      UserId: 'bob-user',
      Protocol: 'webrtc',
    });
    expect(created.Header.Code).toBe(0);
    const stat = await settledStat(server.url, created.Payload.SessionId as string);
    expect(stat).toMatchObject({ SessionStatus: 1, ErrorCode: 0 });
    await call(server.url, SESSION_PATHS.closesession, { SessionId: created.Payload.SessionId });
  }, 30_000);

  it('lets `dhuman project create --avatar` name built-in and data-dir avatars, not broken ones', async () => {
    const env = { DHUMAN_APPKEY: '', DHUMAN_ACCESSTOKEN: '' };
    const [leo, bob, broken] = await Promise.all([
      runCli(['project', 'create', 'with-leo', '--avatar', 'leo', '--data-dir', dataDir], env),
      runCli(['project', 'create', 'with-bob', '--avatar', 'bob', '--data-dir', dataDir], env),
      runCli(['project', 'create', 'with-broken', '--avatar', 'broken', '--data-dir', dataDir], env),
    ]);
    expect(leo.stderr).toBe('');
    expect(leo.code).toBe(0);
    expect(bob.stderr).toBe('');
    expect(bob.code).toBe(0);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/avatar broken does not exist/);
    const project = await callDhuman(server.url, 'GET', '/dhuman/projects/with-bob');
    expect(project.Payload).toMatchObject({ AvatarKey: 'bob', Avatar: { name: 'Bob' } });
  }, 30_000);
});

describe('a data dir whose avatars folder cannot be read', () => {
  it('still starts, with the built-in avatars', async () => {
    const dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'avatars'), 'a file where a folder should be');
    const server = await startTestServer({}, dataDir);
    try {
      const list = await callDhuman(server.url, 'GET', '/dhuman/avatars');
      expect((list.Payload.Avatars as Array<{ AvatarKey: string }>).map((a) => a.AvatarKey)).toEqual([
        'ava',
        'leo',
      ]);
    } finally {
      await server.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
