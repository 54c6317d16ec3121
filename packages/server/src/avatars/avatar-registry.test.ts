import { beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { AvatarManifest } from '@dhuman/avatar';
import { SqliteStore } from '../store/sqlite-store.js';
import { loadSharedAvatars, type KnownAvatar } from './avatar-folders.js';
import { AvatarRegistry, MAX_UPLOADED_AVATARS } from './avatar-registry.js';

describe('AvatarRegistry', () => {
  let shared: KnownAvatar[];
  let store: SqliteStore;
  let registry: AvatarRegistry;
  let unreadable: string[];
  const noAssets = () => false;
  const ava = () => shared.find((a) => a.key === 'ava')?.manifest as AvatarManifest;
  const as = (key: string) => ({ ...ava(), key });

  beforeAll(async () => {
    shared = (await loadSharedAvatars('/nonexistent-data-dir')).avatars;
  });
  beforeEach(() => {
    store = new SqliteStore(':memory:');
    unreadable = [];
    registry = new AvatarRegistry(shared, store, (appkey, key) => unreadable.push(`${appkey}/${key}`));
  });
  afterEach(() => store.close());

  it('knows the built-in avatars for every appkey', () => {
    expect(shared.map((a) => [a.key, a.source])).toEqual([
      ['ava', 'builtin'],
      ['leo', 'builtin'],
    ]);
    expect(registry.find('anyone', 'leo')?.manifest.key).toBe('leo');
  });

  it('keeps an upload to its appkey and counts the limit per appkey', () => {
    registry.upload('a', 'one', as('one'), noAssets);
    expect(registry.find('a', 'one')?.source).toBe('uploaded');
    expect(registry.find('b', 'one')).toBeUndefined();
    expect(() => registry.require('b', 'one')).toThrow(/avatar "one" does not exist/);
    expect(() => registry.remove('b', 'one')).toThrow(/does not exist/);
    for (let i = 1; i < MAX_UPLOADED_AVATARS; i++) registry.upload('a', `k${i}`, as(`k${i}`), noAssets);
    expect(() => registry.upload('a', 'over', as('over'), noAssets)).toThrow(/50 uploaded avatars/);
    // Replacing one does not need a new slot, and another appkey has its own.
    expect(registry.upload('a', 'one', { ...as('one'), name: 'Again' }, noAssets).manifest.name).toBe(
      'Again',
    );
    expect(registry.find('a', 'one')?.manifest.name).toBe('Again');
    registry.upload('b', 'over', as('over'), noAssets);
  });

  it('names the manifest field that is wrong, under Payload.Avatar', () => {
    expect(() => registry.upload('a', 'x', { ...as('x'), size: { width: 1, height: 1 } }, noAssets)).toThrow(
      /^request parameter error: Payload\.Avatar\.size\.width: /,
    );
    expect(() => registry.upload('a', 'x', 'not an object', noAssets)).toThrow(/Payload\.Avatar: /);
  });

  it('treats a stored upload that no longer parses as absent, and says so', () => {
    store.putUploadedAvatar({
      appkey: 'a',
      avatarKey: 'old',
      manifestJson: '{"format":"x"}',
      createdAt: 1,
      updatedAt: 1,
    });
    expect(registry.find('a', 'old')).toBeUndefined();
    expect(registry.list('a').map((x) => x.key)).toEqual(['ava', 'leo']);
    expect(unreadable).toContain('a/old');
  });
});
