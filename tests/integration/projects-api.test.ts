import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import {
  APPKEY,
  call,
  callDhuman,
  settledStat,
  startTestServer,
  type CallOptions,
  type TestServer,
} from './harness.js';

// The project endpoints (contract B): what a browser player asks for before it draws anything.
const OTHER: CallOptions = { appkey: 'otherappkey00000003', token: 'othertoken000000003' };
const PROJECTS = '/dhuman/projects';

describe('project endpoints', () => {
  let server: TestServer;
  const project = (projectId: string, appkey: string | null, avatar: string) =>
    server.store.createProject({
      projectId,
      name: `Project ${projectId}`,
      appkey,
      avatar,
      voice: 'en-gb',
      openingLine: '',
      createdAt: Date.now(),
      sessionIdleSec: null,
      channelIdleSec: null,
      stream: { width: 1280, height: 720, fps: 30, playAddress: 'hls' },
    });

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
    project('leo-shop', null, 'leo');
    project('private-one', OTHER.appkey ?? '', 'ava');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('lists the projects an appkey may use with the avatar each draws', async () => {
    const mine = await callDhuman(server.url, 'GET', PROJECTS);
    expect(mine.Header.Code).toBe(0);
    const projects = mine.Payload.Projects as Array<Record<string, unknown>>;
    expect(projects).toContainEqual({
      ProjectId: 'demo',
      Name: 'Demo',
      AvatarKey: 'ava',
      Voice: 'en-us',
      Stream: { Width: 512, Height: 512, Fps: 25, PlayAddress: 'page' },
      Dialogue: 'none',
    });
    expect(projects).toContainEqual({
      ProjectId: 'assistant',
      Name: 'Assistant (FAQ)',
      AvatarKey: 'ava',
      Voice: 'en-us',
      Stream: { Width: 512, Height: 512, Fps: 25, PlayAddress: 'page' },
      Dialogue: 'faq',
    });
    expect(projects).toContainEqual({
      ProjectId: 'leo-shop',
      Name: 'Project leo-shop',
      AvatarKey: 'leo',
      Voice: 'en-gb',
      Stream: { Width: 1280, Height: 720, Fps: 30, PlayAddress: 'hls' },
      Dialogue: 'none',
    });
    expect(projects.map((p) => p.ProjectId)).not.toContain('private-one');
    const theirs = await callDhuman(server.url, 'GET', PROJECTS, undefined, OTHER);
    expect((theirs.Payload.Projects as Array<{ ProjectId: string }>).map((p) => p.ProjectId)).toContain(
      'private-one',
    );
  });

  it('answers one project with its avatar manifest', async () => {
    const demo = await callDhuman(server.url, 'GET', `${PROJECTS}/demo`);
    expect(demo.Header.Code).toBe(0);
    expect(demo.Payload).toMatchObject({ ProjectId: 'demo', Name: 'Demo', AvatarKey: 'ava', Voice: 'en-us' });
    expect(demo.Payload.Avatar).toMatchObject({ format: 'dhuman-avatar/1', key: 'ava', name: 'Ava' });
    const leo = await callDhuman(server.url, 'GET', `${PROJECTS}/leo-shop`);
    expect(leo.Payload).toMatchObject({
      AvatarKey: 'leo',
      Stream: { Width: 1280, Height: 720, Fps: 30, PlayAddress: 'hls' },
      Avatar: { key: 'leo' },
    });
  });

  it('hides another appkey’s project and answers unknown ones with 100001', async () => {
    const [hidden, unknown] = await Promise.all([
      callDhuman(server.url, 'GET', `${PROJECTS}/private-one`),
      callDhuman(server.url, 'GET', `${PROJECTS}/nosuch`),
    ]);
    expect(hidden.Header.Code).toBe(100001);
    expect(hidden.Header.Message).toBe(unknown.Header.Message.replace('nosuch', 'private-one'));
    expect(hidden.Payload).toEqual({});
  });

  it('draws an uploaded avatar in the owner’s project, and fails preparation once it is deleted', async () => {
    const avatar = (await callDhuman(server.url, 'GET', '/dhuman/avatars/ava')).Payload.Avatar as object;
    const put = await callDhuman(server.url, 'PUT', '/dhuman/avatars/uploaded-one', {
      Avatar: { ...avatar, key: 'uploaded-one' },
    });
    expect(put.Header.Code).toBe(0);
    project('own-upload', APPKEY, 'uploaded-one');
    const got = await callDhuman(server.url, 'GET', `${PROJECTS}/own-upload`);
    expect(got.Payload).toMatchObject({ AvatarKey: 'uploaded-one', Avatar: { key: 'uploaded-one' } });

    expect((await callDhuman(server.url, 'DELETE', '/dhuman/avatars/uploaded-one')).Header.Code).toBe(0);
    const gone = await callDhuman(server.url, 'GET', `${PROJECTS}/own-upload`);
    expect(gone.Header.Code).toBe(-111003);
    const created = await call(server.url, SESSION_PATHS.createsession, {
      VirtualmanProjectId: 'own-upload',
      UserId: 'deleted-avatar',
      Protocol: 'webrtc',
    });
    expect(created.Header.Code).toBe(0);
    const stat = await settledStat(server.url, created.Payload.SessionId as string);
    expect(stat).toMatchObject({ SessionStatus: 4, ErrorCode: -111003 });
    expect(stat.ErrorMessage).toMatch(/uploaded-one/);
  }, 30_000);
});
