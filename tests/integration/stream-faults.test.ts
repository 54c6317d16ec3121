// What one session's stream failing or the machine being full does to the others: a killed ffmpeg ends that
// stream's worker and sockets and reaches its session as an error, while another session's stream runs on; past
// the stream capacity, createsession and new viewers get 100008 instead of every stream stuttering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS as P } from '@dhuman/protocol';
import { call, reqId, startTestServer, waitFor, type TestServer } from './harness.js';
import { fetchPlaylist, newWebrtcSession } from './stream-session.js';
import { childProcesses, renderThreads, udpPortBound, udpSocketCount } from './processes.js';

describe('a failing stream fails only its own session', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('ffmpeg killed: that stream is torn down and reported; the other stream keeps encoding', async () => {
    const baseline = { render: renderThreads(), udp: udpSocketCount() };
    const a = await newWebrtcSession(server);
    const b = await newWebrtcSession(server);
    expect((await fetchPlaylist(server, a.sessionId, a.token)).status).toBe(200);
    expect((await fetchPlaylist(server, b.sessionId, b.token)).status).toBe(200);
    const streamA = server.streams.streamOf(a.sessionId)!;
    const streamB = server.streams.streamOf(b.sessionId)!;
    expect(renderThreads()).toBe(baseline.render + 2);

    process.kill(streamA.processes.ffmpegPid!, 'SIGKILL');
    const failed = await waitFor(async () => {
      const stat = await call(server.url, P.statsession, { SessionId: a.sessionId });
      return stat.Payload.ErrorCode === -111001 ? stat.Payload : undefined;
    }, 10_000);
    expect(failed.SessionStatus).toBe(1);
    expect(failed.ErrorMessage).toMatch(/ffmpeg.*killed/);
    await waitFor(
      () => Promise.resolve(streamA.isClosed && renderThreads() === baseline.render + 1 ? true : undefined),
      5_000,
    );
    expect(server.streams.streamOf(a.sessionId)).toBeUndefined();
    expect(udpSocketCount()).toBe(baseline.udp + 2); // B's two RTP sockets only
    expect(childProcesses('ffmpeg')).toEqual([streamB.processes.ffmpegPid]);

    const framesB = streamB.stats.videoFrames;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(streamB.stats.videoFrames).toBeGreaterThan(framesB + 5);
    const statB = await call(server.url, P.statsession, { SessionId: b.sessionId });
    expect(statB.Payload.ErrorCode).toBe(0);

    // The next viewer of A starts a fresh stream, and the error clears.
    expect((await fetchPlaylist(server, a.sessionId, a.token)).status).toBe(200);
    const again = await call(server.url, P.statsession, { SessionId: a.sessionId });
    expect(again.Payload.ErrorCode).toBe(0);
    await call(server.url, P.closesession, { SessionId: a.sessionId });
    await call(server.url, P.closesession, { SessionId: b.sessionId });
    await waitFor(() => Promise.resolve(childProcesses('ffmpeg').length === 0 || undefined), 5_000);
  });
});

describe('admission control', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    // Room for one 512x512 25 fps stream.
    server = await startTestServer({ DHUMAN_STREAM_CAPACITY: '1' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('answers 100008 to createsession and to a new viewer while the machine is streaming at capacity', async () => {
    const a = await newWebrtcSession(server);
    const b = await newWebrtcSession(server); // nothing streams yet: admitted
    expect((await fetchPlaylist(server, a.sessionId, a.token)).status).toBe(200);

    const refused = await call(server.url, P.createsession, {
      ReqId: reqId(),
      VirtualmanProjectId: 'demo',
      UserId: 'late',
      Protocol: 'webrtc',
    });
    expect(refused.Header.Code).toBe(100008);
    expect(refused.Header.Message).toMatch(/capacity/);

    const viewer = await fetchPlaylist(server, b.sessionId, b.token);
    expect(viewer.status).toBe(503);
    expect(((await viewer.json()) as { Code: number }).Code).toBe(100008);
    expect(viewer.headers.get('retry-after')).toBe('5');
    const whep = await fetch(`${server.url}/dhuman/whep/${b.sessionId}?token=${b.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    expect(whep.status).toBe(503);

    // A's stream ends with its session: room again.
    await call(server.url, P.closesession, { SessionId: a.sessionId });
    await waitFor(() => Promise.resolve(server.streams.running === 0 || undefined), 5_000);
    expect((await fetchPlaylist(server, b.sessionId, b.token)).status).toBe(200);
    await call(server.url, P.closesession, { SessionId: b.sessionId });
  });
});

describe('idle timeout', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DHUMAN_SESSION_IDLE_SEC: '10' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('a session closed for idling takes its stream with it: ffmpeg, render worker, sockets', async () => {
    const baseline = { render: renderThreads() };
    const a = await newWebrtcSession(server);
    expect((await fetchPlaylist(server, a.sessionId, a.token)).status).toBe(200);
    const stream = server.streams.streamOf(a.sessionId)!;
    const pid = stream.processes.ffmpegPid!;
    const ports = [stream.fanout!.videoPort, stream.fanout!.audioPort];
    expect(ports.every(udpPortBound)).toBe(true);
    expect(childProcesses('ffmpeg')).toContain(pid);
    // Watching is not activity: with no drive or heartbeat the session closes (CloseType 2).
    const closed = await waitFor(async () => {
      const stat = await call(server.url, P.statsession, { SessionId: a.sessionId });
      return stat.Payload.SessionStatus === 2 ? stat.Payload : undefined;
    }, 20_000);
    expect(closed.CloseType).toBe(2);
    await waitFor(() => Promise.resolve(childProcesses('ffmpeg').includes(pid) ? undefined : true), 5_000);
    await waitFor(() => Promise.resolve(renderThreads() === baseline.render || undefined), 5_000);
    // The RTP sockets close last, once ffmpeg and the worker have ended.
    await waitFor(() => Promise.resolve(ports.some(udpPortBound) ? undefined : true), 5_000);
  });
});
