import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../server.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

describe('SqliteStore', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'dhuman-store-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the data dir and database files private to the owner', () => {
    const dir = join(temp(), 'data');
    const store = openStore(dir);
    store.putCredential({
      appkey: 'k',
      accesstoken: 'secret',
      name: '',
      maxSessions: null,
      createdAt: 1,
      revokedAt: null,
    });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ['dhuman.db', 'dhuman.db-wal', 'dhuman.db-shm']) {
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    }
    store.close();
  });

  it('keeps credentials, projects and sessions across reopen', () => {
    const path = join(temp(), 'x.db');
    const first = new SqliteStore(path);
    first.putCredential({
      appkey: 'k',
      accesstoken: 't',
      name: 'n',
      maxSessions: 3,
      createdAt: 1,
      revokedAt: null,
    });
    first.createAsset({
      assetKey: 'a',
      name: '',
      model: 'm',
      defaultVoice: 'v',
      expiresAt: null,
      createdAt: 1,
    });
    first.createProject({
      projectId: 'p',
      name: '',
      appkey: null,
      avatar: 'a',
      voice: 'v',
      openingLine: 'hi',
      createdAt: 1,
    });
    first.close();
    const second = new SqliteStore(path);
    expect(second.getCredential('k')).toMatchObject({ accesstoken: 't', maxSessions: 3 });
    expect(second.getProject('p')).toMatchObject({ openingLine: 'hi', appkey: null });
    second.close();
  });

  it('refuses a database written by a newer dhuman', () => {
    const path = join(temp(), 'new.db');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteStore(path)).toThrow(/newer than this dhuman/);
  });
});
