import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CommandChannelClosedError,
  DhumanClient,
  DRIVE_PATHS,
  newReqId,
  openCommandChannel,
  type ChannelCloseInfo,
  type CommandChannel,
  type CommandChannelOptions,
} from '@dhuman/client';
import type { DriveEventPayload } from '@dhuman/protocol';
import { APPKEY, startTestServer, TOKEN, waitFor, type TestServer } from './harness.js';

function clientOf(server: TestServer): DhumanClient {
  return new DhumanClient({ baseUrl: server.url, appkey: APPKEY, accesstoken: TOKEN });
}

/** Creates, waits for and starts a session through the SDK; returns its id. */
async function startedSession(client: DhumanClient, driverType: 1 | 3 = 1): Promise<string> {
  const { SessionId } = await client.createSession({
    VirtualmanProjectId: 'demo',
    UserId: `sdk-${newReqId()}`,
    Protocol: 'webrtc',
    DriverType: driverType,
  });
  await client.waitUntilReady(SessionId, { timeoutMs: 20_000 });
  await client.startSession(SessionId);
  return SessionId;
}

/** Node 20 has no global WebSocket: every channel here gets the `ws` package's. */
function open(client: DhumanClient, sessionId: string, options: CommandChannelOptions = {}): CommandChannel {
  return openCommandChannel(client, sessionId, { webSocket: WebSocket, ...options });
}

function next<K extends 'open' | 'ended' | 'replaced' | 'close'>(
  channel: CommandChannel,
  name: K,
): Promise<K extends 'close' ? ChannelCloseInfo : K extends 'open' ? void : string> {
  return new Promise((resolve) => {
    channel.once(name, ((value: unknown) => resolve(value as never)) as never);
  });
}

const statuses = (events: DriveEventPayload[]) =>
  events.flatMap((e) => (e.SpeakStatus ? [e.SpeakStatus] : []));

/** A `ws` WebSocket that also records each socket's URL and the EventSeq of every frame it receives. */
function recordingWebSocket() {
  const urls: string[] = [];
  const frames: { socket: number; eventSeq: number; reqId: string }[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      const socket = urls.push(url);
      this.on('message', (data: Buffer) => {
        const { Payload } = JSON.parse(data.toString()) as { Payload: DriveEventPayload };
        frames.push({ socket, eventSeq: Payload.EventSeq, reqId: Payload.ReqId });
      });
    }
  }
  return { WebSocket: Recording, urls, frames };
}

