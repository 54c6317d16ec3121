import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import { call, signedUrl, startTestServer, waitFor, type TestServer } from './harness.js';
import { RawChannel, startedSession } from './channel-client.js';

interface TapFrame {
  kind: string;
  utteranceId: string;
  reqId?: string;
  pts: number;
  pcm?: string;
  event?: { viseme: string; timeMs: number };
}

async function openTap(base: string, sessionId: string): Promise<{ frames: TapFrame[]; ws: WebSocket }> {
  const url = await signedUrl(base.replace(/^http/, 'ws'), `/dhuman/ws/sessions/${sessionId}/media`);
  const ws = new WebSocket(url);
  const frames: TapFrame[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as TapFrame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_r, res) => reject(new Error(`tap refused ${res.statusCode}`)));
  });
  return { frames, ws };
}

const audioMs = (frames: TapFrame[], utteranceId: string) =>
  frames
    .filter((f) => f.kind === 'audio' && f.utteranceId === utteranceId)
    .reduce((ms, f) => ms + Buffer.from(f.pcm ?? '', 'base64').length / 2 / 24, 0);

describe('command channel with real speech', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DHUMAN_HTTP_COMMAND_INTERVAL_MS: '1000' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('refuses sockets for unknown, unstarted and closed sessions with the IVH code', async () => {
    await expect(RawChannel.open(server.url, 'm404')).rejects.toThrow(/404/);
    const created = await call(server.url, SESSION_PATHS.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: 'ns',
      Protocol: 'webrtc',
    });
    await expect(RawChannel.open(server.url, created.Payload.SessionId as string)).rejects.toThrow(/409/);
    await call(server.url, SESSION_PATHS.closesession, { SessionId: created.Payload.SessionId });
    await expect(RawChannel.open(server.url, created.Payload.SessionId as string)).rejects.toThrow(/410/);
  });

  it('a media tap closes with 1009 on a frame over its limit, and the server goes on', async () => {
    const sessionId = await startedSession(server.url);
    const tap = await openTap(server.url, sessionId);
    const closed = new Promise<number>((resolve) => tap.ws.once('close', (code) => resolve(code)));
    tap.ws.send(Buffer.alloc(4096));
    expect(await closed).toBe(1009);
    const again = await openTap(server.url, sessionId);
    again.ws.close();
  });

  it('speaks text with the documented status order, on the media clock, lip-synced to the audio', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    const tap = await openTap(server.url, sessionId);
    const reqId = channel.send(sessionId, 'SEND_TEXT', {
      Text: 'Hello, I am the dhuman avatar.',
      Interrupt: false,
      ChatCommand: 'NotUseChat',
    });
    const over = await channel.waitFor(
      (f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextOver',
    );
    expect(channel.statuses(reqId)).toEqual([
      'T1',
      'WaitingTextStart',
      'TextStart',
      'WaitingTextOver',
      'TextOver',
    ]);
    const frames = channel.of(reqId);
    expect(frames[0]?.Payload).toMatchObject({ Type: 1, Text: 'Hello, I am the dhuman avatar.' });
    for (const f of frames) {
      expect(f.Header.Code).toBe(0);
      expect(f.Payload.SessionId).toBe(sessionId);
    }
    const seqs = frames.map((f) => f.Payload.EventSeq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const start = frames.find((f) => f.Payload.SpeakStatus === 'TextStart');
    expect(start?.Payload.Timings?.FirstSampleMs).toBeLessThan(1000);

    await waitFor(() => Promise.resolve(tap.frames.find((f) => f.kind === 'utterance-end')));
    const utteranceId = tap.frames.find((f) => f.kind === 'utterance-start')?.utteranceId ?? '';
    // The utterance frames name the drive, so outputs can tell drives apart.
    expect(tap.frames.find((f) => f.kind === 'utterance-start')?.reqId).toBe(reqId);
    expect(tap.frames.find((f) => f.kind === 'utterance-end')?.reqId).toBe(reqId);
    const played = audioMs(tap.frames, utteranceId);
    expect(played).toBeGreaterThan(1000);
    expect(played).toBeLessThan(5000);
    // Real time: TextStart → TextOver takes about as long as the audio (within scheduling slack).
    expect(over.at - (start?.at ?? 0)).toBeGreaterThan(played - 150);
    const startPts = tap.frames.find((f) => f.kind === 'utterance-start')?.pts ?? 0;
    const endPts = tap.frames.find((f) => f.kind === 'utterance-end')?.pts ?? 0;
    expect(endPts - startPts).toBeCloseTo(played, 0);
    const visemes = tap.frames.filter((f) => f.kind === 'viseme');
    expect(new Set(visemes.map((v) => v.event?.viseme)).size).toBeGreaterThan(4);
    const lastViseme = visemes.at(-1);
    expect(lastViseme?.event?.viseme).toBe('sil');
    expect(Math.abs((lastViseme?.pts ?? 0) - endPts)).toBeLessThanOrEqual(40);
    expect(tap.frames.some((f) => f.kind === 'blendshape')).toBe(true);
    expect(tap.frames.some((f) => f.kind === 'word')).toBe(true);
    // Per-stage timings reach the metrics too.
    const metrics = await (await fetch(`${server.url}/dhuman/metrics`)).text();
    expect(metrics).toMatch(/dhuman_drive_stage_seconds_count\{stage="first_sample",kind="text"\} [1-9]/);
    expect(metrics).toMatch(/dhuman_drive_events_total\{type="3",status="TextOver"\} [1-9]/);
    tap.ws.close();
    channel.close();
  });

  it('stops on interrupt within 100 ms and emits no frame of the old utterance afterwards', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    const tap = await openTap(server.url, sessionId);
    const long =
      'This is a long sentence that keeps the avatar talking for several seconds, so it can be cut.';
    const reqId = channel.send(sessionId, 'SEND_TEXT', { Text: long });
    await channel.waitFor((f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextStart');
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = performance.now();
    channel.send(sessionId, 'SEND_TEXT', { Interrupt: true, ChatRoundId: 'r' });
    const over = await channel.waitFor(
      (f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextOver',
    );
    expect(over.at - sentAt).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 200));
    const endIndex = tap.frames.findIndex((f) => f.kind === 'utterance-end');
    expect(endIndex).toBeGreaterThan(0);
    const utteranceId = tap.frames[endIndex]?.utteranceId;
    expect(tap.frames.slice(endIndex + 1).filter((f) => f.utteranceId === utteranceId)).toEqual([]);
    expect(audioMs(tap.frames, utteranceId ?? '')).toBeLessThan(1500);
    tap.ws.close();
    channel.close();
  });

  it('answers bad frames with error events and stays usable', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    channel.ws.send('not json');
    channel.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const unknown = channel.send(sessionId, 'SEND_SING', { Text: 'x' });
    const wrongSession = channel.send('m999', 'SEND_TEXT', { Text: 'x' });
    const badSsml = channel.send(sessionId, 'SEND_TEXT', { Text: '<speak>Hi <break time="1"/></speak>' });
    const tooLong = channel.send(sessionId, 'SEND_TEXT', { Text: '好'.repeat(4001) });
    const seqZero = channel.send(sessionId, 'SEND_STREAMTEXT', { Text: 'x', Seq: 0 });
    const audio = channel.send(sessionId, 'SEND_AUDIO', { Audio: 'AAAA', Seq: 1 });
    channel.ws.send(
      JSON.stringify({
        Payload: {
          ReqId: 'big',
          SessionId: sessionId,
          Command: 'SEND_TEXT',
          Data: { Text: 'x'.repeat(300_000) },
        },
      }),
    );
    await channel.waitFor((f) => f.Payload.ReqId === audio && f.Payload.Type === 9);
    // Too big to be read, so it is answered without a ReqId.
    await channel.waitFor((f) => /larger than/.test(f.Payload.ErrorMessage ?? ''));
    const errorOf = (reqId: string) => channel.of(reqId).find((f) => f.Payload.Type === 9)?.Payload;
    const anonymous = channel.frames.filter((f) => f.Payload.ReqId === '' && f.Payload.Type === 9);
    expect(anonymous.map((f) => f.Payload.ErrorMessage)).toEqual([
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/binary frames/),
      expect.stringMatching(/frame is larger than 262144 bytes/),
    ]);
    expect(errorOf(unknown)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/SEND_SING/),
    });
    expect(errorOf(wrongSession)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/not this channel's session/),
    });
    expect(errorOf(badSsml)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/line 1, column/),
    });
    expect(errorOf(tooLong)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/4000 characters/),
    });
    expect(errorOf(seqZero)).toMatchObject({ ErrorCode: 100001, ErrorMessage: expect.stringMatching(/Seq/) });
    expect(errorOf(audio)).toMatchObject({
      ErrorCode: 110015,
      ErrorMsg: expect.stringMatching(/DriverType 3/),
    });
    for (const reqId of [unknown, badSsml]) {
      const frame = channel.of(reqId).find((f) => f.Payload.Type === 9);
      expect(frame?.Header.Code).toBe(frame?.Payload.ErrorCode);
      expect(frame?.Payload.SpeakStatus).toBe('Error');
    }
    const ok = channel.send(sessionId, 'SEND_TEXT', { Text: 'Still here.' });
    await channel.waitFor((f) => f.Payload.ReqId === ok && f.Payload.SpeakStatus === 'TextOver');
    expect(channel.closed).toBeUndefined();
    channel.close();
  });

  it('refuses a flood past the rate limit with 100012', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    for (let i = 0; i < 150; i++) channel.send(sessionId, 'SEND_HEARTBEAT', { Text: 'PING' });
    await channel.waitFor((f) => f.Payload.ErrorCode === 100012);
    expect(channel.closed).toBeUndefined();
    channel.close();
  });

  it('replaces an older connection, re-sends the last drives, and resumes from an EventSeq', async () => {
    const sessionId = await startedSession(server.url);
    const first = await RawChannel.open(server.url, sessionId);
    const reqId = first.send(sessionId, 'SEND_TEXT', { Text: 'One.' });
    await first.waitFor((f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextOver');
    const second = await RawChannel.open(server.url, sessionId);
    await waitFor(() => Promise.resolve(first.closed));
    expect(first.closed).toEqual({ code: 4001, reason: expect.stringMatching(/replaced/) });
    await second.waitFor((f) => f.Payload.SpeakStatus === 'TextOver');
    expect(second.statuses(reqId)).toEqual(['WaitingTextStart', 'TextStart', 'WaitingTextOver', 'TextOver']);
    const lastSeq = Math.max(...first.frames.map((f) => f.Payload.EventSeq));
    const next = second.send(sessionId, 'SEND_TEXT', { Text: 'Two.' });
    await second.waitFor((f) => f.Payload.ReqId === next && f.Payload.SpeakStatus === 'TextOver');
    second.close();
    const resumed = await RawChannel.open(server.url, sessionId, { resumefrom: String(lastSeq) });
    await resumed.waitFor((f) => f.Payload.ReqId === next && f.Payload.SpeakStatus === 'TextOver');
    expect(resumed.frames.every((f) => f.Payload.EventSeq > lastSeq)).toBe(true);
    expect(resumed.statuses(next)).toEqual([
      'T1',
      'WaitingTextStart',
      'TextStart',
      'WaitingTextOver',
      'TextOver',
    ]);
    expect(resumed.of(reqId)).toEqual([]);
    resumed.close();
  });

  it('keeps speaking when the client closes right after the first status', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    const tap = await openTap(server.url, sessionId);
    const reqId = channel.send(sessionId, 'SEND_TEXT', { Text: 'Speech goes on without the channel.' });
    await channel.waitFor((f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'WaitingTextStart');
    channel.close();
    await waitFor(() => Promise.resolve(tap.frames.find((f) => f.kind === 'utterance-end')));
    expect(tap.frames.find((f) => f.kind === 'utterance-end')).toMatchObject({ interrupted: false });
    tap.ws.close();
  });

  it('drives text over HTTP with a per-appkey minimum interval, events going to the channel', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    const reqId = crypto.randomUUID().replaceAll('-', '');
    const res = await call(server.url, DRIVE_PATHS.command, {
      ReqId: reqId,
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: 'Over HTTP.' },
    });
    expect(res.Header.Code).toBe(0);
    const again = await call(server.url, DRIVE_PATHS.command, {
      ReqId: 'r2',
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: 'Too soon.' },
    });
    expect(again.Header.Code).toBe(100012);
    await channel.waitFor((f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextOver');
    await new Promise((r) => setTimeout(r, 1000));
    const bad = await call(server.url, DRIVE_PATHS.command, {
      ReqId: 'r3',
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: '<speak>unclosed' },
    });
    expect(bad.Header).toMatchObject({ Code: 100001, Message: expect.stringMatching(/SSML/) });
    await new Promise((r) => setTimeout(r, 1000));
    const audio = await call(server.url, DRIVE_PATHS.command, {
      ReqId: 'r4',
      SessionId: sessionId,
      Command: 'SEND_AUDIO',
      Data: { Audio: '', Seq: 1 },
    });
    expect(audio.Header.Code).toBe(100001);
    channel.close();
  });

  it('streams text and uplink audio', async () => {
    const sessionId = await startedSession(server.url, { DriverType: 3 });
    const channel = await RawChannel.open(server.url, sessionId);
    const stream = crypto.randomUUID().replaceAll('-', '');
    ['Streaming ', 'text arrives in ', 'pieces. And ', 'ends here.'].forEach((Text, i) =>
      channel.send(sessionId, 'SEND_STREAMTEXT', { Text, Seq: i + 1 }, stream),
    );
    channel.send(sessionId, 'SEND_STREAMTEXT', { Text: '', Seq: 5, IsFinal: true }, stream);
    await channel.waitFor((f) => f.Payload.ReqId === stream && f.Payload.SpeakStatus === 'TextOver');
    const tone = Buffer.alloc(5120);
    for (let i = 0; i < 2560; i++)
      tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16000)), i * 2);
    const audioReq = crypto.randomUUID().replaceAll('-', '');
    for (let seq = 1; seq <= 3; seq++)
      channel.send(sessionId, 'SEND_AUDIO', { Audio: tone.toString('base64'), Seq: seq }, audioReq);
    channel.send(sessionId, 'SEND_AUDIO', { Audio: '', Seq: 4, IsFinal: true }, audioReq);
    const over = await channel.waitFor(
      (f) => f.Payload.ReqId === audioReq && f.Payload.SpeakStatus === 'AudioOver',
    );
    expect(over.Payload.FinalType).toBe(1);
    expect(channel.statuses(audioReq)).toEqual([
      'WaitingAudioStart',
      'AudioStart',
      'WaitingAudioOver',
      'AudioOver',
    ]);
    // Bad audio on an audio session: odd byte count, not Base64, and more for the finished ReqId.
    const odd = channel.send(sessionId, 'SEND_AUDIO', { Audio: 'AAAA', Seq: 1 });
    const notBase64 = channel.send(sessionId, 'SEND_AUDIO', { Audio: 'AA*A', Seq: 1 });
    channel.send(sessionId, 'SEND_AUDIO', { Audio: tone.toString('base64'), Seq: 5 }, audioReq);
    await channel.waitFor((f) => f.Payload.ReqId === audioReq && f.Payload.Type === 9);
    const errorOf = (reqId: string) => channel.of(reqId).find((f) => f.Payload.Type === 9)?.Payload;
    expect(errorOf(odd)).toMatchObject({ ErrorCode: 100001, ErrorMessage: expect.stringMatching(/3 bytes/) });
    expect(errorOf(notBase64)).toMatchObject({
      ErrorCode: 100001,
      ErrorMessage: expect.stringMatching(/Base64 at character 2/),
    });
    expect(errorOf(audioReq)).toMatchObject({
      ErrorCode: 110015,
      ErrorMessage: expect.stringMatching(/already finished/),
    });
    channel.close();
  });

  it('closes the channel with a reason when the session is closed', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    await call(server.url, SESSION_PATHS.closesession, { SessionId: sessionId });
    await waitFor(() => Promise.resolve(channel.closed));
    expect(channel.closed).toEqual({ code: 4000, reason: expect.stringMatching(/session ended/) });
  });
});
