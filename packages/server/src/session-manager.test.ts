import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_STREAM_SETTINGS,
  SessionManager,
  type PreparationStep,
  type SessionRecord,
} from '@dhuman/core';
import { CLOSE_TYPE, ERRORS, IvhError, SESSION_STATUS } from '@dhuman/protocol';
import { ServerAssetCatalog } from './avatars/asset-catalog.js';
import { loadSharedAvatars, type KnownAvatar } from './avatars/avatar-folders.js';
import { AvatarRegistry } from './avatars/avatar-registry.js';
import { ensureBuiltins } from './bootstrap.js';
import { SqliteStore } from './store/sqlite-store.js';

// The core session manager over the real SQLite store, with a controllable clock and preparation steps.
describe('SessionManager', () => {
  let store: SqliteStore;
  let assets: ServerAssetCatalog;
  let builtins: KnownAvatar[];
  let clock: number;
  let ended: SessionRecord[];

  beforeAll(async () => {
    builtins = (await loadSharedAvatars('/nonexistent-data-dir')).avatars;
  });

  beforeEach(() => {
    store = new SqliteStore(':memory:');
    assets = new ServerAssetCatalog(store, new AvatarRegistry(builtins, store));
    ensureBuiltins(store);
    store.putCredential({
      appkey: 'a',
      accesstoken: 't',
      name: '',
      maxSessions: null,
      createdAt: 0,
      revokedAt: null,
    });
    clock = 1_000_000;
    ended = [];
  });
  afterEach(() => store.close());

  function manager(steps: PreparationStep[] = [], overrides: { prepareTimeoutMs?: number } = {}) {
    const m = new SessionManager({
      sessions: store,
      projects: store,
      credentials: store,
      assets,
      steps,
      defaultMaxSessions: 2,
      idleTimeoutMs: 600_000,
      channelIdleMs: 180_000,
      prepareTimeoutMs: overrides.prepareTimeoutMs ?? 1000,
      now: () => clock,
    });
    m.on('ended', (s) => ended.push(s));
    return m;
  }

  const request = (userId: string) =>
    ({ VirtualmanProjectId: 'demo', UserId: userId, Protocol: 'webrtc' }) as const;

  const settle = () => new Promise((r) => setTimeout(r, 10));

  it('goes 3 → 1 once every step has passed', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const m = manager([{ label: 'gate', prepare: () => gate }]);
    const s = m.createFromProject('a', request('u'));
    expect(s.status).toBe(SESSION_STATUS.PREPARING);
    await settle();
    expect(m.get('a', s.sessionId).status).toBe(SESSION_STATUS.PREPARING);
    release();
    await settle();
    expect(m.get('a', s.sessionId).status).toBe(SESSION_STATUS.READY);
  });

  it('fails the session with the step’s error code', async () => {
    const m = manager([
      {
        label: 'broken',
        prepare: () => Promise.reject(new IvhError(ERRORS.AVATAR_LOAD_FAILED, 'model missing')),
      },
    ]);
    const s = m.createFromProject('a', request('u'));
    await settle();
    expect(m.get('a', s.sessionId)).toMatchObject({
      status: SESSION_STATUS.FAILED,
      errorCode: -111003,
      errorMessage: 'avatar model failed to load: model missing',
    });
    expect(ended.map((e) => e.sessionId)).toEqual([s.sessionId]);
    expect(() => m.start('a', s.sessionId)).toThrow(expect.objectContaining({ code: 110013 }));
  });

  it('fails with -111004 when preparation outlasts its timeout', async () => {
    const m = manager(
      [
        {
          label: 'stuck',
          prepare: (_s, signal) => new Promise((r) => signal.addEventListener('abort', () => r())),
        },
      ],
      {
        prepareTimeoutMs: 20,
      },
    );
    const s = m.createFromProject('a', request('u'));
    await new Promise((r) => setTimeout(r, 60));
    expect(m.get('a', s.sessionId)).toMatchObject({ status: SESSION_STATUS.FAILED, errorCode: -111004 });
  });

  it('fails on the timeout even when a step ignores the abort signal', async () => {
    const m = manager([{ label: 'deaf', prepare: () => new Promise<void>(() => undefined) }], {
      prepareTimeoutMs: 20,
    });
    const s = m.createFromProject('a', request('u'));
    await new Promise((r) => setTimeout(r, 60));
    expect(m.get('a', s.sessionId)).toMatchObject({ status: SESSION_STATUS.FAILED, errorCode: -111004 });
  });

  it('leaves the store alone when preparation ends after shutdown', async () => {
    let release: () => void = () => undefined;
    const m = manager([{ label: 'gate', prepare: () => new Promise<void>((r) => (release = r)) }]);
    const errors: unknown[] = [];
    m.on('error', (e) => errors.push(e));
    m.createFromProject('a', request('u'));
    m.shutdown();
    store.close();
    release();
    await settle();
    expect(errors).toEqual([]);
    store = new SqliteStore(':memory:'); // for afterEach
  });

  it('reports an unexpected step failure as -111003 and an error event', async () => {
    const errors: unknown[] = [];
    const m = manager([{ label: 'bug', prepare: () => Promise.reject(new TypeError('boom')) }]);
    m.on('error', (e) => errors.push(e));
    const s = m.createFromProject('a', request('u'));
    await settle();
    expect(m.get('a', s.sessionId).errorCode).toBe(-111003);
    expect(errors).toHaveLength(1);
  });

  it('fails preparation when the asset expired after creation (100015)', async () => {
    const { AvatarAssetStep } = await import('@dhuman/core');
    store.createAsset({
      assetKey: 'soon',
      name: '',
      model: 'ava',
      defaultVoice: 'en-us',
      expiresAt: clock + 1,
      createdAt: 0,
    });
    let release: () => void = () => undefined;
    const gate: PreparationStep = { label: 'gate', prepare: () => new Promise<void>((r) => (release = r)) };
    const m = manager([gate, new AvatarAssetStep(assets, () => clock)]);
    const s = m.createFromAsset('a', { AssetVirtualmanKey: 'soon', UserId: 'u', Protocol: 'rtmp' });
    clock += 2;
    release();
    await settle();
    expect(m.get('a', s.sessionId)).toMatchObject({ status: SESSION_STATUS.FAILED, errorCode: 100015 });
    expect(() =>
      m.createFromAsset('a', { AssetVirtualmanKey: 'soon', UserId: 'v', Protocol: 'rtmp' }),
    ).toThrow(expect.objectContaining({ code: 100015 }));
  });

  it('fails preparation with -111003 when the asset draws an avatar the server does not have', async () => {
    const { AvatarAssetStep } = await import('@dhuman/core');
    store.createAsset({
      assetKey: 'orphan',
      name: '',
      model: 'nobody',
      defaultVoice: 'en-us',
      expiresAt: null,
      createdAt: 0,
    });
    const m = manager([new AvatarAssetStep(assets, () => clock)]);
    const s = m.createFromAsset('a', { AssetVirtualmanKey: 'orphan', UserId: 'u', Protocol: 'rtmp' });
    await settle();
    expect(m.get('a', s.sessionId)).toMatchObject({ status: SESSION_STATUS.FAILED, errorCode: -111003 });
    expect(m.get('a', s.sessionId).errorMessage).toMatch(/avatar "nobody" of asset "orphan"/);
  });

  it('takes an avatar key as AssetVirtualmanKey, with the manifest’s voice unless TimbreKey names one', () => {
    const m = manager();
    const leo = m.createFromAsset('a', { AssetVirtualmanKey: 'leo', UserId: 'u', Protocol: 'rtmp' });
    expect(leo).toMatchObject({
      assetKey: 'leo',
      voice: builtins.find((b) => b.key === 'leo')?.manifest.defaultVoice,
    });
    const spoken = m.createFromAsset('a', {
      AssetVirtualmanKey: 'leo',
      UserId: 'v',
      Protocol: 'rtmp',
      SpeechParam: { TimbreKey: 'cmn' },
    });
    expect(spoken.voice).toBe('cmn');
  });

  it('stays closed when closed while preparing', async () => {
    let release: () => void = () => undefined;
    const m = manager([{ label: 'gate', prepare: () => new Promise<void>((r) => (release = r)) }]);
    const s = m.createFromProject('a', request('u'));
    m.close('a', s.sessionId);
    release();
    await settle();
    expect(m.get('a', s.sessionId)).toMatchObject({
      status: SESSION_STATUS.CLOSED,
      closeType: CLOSE_TYPE.OWNER,
    });
  });

  it('closes idle sessions with CloseType 2, and activity postpones it', async () => {
    const m = manager();
    const idle = m.createFromProject('a', request('idle'));
    const busy = m.createFromProject('a', request('busy'));
    await settle();
    clock += 500_000;
    m.touch(busy.sessionId);
    clock += 200_000;
    expect(m.closeIdleSessions()).toBe(1);
    expect(m.get('a', idle.sessionId)).toMatchObject({
      status: SESSION_STATUS.CLOSED,
      closeType: CLOSE_TYPE.IDLE_TIMEOUT,
      errorCode: 110013,
      errorMessage: 'closed after 600 s without a drive command or heartbeat',
    });
    expect(m.get('a', busy.sessionId).status).toBe(SESSION_STATUS.READY);
  });

  it('applies a project’s own idle rules to its sessions', async () => {
    store.createProject({
      projectId: 'kiosk',
      name: '',
      appkey: null,
      avatar: 'demo',
      voice: 'en-us',
      openingLine: '',
      createdAt: 0,
      sessionIdleSec: 30,
      channelIdleSec: 20,
      stream: { ...DEFAULT_STREAM_SETTINGS },
    });
    const m = manager();
    const kiosk = m.createFromProject('a', { ...request('k'), VirtualmanProjectId: 'kiosk' });
    const plain = m.createFromProject('a', request('p'));
    expect(kiosk).toMatchObject({ idleTimeoutMs: 30_000, channelIdleMs: 20_000 });
    expect(plain).toMatchObject({ idleTimeoutMs: 600_000, channelIdleMs: 180_000 });
    await settle();
    clock += 31_000;
    expect(m.closeIdleSessions()).toBe(1);
    expect(m.get('a', kiosk.sessionId)).toMatchObject({
      status: SESSION_STATUS.CLOSED,
      errorMessage: 'closed after 30 s without a drive command or heartbeat',
    });
    expect(m.get('a', plain.sessionId).status).toBe(SESSION_STATUS.READY);
  });

  it('rolls a takeover back, unannounced, when the quota still refuses', () => {
    const m = manager();
    m.createFromProject('a', request('u1'));
    const second = m.createFromProject('a', request('u2'));
    store.putCredential({
      appkey: 'a',
      accesstoken: 't',
      name: '',
      maxSessions: 1,
      createdAt: 0,
      revokedAt: null,
    });
    expect(() => m.createFromProject('a', request('u2'))).toThrow(expect.objectContaining({ code: 100008 }));
    expect(m.get('a', second.sessionId).status).not.toBe(SESSION_STATUS.CLOSED);
    expect(ended).toEqual([]);
  });

  it('accepts a caller-chosen SessionId once', () => {
    const m = manager();
    expect(m.createFromProject('a', { ...request('u'), SessionId: 'private-1' }).sessionId).toBe('private-1');
    expect(() => m.createFromProject('a', { ...request('v'), SessionId: 'private-1' })).toThrow(
      expect.objectContaining({ code: 100001 }),
    );
  });

  it('closes everything live as a restart, and refuses work after shutdown', async () => {
    const m = manager();
    const s = m.createFromProject('a', request('u'));
    await settle();
    expect(m.closeAllForRestart()).toBe(1);
    expect(m.get('a', s.sessionId)).toMatchObject({
      closeType: CLOSE_TYPE.SERVICE_RESTART,
      errorCode: -111002,
    });
    m.shutdown();
    m.shutdown();
    expect(() => m.createFromProject('a', request('v'))).toThrow(expect.objectContaining({ code: 100000 }));
  });
});
