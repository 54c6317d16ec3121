// HLS rendition of a webrtc session's server-rendered stream: started by the first playlist request, H.264 + AAC
// segments that ffprobe reads, token-protected, and gone (process, worker, sockets, files) when the session closes.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS as P } from '@dhuman/protocol';
import { call, startTestServer, waitFor, type TestServer } from './harness.js';
import { fetchPlaylist, newWebrtcSession } from './stream-session.js';
import { childProcesses, renderThreads, udpSocketCount } from './processes.js';

const run = promisify(execFile);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ DHUMAN_STREAM_LINGER_SEC: '2' });
});
afterAll(async () => {
  await server.dispose();
});

describe('HLS stream', { timeout: 60_000 }, () => {
  it('answers a token-protected playlist whose segments are H.264 + AAC, and cleans up on close', async () => {
    const before = {
      ffmpeg: childProcesses('ffmpeg').length,
      render: renderThreads(),
      udp: udpSocketCount(),
    };
    const { sessionId, play } = await newWebrtcSession(server);
    expect(play).toMatch(new RegExp(`^${server.url}/dhuman/play/${sessionId}\\?token=[A-Za-z0-9_-]{43}$`));
    const token = new URL(play).searchParams.get('token')!;
    const playlistUrl = `${server.url}/dhuman/live/${sessionId}.m3u8?token=${token}`;

    const wrong = await fetch(`${server.url}/dhuman/live/${sessionId}.m3u8?token=${'x'.repeat(43)}`);
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { Code: number }).Code).toBe(100005);
    expect((await fetch(`${server.url}/dhuman/live/${sessionId}.m3u8`)).status).toBe(403);

    const res = await fetchPlaylist(server, sessionId, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('mpegurl');
    const playlist = await res.text();
    const segment = playlist.split('\n').find((line) => line.includes('.ts'));
    expect(segment).toMatch(new RegExp(`^${sessionId}/seg\\d{5}\\.ts\\?token=${token}$`));

    const stream = server.streams.streamOf(sessionId);
    expect(stream).toBeDefined();
    expect(childProcesses('ffmpeg')).toContain(stream!.processes.ffmpegPid);
    expect(renderThreads()).toBe(before.render + 1);
    expect(udpSocketCount()).toBe(before.udp + 2);

    const data = await fetch(`${server.url}/dhuman/live/${segment}`);
    expect(data.status).toBe(200);
    const file = join(server.dataDir, 'segment.ts');
    writeFileSync(file, Buffer.from(await data.arrayBuffer()));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'json',
      file,
    ]);
    const streams = (JSON.parse(stdout) as { streams: { codec_name: string; width?: number }[] }).streams;
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(streams.find((s) => s.codec_name === 'h264')?.width).toBe(512);

    const hlsDir = stream!.hlsDir!;
    expect(existsSync(hlsDir)).toBe(true);
    const closed = await call(server.url, P.closesession, { SessionId: sessionId });
    expect(closed.Header.Code).toBe(0);
    await waitFor(
      () => Promise.resolve(childProcesses('ffmpeg').length === before.ffmpeg ? true : undefined),
      5000,
    );
    await waitFor(() => Promise.resolve(renderThreads() === before.render ? true : undefined), 5000);
    await waitFor(() => Promise.resolve(existsSync(hlsDir) ? undefined : true), 5000);
    expect(udpSocketCount()).toBe(before.udp);
    expect((await fetch(playlistUrl)).status).toBe(404);
  });

  it('stops a webrtc stream nobody watches after the linger time', async () => {
    const { sessionId, play } = await newWebrtcSession(server);
    const token = new URL(play).searchParams.get('token')!;
    const res = await fetchPlaylist(server, sessionId, token);
    expect(res.status, await res.text()).toBe(200);
    const pid = server.streams.streamOf(sessionId)?.processes.ffmpegPid;
    expect(pid).toBeDefined();
    await waitFor(() => Promise.resolve(server.streams.streamOf(sessionId) ? undefined : true), 8000);
    await waitFor(() => Promise.resolve(childProcesses('ffmpeg').includes(pid!) ? undefined : true), 3000);
    const stat = await call(server.url, P.statsession, { SessionId: sessionId });
    expect(stat.Payload.SessionStatus).toBe(1); // the session lives on; only its encode stopped
  });
});