describe('SDK command channel against the real server', () => {
  let server: TestServer;
  let client: DhumanClient;
  beforeAll(async () => {
    server = await startTestServer();
    client = clientOf(server);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('say() resolves on TextOver with the drive events and Timings', async () => {
    const sessionId = await startedSession(client);
    const channel = open(client, sessionId);
    const result = await channel.say('Hello from the SDK.');
    expect(statuses(result.events)).toEqual(['WaitingTextStart', 'TextStart', 'WaitingTextOver', 'TextOver']);
    expect(result.events[0]).toMatchObject({ Type: 1, Text: 'Hello from the SDK.' });
    expect(result.timings?.FirstSampleMs).toBeGreaterThan(0);
    expect(result.timings?.FirstSampleMs).toBeLessThan(2000);
    expect(channel.state).toBe('open');
    channel.close();
  }, 20_000); // the first session of a server waits for the TTS engine to load

  it('streamText() of LLM-like tokens from an async generator resolves on TextOver', async () => {
    const sessionId = await startedSession(client);
    const channel = open(client, sessionId);
    async function* tokens(): AsyncGenerator<string> {
      for (const token of [
        'Sure',
        ',',
        ' here',
        ' is',
        ' a',
        ' short',
        ' answer',
        '.',
        ' It',
        ' streams',
        '.',
      ]) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        yield token;
      }
    }
    const result = await channel.streamText(tokens());
    expect(statuses(result.events)).toContain('TextStart');
    expect(result.events.at(-1)?.SpeakStatus).toBe('TextOver');
    expect(result.timings?.FirstSampleMs).toBeGreaterThan(0);
    channel.close();
  });

  it('sendAudio() of 1 s of a 16 kHz tone on a DriverType 3 session resolves with finalType 1', async () => {
    const sessionId = await startedSession(client, 3);
    const channel = open(client, sessionId);
    const tone = new Int16Array(16_000);
    for (let i = 0; i < tone.length; i++)
      tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
    const result = await channel.sendAudio(tone);
    expect(result.finalType).toBe(1);
    expect(statuses(result.events)).toEqual([
      'WaitingAudioStart',
      'AudioStart',
      'WaitingAudioOver',
      'AudioOver',
    ]);
    channel.close();
  });

  it("emits 'ended' and stops for good when the session is closed", async () => {
    const sessionId = await startedSession(client);
    const channel = open(client, sessionId);
    const ended = next(channel, 'ended');
    const closes: ChannelCloseInfo[] = [];
    channel.on('close', (info) => closes.push(info));
    const speaking = channel.say('This sentence is cut short because the session is closed while it plays.');
    await new Promise<void>((resolve) =>
      channel.on('status', (event) => event.SpeakStatus === 'TextStart' && resolve()),
    );
    await client.closeSession(sessionId);
    expect(await ended).toMatch(/session ended/);
    // The drive that was playing was ended (TextOver) before the channel was.
    expect((await speaking).events.at(-1)?.SpeakStatus).toBe('TextOver');
    expect(closes).toEqual([expect.objectContaining({ code: 4000, willReconnect: false })]);
    expect(channel.state).toBe('closed');
    const error = await channel.say('Too late.').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandChannelClosedError);
    expect(error).toMatchObject({ kind: 'ended' });
  });

  it("emits 'replaced' when a second channel opens for the session, which keeps working", async () => {
    const sessionId = await startedSession(client);
    const first = open(client, sessionId);
    await next(first, 'open');
    const replaced = next(first, 'replaced');
    const second = open(client, sessionId);
    expect(await replaced).toMatch(/replaced/);
    expect(first.state).toBe('closed');
    await expect(first.say('Not through me.')).rejects.toMatchObject({
      name: 'CommandChannelClosedError',
      kind: 'replaced',
    });
    const result = await second.say('Still here.');
    expect(result.events.at(-1)?.SpeakStatus).toBe('TextOver');
    // The replaced channel does not reconnect and take the session back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.state).toBe('open');
    second.close();
  });

  it('reconnects with resumefrom after the server drops an idle channel, delivering no event twice', async () => {
    const idle = await startTestServer({ DHUMAN_CHANNEL_IDLE_SEC: '5' });
    try {
      const idleClient = clientOf(idle);
      const sessionId = await startedSession(idleClient);
      const recording = recordingWebSocket();
      // No heartbeat, so the server sees no frame for 5 s and closes with 4002; the first retry waits 1-2 s.
      const channel = open(idleClient, sessionId, {
        webSocket: recording.WebSocket,
        heartbeatMs: 0,
        backoff: { initialMs: 2000, maxMs: 4000 },
      });
      const events: DriveEventPayload[] = [];
      channel.on('event', (event) => events.push(event));
      const dropped = next(channel, 'close');
      await channel.say('Before the drop.');
      const drop = await dropped;
      expect(drop).toMatchObject({ code: 4002, willReconnect: true });
      const seqAtDrop = channel.lastEventSeq;
      expect(seqAtDrop).toBeGreaterThan(0);

      // Something happens while the channel is away: a drive sent over HTTP.
      const reopened = next(channel, 'open');
      const away = newReqId();
      await idleClient.call(DRIVE_PATHS.command, {
        ReqId: away,
        SessionId: sessionId,
        Command: 'SEND_TEXT',
        Data: { Text: 'While you were away.' },
      });
      await reopened;
      expect(recording.urls).toHaveLength(2);
      expect(new URL(recording.urls[0] ?? '').searchParams.has('resumefrom')).toBe(false);
      expect(new URL(recording.urls[1] ?? '').searchParams.get('resumefrom')).toBe(String(seqAtDrop));

      const after = await channel.say('After the reconnect.');
      expect(after.events.at(-1)?.SpeakStatus).toBe('TextOver');
      await waitFor(() =>
        Promise.resolve(events.find((e) => e.ReqId === away && e.SpeakStatus === 'TextOver')),
      );
      // What happened while away was replayed on the new socket, and only what was missed.
      const resumed = recording.frames.filter((f) => f.socket === 2);
      expect(resumed.some((f) => f.reqId === away)).toBe(true);
      expect(resumed.every((f) => f.eventSeq > seqAtDrop)).toBe(true);
      const seqs = events.map((e) => e.EventSeq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(channel.state).toBe('open');
      channel.close();
    } finally {
      await idle.dispose();
    }
  }, 25_000);
});
