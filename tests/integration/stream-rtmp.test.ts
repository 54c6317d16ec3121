// rtmp sessions: the stream is pushed from status 1 to the client's CssCustomPushUrl (received here by
// `ffmpeg -listen 1`), a refused push reaches the session as an error and is retried, and without a push URL the
// embedded RTMP server serves the stream at the rtmp:// PlayStreamAddr.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRIVE_PATHS, SESSION_PATHS as P } from '@dhuman/protocol';
import {
  exitOf,
  ffprobe,
  freePort,
  waitForListen,
} from '../../packages/media/src/encoder/ffmpeg-test-support.js';
import { call, reqId, settledStat, startTestServer, waitFor, type TestServer } from './harness.js';

const children: ChildProcess[] = [];

function ffmpeg(args: string[]): ChildProcess {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], {
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

async function rtmpSession(
  server: TestServer,
  protocolOption?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const created = await call(server.url, P.createsession, {
    ReqId: reqId(),
    VirtualmanProjectId: 'demo',
    UserId: 'rtmp-user',
    Protocol: 'rtmp',
    ...(protocolOption && { ProtocolOption: protocolOption }),
  });
  expect(created.Header.Code).toBe(0);
  const stat = await settledStat(server.url, created.Payload.SessionId as string);
  expect(stat.SessionStatus).toBe(1);
  return stat;
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exitOf(child);
  }
});

describe('RTMP push to CssCustomPushUrl', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('pushes H.264 + AAC from status 1; the recording lasts as long as the session audio it carried', async () => {
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/received`;
    const path = join(server.dataDir, 'received.flv');
    const receiver = ffmpeg(['-listen', '1', '-i', url, '-c', 'copy', path]);
    await waitForListen(port, 5_000);

    const stat = await rtmpSession(server, { CssCustomPushUrl: url });
    const sessionId = stat.SessionId as string;
    expect(stat.PlayStreamAddr).toBe(''); // pushed to the client's own server: it knows where to watch
    await waitFor(() => Promise.resolve(server.streams.streamOf(sessionId)), 10_000);
    expect((await call(server.url, P.startsession, { SessionId: sessionId })).Header.Code).toBe(0);
    const said = await call(server.url, DRIVE_PATHS.command, {
      ReqId: reqId(),
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: 'Pushed over RTMP to a receiver of the client.' },
    });
    expect(said.Header.Code).toBe(0);
    await waitFor(async () => {
      const s = await call(server.url, P.statsession, { SessionId: sessionId });
      return s.Payload.SpeakStatus === 'TextOver' ? true : undefined;
    }, 20_000);
    const stream = server.streams.streamOf(sessionId)!;
    await call(server.url, P.closesession, { SessionId: sessionId });
    const writtenMs = stream.stats.audioChunks * 20;
    expect(await exitOf(receiver)).toBe(0);

    const recorded = await ffprobe(path);
    expect(recorded.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      'audio:aac',
      'video:h264',
    ]);
    expect(writtenMs).toBeGreaterThan(2000);
    expect(Math.abs(Number(recorded.format.duration) * 1000 - writtenMs)).toBeLessThanOrEqual(200);
  });

  it('reports a refused push on statsession and as a Type 9 event, and retries until it gets through', async () => {
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/later?txSecret=abc123`;
    const stat = await rtmpSession(server, { CssCustomPushUrl: url });
    const sessionId = stat.SessionId as string;
    const failed = await waitFor(async () => {
      const s = await call(server.url, P.statsession, { SessionId: sessionId });
      return s.Payload.ErrorCode === -111001 ? s.Payload : undefined;
    }, 10_000);
    expect(failed.SessionStatus).toBe(1); // the push failed, not the session
    expect(failed.ErrorMessage).toMatch(/live stream stopped/);
    expect(failed.ErrorMessage).not.toContain('abc123'); // the push secret stays on the server
    const events = server.drives.get(sessionId)?.events.since(0).events ?? [];
    expect(events.some((e) => e.Type === 9 && e.ErrorCode === -111001)).toBe(true);

    const path = join(server.dataDir, 'later.flv');
    ffmpeg(['-listen', '1', '-i', url.split('?')[0]!, '-c', 'copy', path]);
    await waitForListen(port, 5_000);
    await waitFor(async () => {
      const s = await call(server.url, P.statsession, { SessionId: sessionId });
      return s.Payload.ErrorCode === 0 ? true : undefined;
    }, 15_000);
    await call(server.url, P.closesession, { SessionId: sessionId });
  });
});

describe('embedded RTMP server', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DHUMAN_RTMP_PORT: '0' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('serves an rtmp session at its rtmp:// PlayStreamAddr, to the right token only', async () => {
    const stat = await rtmpSession(server);
    const play = stat.PlayStreamAddr as string;
    expect(play).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[\w-]+\?token=[\w-]{43}$/);
    await waitFor(() => Promise.resolve(server.streams.streamOf(stat.SessionId as string)), 10_000);

    const path = join(server.dataDir, 'pulled.flv');
    const puller = ffmpeg(['-i', play, '-t', '2', '-c', 'copy', path]);
    expect(await exitOf(puller)).toBe(0);
    const pulled = await ffprobe(path);
    expect(pulled.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    const wrong = ffmpeg([
      '-i',
      play.replace(/token=.*/, `token=${'A'.repeat(43)}`),
      '-t',
      '1',
      '-f',
      'null',
      '-',
    ]);
    expect(await exitOf(wrong)).not.toBe(0);
    await call(server.url, P.closesession, { SessionId: stat.SessionId });
  });
});
