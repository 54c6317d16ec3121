import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project } from '@dhuman/core';
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
      sessionIdleSec: 30,
      channelIdleSec: null,
      stream: { width: 1280, height: 720, fps: 30, playAddress: 'hls' },
    });
    first.close();
    const second = new SqliteStore(path);
    expect(second.getCredential('k')).toMatchObject({ accesstoken: 't', maxSessions: 3 });
    expect(second.getProject('p')).toMatchObject({
      openingLine: 'hi',
      appkey: null,
      sessionIdleSec: 30,
      channelIdleSec: null,
      stream: { width: 1280, height: 720, fps: 30, playAddress: 'hls' },
    });
    second.close();
  });

  it('upgrades a version-1 database, keeping its sessions and giving them the default idle rules', () => {
    const path = join(temp(), 'v1.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[0] ?? '');
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO sessions (session_id, appkey, user_id, project_id, asset_key, voice, protocol, driver_type, status,
         stream_max_interval_ms, created_at, updated_at, last_activity_at)
       VALUES ('m1', 'k', 'u', 'demo', 'demo', 'en-us', 'webrtc', 1, 1, 2000, 1, 1, 1)`,
    ).run();
    db.close();
    const store = new SqliteStore(path);
    expect(store.getSession('m1')).toMatchObject({ idleTimeoutMs: 600_000, channelIdleMs: 180_000 });
    expect(store.listIdle(600_002).map((s) => s.sessionId)).toEqual(['m1']);
    expect(store.listIdle(600_000)).toEqual([]);
    store.close();
  });

  it('upgrades a version-2 database: the demo asset draws the built-in avatar "ava"', () => {
    const path = join(temp(), 'v2.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[0] ?? '');
    db.exec(MIGRATIONS[1] ?? '');
    db.pragma('user_version = 2');
    db.prepare(
      `INSERT INTO assets (asset_key, name, model, default_voice, created_at)
       VALUES ('demo', 'Demo avatar', 'builtin-2d', 'en-us', 1), ('mine', 'Mine', 'builtin-2d', 'en-us', 1)`,
    ).run();
    db.close();
    const store = new SqliteStore(path);
    expect(store.getAsset('demo')?.model).toBe('ava');
    expect(store.getAsset('mine')?.model).toBe('builtin-2d');
    store.putUploadedAvatar({ appkey: 'k', avatarKey: 'a', manifestJson: '{}', createdAt: 1, updatedAt: 1 });
    store.putUploadedAvatar({
      appkey: 'k',
      avatarKey: 'a',
      manifestJson: '{"x":1}',
      createdAt: 5,
      updatedAt: 5,
    });
    expect(store.getUploadedAvatar('k', 'a')).toMatchObject({
      manifestJson: '{"x":1}',
      createdAt: 1,
      updatedAt: 5,
    });
    expect(store.getUploadedAvatar('other', 'a')).toBeUndefined();
    expect(store.countUploadedAvatars('k')).toBe(1);
    expect(store.deleteUploadedAvatar('other', 'a')).toBe(false);
    expect(store.deleteUploadedAvatar('k', 'a')).toBe(true);
    store.putTemporaryCredential({
      appkey: 'dev_1',
      accesstoken: 't',
      actsFor: 'k',
      createdAt: 1,
      expiresAt: 10,
    });
    store.putTemporaryCredential({
      appkey: 'dev_2',
      accesstoken: 't',
      actsFor: 'k',
      createdAt: 1,
      expiresAt: 20,
    });
    expect(store.purgeExpiredTemporaryCredentials(10)).toBe(1);
    expect(store.getTemporaryCredential('dev_1')).toBeUndefined();
    expect(store.getTemporaryCredential('dev_2')).toMatchObject({ actsFor: 'k', expiresAt: 20 });
    store.close();
  });

  it('upgrades a version-3 database: its projects get the default stream settings', () => {
    const path = join(temp(), 'v3.db');
    const db = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 3)) db.exec(migration);
    db.pragma('user_version = 3');
    db.prepare(
      `INSERT INTO projects (project_id, name, appkey, avatar, voice, created_at)
       VALUES ('old', 'Old', NULL, 'demo', 'en-us', 1)`,
    ).run();
    db.close();
    const store = new SqliteStore(path);
    expect(store.getProject('old')).toMatchObject({
      voice: 'en-us',
      stream: { width: 512, height: 512, fps: 25, playAddress: 'page' },
    });
    store.close();
  });

  it('keeps a project’s dialogue engine; a version-4 row has none; a stored one that no longer validates reads as none', () => {
    const path = join(temp(), 'v4.db');
    const db = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 4)) db.exec(migration);
    db.pragma('user_version = 4');
    db.prepare(
      `INSERT INTO projects (project_id, name, appkey, avatar, voice, created_at)
       VALUES ('old', 'Old', NULL, 'demo', 'en-us', 1)`,
    ).run();
    db.close();
    const store = new SqliteStore(path);
    expect(store.getProject('old')?.dialogue).toBeUndefined();
    const base = store.getProject('old')!;
    store.createProject({ ...base, projectId: 'faq', dialogue: { engine: 'faq', file: '/srv/faq.yaml' } });
    store.createProject({ ...base, projectId: 'llm', dialogue: { engine: 'llm', model: 'qwen' } });
    expect(store.getProject('faq')?.dialogue).toEqual({ engine: 'faq', file: '/srv/faq.yaml' });
    expect(store.getProject('llm')?.dialogue).toEqual({ engine: 'llm', model: 'qwen' });
    expect(() =>
      store.createProject({ ...base, projectId: 'bad', dialogue: { engine: 'faq', file: 'relative.yaml' } }),
    ).toThrow(/absolute path/);
    store.close();
    const raw = new Database(path);
    raw.prepare('UPDATE projects SET dialogue = \'{"engine":"gpt"}\' WHERE project_id = \'faq\'').run();
    raw.close();
    const again = new SqliteStore(path);
    expect(again.getProject('faq')?.dialogue).toBeUndefined();
    again.close();
  });

  it('reads a stored stream setting that does not validate as the defaults, and refuses to write one', () => {
    const path = join(temp(), 'bad.db');
    const store = new SqliteStore(path);
    const project = (projectId: string, stream: Project['stream']): Project => ({
      projectId,
      name: projectId,
      appkey: null,
      avatar: 'demo',
      voice: 'en-us',
      openingLine: '',
      createdAt: 1,
      sessionIdleSec: null,
      channelIdleSec: null,
      stream,
    });
    expect(() =>
      store.createProject(project('huge', { width: 1920, height: 1080, fps: 25, playAddress: 'page' })),
    ).toThrow(RangeError);
    expect(store.getProject('huge')).toBeUndefined();
    for (const id of ['garbled', 'out-of-bounds', 'wrong-type']) {
      store.createProject(project(id, { width: 640, height: 360, fps: 20, playAddress: 'rtmp' }));
    }
    store.close();
    // Rows changed behind the store's back: by hand, or written under bounds a later version tightened.
    const db = new Database(path);
    const set = db.prepare('UPDATE projects SET stream = ? WHERE project_id = ?');
    set.run('{"width":', 'garbled');
    set.run('{"width":640,"height":360,"fps":240,"playAddress":"rtmp"}', 'out-of-bounds');
    set.run('[1,2]', 'wrong-type');
    db.close();
    const reopened = new SqliteStore(path);
    const projects = reopened.listProjects();
    expect(projects.map((p) => p.projectId)).toEqual(['garbled', 'out-of-bounds', 'wrong-type']);
    for (const p of projects) {
      expect(p.stream, p.projectId).toEqual({ width: 512, height: 512, fps: 25, playAddress: 'page' });
    }
    reopened.close();
  });

  it('refuses a database written by a newer dhuman', () => {
    const path = join(temp(), 'new.db');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteStore(path)).toThrow(/newer than this dhuman/);
  });
});

describe('SqliteStore live-session count', () => {
  it('follows inserts and every way a session stops being live', () => {
    const store = new SqliteStore(':memory:');
    const session = (id: string, appkey: string) => ({
      sessionId: id,
      appkey,
      userId: id,
      projectId: 'demo',
      assetKey: 'demo',
      voice: 'en-us',
      protocol: 'webrtc' as const,
      driverType: 1 as const,
      status: 3 as const,
      isStarted: false,
      speakStatus: '',
      errorCode: 0,
      errorMessage: '',
      closeType: null,
      streamMaxIntervalMs: 2000,
      timeoutSec: null,
      options: {},
      createdAt: 1,
      updatedAt: 1,
      startedAt: null,
      closedAt: null,
      lastActivityAt: 1,
      idleTimeoutMs: 600_000,
      channelIdleMs: 180_000,
    });
    for (const id of ['s1', 's2', 's3', 's4']) store.insertSession(session(id, 'a'));
    store.insertSession(session('t1', 'b'));
    expect(store.countLive('a')).toBe(4);
    expect(store.updateStatus('s1', 3, 1, 2)).toBe(true);
    expect(store.countLive('a')).toBe(4);
    store.markClosed('s1', 1, { closeType: 1, errorCode: 0, errorMessage: '', at: 3 });
    store.markFailed('s2', -111003, 'x', 3);
    store.markClosed('s3', 3, { closeType: 5, errorCode: 110022, errorMessage: '', at: 3 });
    // A transition that does not apply (wrong "from") changes nothing.
    store.markClosed('s3', 3, { closeType: 5, errorCode: 110022, errorMessage: '', at: 4 });
    expect(store.countLive('a')).toBe(1);
    expect(store.countLive('b')).toBe(1);
    expect(store.countLive('nobody')).toBe(0);
    expect(store.listLive('a').map((s) => s.sessionId)).toEqual(['s4']);
    // The last drive state is kept while a session is live, and frozen once it is closed.
    store.updateSpeakStatus('s4', 'TextStart', 5);
    expect(store.getSession('s4')).toMatchObject({ speakStatus: 'TextStart', updatedAt: 5 });
    store.updateSpeakStatus('s1', 'TextOver', 6);
    expect(store.getSession('s1')?.speakStatus).toBe('');
    store.close();
  });
});
