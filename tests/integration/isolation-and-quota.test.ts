import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_SETTINGS } from '@dhuman/core';
import { SESSION_PATHS } from '@dhuman/protocol';
import { call, startTestServer, type CallOptions, type TestServer } from './harness.js';

const P = SESSION_PATHS;
const OTHER: CallOptions = { appkey: 'otherappkey00000001', token: 'othertoken000000001' };

describe('appkey isolation and quota', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DHUMAN_MAX_SESSIONS: '3' });
    server.store.putCredential({
      appkey: OTHER.appkey ?? '',
      accesstoken: OTHER.token ?? '',
      name: 'other',
      maxSessions: 1,
      createdAt: Date.now(),
      revokedAt: null,
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  const create = (userId: string, options?: CallOptions) =>
    call(
      server.url,
      P.createsession,
      { VirtualmanProjectId: 'demo', UserId: userId, Protocol: 'webrtc' },
      options,
    );

  it('hides one appkey’s sessions from another, which gets 110018', async () => {
    const mine = await create('iso-user');
    const sessionId = mine.Payload.SessionId as string;
    for (const path of [P.statsession, P.startsession, P.closesession]) {
      const res = await call(server.url, path, { SessionId: sessionId }, OTHER);
      expect(res.Header.Code, path).toBe(110018);
    }
    const theirs = await call(server.url, P.listsessionofuin, {}, OTHER);
    expect(theirs.Payload.Sessions).toEqual([]);
    const ofProject = await call(
      server.url,
      P.listsessionofprojectid,
      { VirtualmanProjectId: 'demo' },
      OTHER,
    );
    expect(ofProject.Payload.Sessions).toEqual([]);
    // The same UserId under another appkey is another user: no takeover across appkeys.
    const other = await create('iso-user', OTHER);
    expect(other.Header.Code).toBe(0);
    const stat = await call(server.url, P.statsession, { SessionId: sessionId });
    expect(stat.Payload.SessionStatus).not.toBe(2);
    await call(server.url, P.closesession, { SessionId: other.Payload.SessionId }, OTHER);
    await call(server.url, P.closesession, { SessionId: sessionId });
  });

  it('hides a project owned by one appkey from the others', async () => {
    server.store.createProject({
      projectId: 'private-project',
      name: 'p',
      appkey: OTHER.appkey ?? null,
      avatar: 'demo',
      voice: 'en-us',
      openingLine: '',
      createdAt: Date.now(),
      sessionIdleSec: null,
      channelIdleSec: null,
      stream: { ...DEFAULT_STREAM_SETTINGS },
    });
    const res = await call(server.url, P.createsession, {
      VirtualmanProjectId: 'private-project',
      UserId: 'x',
      Protocol: 'webrtc',
    });
    expect(res.Header.Code).toBe(100001);
    const owner = await call(
      server.url,
      P.createsession,
      { VirtualmanProjectId: 'private-project', UserId: 'x', Protocol: 'webrtc' },
      OTHER,
    );
    expect(owner.Header.Code).toBe(0);
    await call(server.url, P.closesession, { SessionId: owner.Payload.SessionId }, OTHER);
  });

  it('refuses a session past the quota with 100008 and frees the slot on close', async () => {
    const ids: string[] = [];
    for (const user of ['q1', 'q2', 'q3']) {
      const res = await create(user);
      expect(res.Header.Code).toBe(0);
      ids.push(res.Payload.SessionId as string);
    }
    const over = await create('q4');
    expect(over.Header.Code).toBe(100008);
    expect(over.Header.Message).toMatch(/3 live sessions \(limit 3\)/);
    // A takeover of an existing UserId does not need a new slot.
    const takeover = await create('q1');
    expect(takeover.Header.Code).toBe(0);
    ids[0] = takeover.Payload.SessionId as string;
    await call(server.url, P.closesession, { SessionId: ids[1] });
    expect((await create('q4')).Header.Code).toBe(0);
  });

  it('applies a credential’s own quota', async () => {
    const first = await create('o1', OTHER);
    expect(first.Header.Code).toBe(0);
    const second = await create('o2', OTHER);
    expect(second.Header.Code).toBe(100008);
    await call(server.url, P.closesession, { SessionId: first.Payload.SessionId }, OTHER);
  });
});
