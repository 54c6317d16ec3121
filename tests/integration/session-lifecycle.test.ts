import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE_TYPE, SESSION_PATHS } from '@dhuman/protocol';
import { call, reqId, startTestServer, waitFor, type TestServer } from './harness.js';

const P = SESSION_PATHS;

describe('session lifecycle over HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.dispose();
  });

  async function createReady(userId = 'user-1'): Promise<string> {
    const created = await call(server.url, P.createsession, {
      ReqId: reqId(),
      VirtualmanProjectId: 'demo',
      UserId: userId,
      Protocol: 'webrtc',
      DriverType: 1,
      Timeout: 180,
    });
    expect(created.Header.Code).toBe(0);
    const sessionId = created.Payload.SessionId as string;
    await waitFor(async () => {
      const stat = await call(server.url, P.statsession, { ReqId: reqId(), SessionId: sessionId });
      return stat.Payload.SessionStatus === 1 ? stat : undefined;
    });
    return sessionId;
  }

  it('creates, polls to ready, starts, lists and closes a session', async () => {
    const id = reqId();
    const created = await call(server.url, P.createsession, {
      ReqId: id,
      VirtualmanProjectId: 'demo',
      UserId: 'user-1',
      Protocol: 'webrtc',
    });
    expect(created.Header).toMatchObject({ Code: 0, Message: '' });
    expect(created.Payload).toMatchObject({ ReqId: id, SessionStatus: 3 });
    // A webrtc session plays at its player page (WebRTC through WHEP), token-protected.
    expect(created.Payload.PlayStreamAddr).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/dhuman\/play\/m\d{18}\?token=[\w-]{43}$/,
    );
    const sessionId = created.Payload.SessionId as string;
    expect(sessionId).toMatch(/^m\d{18}$/);
    expect(created.Header.SessionID).toBe(sessionId);

    // The first session of a server waits for the speech engine's warm-up; real clients give up after 10 s
    // (spec §9.2), and a 2-core machine running the rest of the suite can take more than 3 s.
    const ready = await waitFor(async () => {
      const stat = await call(server.url, P.statsession, { ReqId: reqId(), SessionId: sessionId });
      return stat.Payload.SessionStatus === 1 ? stat : undefined;
    }, 10_000);
    expect(ready.Payload).toMatchObject({
      SessionId: sessionId,
      IsSessionStarted: false,
      PlayStreamAddr: created.Payload.PlayStreamAddr, // the same address while the session lives
      ErrorCode: 0,
      ErrorMessage: '',
    });
    expect(ready.Payload).not.toHaveProperty('CloseType');

    const started = await call(server.url, P.startsession, { ReqId: reqId(), SessionId: sessionId });
    expect(started.Header.Code).toBe(0);
    const again = await call(server.url, P.startsession, { ReqId: reqId(), SessionId: sessionId });
    expect(again.Header.Code).toBe(0);

    for (const [path, payload] of [
      [P.listsessionofuin, {}],
      [P.listsessionofprojectid, { VirtualmanProjectId: 'demo' }],
      [P.listsessionofassetvk, { AssetVirtualmanKey: 'demo' }],
      [P.listsessionofvk, { VirtualmanKey: 'demo' }],
    ] as const) {
      const list = await call(server.url, path, { ReqId: reqId(), ...payload });
      expect(list.Header.Code, path).toBe(0);
      expect(list.Payload.Sessions, path).toEqual([
        {
          UserId: 'user-1',
          SessionId: sessionId,
          SessionStatus: 1,
          PlayStreamAddr: created.Payload.PlayStreamAddr,
          DriverType: 1,
          IsSessionStarted: true,
          VirtualmanProjectId: 'demo',
          AssetVirtualmanKey: 'demo',
        },
      ]);
    }

    const closed = await call(server.url, P.closesession, { ReqId: reqId(), SessionId: sessionId });
    expect(closed.Header.Code).toBe(0);
    const stat = await call(server.url, P.statsession, { ReqId: reqId(), SessionId: sessionId });
    expect(stat.Payload).toMatchObject({
      SessionStatus: 2,
      IsSessionStarted: true,
      ErrorCode: 0,
      CloseType: CLOSE_TYPE.OWNER,
    });
    const list = await call(server.url, P.listsessionofuin, { ReqId: reqId() });
    expect(list.Payload.Sessions).toEqual([]);

    const closeAgain = await call(server.url, P.closesession, { ReqId: reqId(), SessionId: sessionId });
    expect(closeAgain.Header.Code).toBe(110013);
    const startClosed = await call(server.url, P.startsession, { ReqId: reqId(), SessionId: sessionId });
    expect(startClosed.Header.Code).toBe(110013);
  });

  it('creates by asset with a voice and lists it under the asset only', async () => {
    const created = await call(server.url, P.createsessionbyasset, {
      ReqId: reqId(),
      AssetVirtualmanKey: 'demo',
      UserId: 'asset-user',
      Protocol: 'rtmp',
      DriverType: 3,
      SpeechParam: { TimbreKey: 'cmn', Speed: 1.2 },
    });
    expect(created.Header.Code).toBe(0);
    const sessionId = created.Payload.SessionId as string;
    const ofAsset = await call(server.url, P.listsessionofassetvk, { AssetVirtualmanKey: 'demo' });
    expect((ofAsset.Payload.Sessions as Array<{ SessionId: string }>).map((s) => s.SessionId)).toEqual([
      sessionId,
    ]);
    const ofProject = await call(server.url, P.listsessionofprojectid, { VirtualmanProjectId: 'demo' });
    expect(ofProject.Payload.Sessions).toEqual([]);
    const stat = await call(server.url, P.statsession, { SessionId: sessionId });
    expect(stat.Payload).toMatchObject({ DriverType: 3, Protocol: 'rtmp', ReqId: '' });
    // The voice comes from SpeechParam.TimbreKey, and the options are kept for the media layers.
    expect(server.store.getSession(sessionId)).toMatchObject({
      voice: 'cmn',
      options: { speechParam: { TimbreKey: 'cmn', Speed: 1.2 } },
    });
  });

  it('refuses to start a session that is still preparing with 110014', async () => {
    // A preparation step that never finishes keeps the session in status 3.
    server.manager['opts'].steps = [{ label: 'slow', prepare: () => new Promise(() => undefined) }];
    const created = await call(server.url, P.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: 'slow',
      Protocol: 'webrtc',
    });
    const start = await call(server.url, P.startsession, { SessionId: created.Payload.SessionId });
    expect(start.Header.Code).toBe(110014);
    expect(start.Header.Message).toMatch(/preparing/);
  });

  it('closes the older session of the same UserId with 110022', async () => {
    const first = await createReady('same-user');
    await call(server.url, P.startsession, { SessionId: first });
    const second = await createReady('same-user');
    expect(second).not.toBe(first);
    const stat = await call(server.url, P.statsession, { SessionId: first });
    expect(stat.Payload).toMatchObject({
      SessionStatus: 2,
      ErrorCode: 110022,
      CloseType: CLOSE_TYPE.TAKEN_OVER,
      IsSessionStarted: true,
    });
    expect(stat.Payload.ErrorMessage).toMatch(/same UserId/);
    const list = await call(server.url, P.listsessionofuin, {});
    expect((list.Payload.Sessions as Array<{ SessionId: string }>).map((s) => s.SessionId)).toEqual([second]);
  });

  it('answers describeactionconfigcommanddetail with the opening line under the keys the demo reads', async () => {
    const res = await call(
      server.url,
      '/v2/ivh/virtualmanconfig/virtualmanconfigopen/describeactionconfigcommanddetail',
      {
        VirtualmanKey: 'demo',
        Type: 'command',
        Reply: '',
      },
    );
    expect(res.Header.Code).toBe(0);
    const content = JSON.parse(res.Payload.InteractContent as string) as { contents: string };
    // Tencent's demo speaks contents["开场白"] and reads the marquee from "跑马灯" / "跑马灯话术".
    expect(JSON.parse(content.contents)).toEqual({
      开场白: expect.stringMatching(/dhuman/) as string,
      跑马灯话术: [],
    });
  });
});
