import { IvhError, sign, type DriveEventPayload } from '@dhuman/protocol';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { DhumanClient } from '../client.js';
import { TransportError } from '../errors.js';
import { openCommandChannel, type CommandChannel } from './command-channel.js';
import { CommandChannelClosedError } from './errors.js';
import type { ChannelCloseInfo, CommandChannelOptions } from './types.js';

// A stand-in for dhuman's command channel on a real socket (port 0): it records every upgrade attempt and
// every frame, refuses upgrades the way the server does when told to, and sends events in the server's frame
// shape. The real server is exercised end to end elsewhere; this pins down the client's side of the contract.

const TOKEN = 'secret-token';
const SESSION = 'm3185';
const HEX32: unknown = expect.stringMatching(/^[0-9a-f]{32}$/);

interface Command {
  Header: Record<string, unknown>;
  Payload: { ReqId: string; SessionId: string; Command: string; Data: Record<string, unknown> };
}

interface Connection {
  ws: WebSocket;
  query: URLSearchParams;
  commands: Command[];
  /** Arrival time of each command, in ms (performance.now). */
  times: number[];
  /** Resolves with command `index` (0-based) once it has arrived. */
  command(index: number): Promise<Command>;
  event(payload: Partial<DriveEventPayload>, header?: Record<string, unknown>): void;
  closed: Promise<{ code: number; reason: string }>;
}

type Refusal = { status: number; body: string };

interface FakeChannelServer {
  baseUrl: string;
  attempts: { query: URLSearchParams; at: number }[];
  /** Decides per attempt whether to refuse it; accepts by default. */
  refuse: (attempt: number) => Refusal | undefined;
  connection(index: number): Promise<Connection>;
  close(): Promise<void>;
}

/** Resolves when `predicate` holds, polling briefly (the values come from socket callbacks). */
async function until(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function envelope(code: number, message: string): string {
  return JSON.stringify({
    Header: { Code: code, Message: message, RequestID: 'rid', SessionID: '', DialogID: '' },
    Payload: {},
  });
}

function refuseUpgrade(socket: Duplex, { status, body }: Refusal): void {
  socket.end(
    `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function startServer(): Promise<FakeChannelServer> {
  const wss = new WebSocketServer({ noServer: true });
  const connections: Connection[] = [];
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const fake: FakeChannelServer = {
    baseUrl: '',
    attempts: [],
    refuse: () => undefined,
    connection: (index) =>
      until(() => connections.length > index, `connection ${index}`).then(
        () => connections[index] as Connection,
      ),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
  http.on('upgrade', (req, socket, head) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    fake.attempts.push({ query, at: performance.now() });
    const refusal = fake.refuse(fake.attempts.length - 1);
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const commands: Command[] = [];
      const times: number[] = [];
      ws.on('message', (data) => {
        commands.push(JSON.parse((data as Buffer).toString('utf8')) as Command);
        times.push(performance.now());
      });
      let eventSeq = 0;
      connections.push({
        ws,
        query,
        commands,
        times,
        command: (index) =>
          until(() => commands.length > index, `command ${index}`).then(() => commands[index] as Command),
        event: (payload, header = {}) => {
          eventSeq = payload.EventSeq ?? eventSeq + 1;
          const full = { Type: 3, SessionId: SESSION, ReqId: '', Seq: 0, EventSeq: eventSeq, ...payload };
          const code = full.Type === 9 ? (full.ErrorCode ?? -111005) : 0;
          ws.send(
            JSON.stringify({
              Header: { Code: code, Message: full.ErrorMessage ?? '', RequestID: `e${eventSeq}`, ...header },
              Payload: full,
            }),
          );
        },
        closed: new Promise((resolve) =>
          ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
        ),
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return fake;
}

let server: FakeChannelServer;
let client: DhumanClient;
const channels: CommandChannel[] = [];

beforeEach(async () => {
  server = await startServer();
  client = new DhumanClient({ baseUrl: server.baseUrl, appkey: 'ak1', accesstoken: TOKEN });
});
afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  await server.close();
});

/** Opens a channel with fast test settings and records what it emits. */
function open(options: CommandChannelOptions = {}) {
  const channel = openCommandChannel(client, SESSION, {
    webSocket: WebSocket,
    heartbeatMs: 0,
    backoff: { initialMs: 20, maxMs: 160 },
    ...options,
  });
  channels.push(channel);
  const log = {
    events: [] as DriveEventPayload[],
    statuses: [] as DriveEventPayload[],
    errors: [] as { error: Error; reqId: string | undefined }[],
    closes: [] as ChannelCloseInfo[],
    opens: 0,
    ended: [] as string[],
    replaced: [] as string[],
  };
  channel.on('event', (e) => log.events.push(e));
  channel.on('status', (e) => log.statuses.push(e));
  channel.on('error', (error, reqId) => log.errors.push({ error, reqId }));
  channel.on('close', (info) => log.closes.push(info));
  channel.on('open', () => (log.opens += 1));
  channel.on('ended', (reason) => log.ended.push(reason));
  channel.on('replaced', (reason) => log.replaced.push(reason));
  return { channel, log };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connecting and sending', () => {
  it('connects with a signed URL naming the session and sends commands in the IVH envelope', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    expect(conn.query.get('requestid')).toBe(SESSION);
    expect(conn.query.has('resumefrom')).toBe(false);
    expect(await sign(conn.query, TOKEN)).toBe(conn.query.get('signature'));

    const reqId = channel.send('SEND_TEXT', { Text: 'hi', ChatCommand: 'NotUseChat' });
    channel.heartbeat();
    expect(reqId).toEqual(HEX32);
    expect(await conn.command(0)).toEqual({
      Header: {},
      Payload: {
        ReqId: reqId,
        SessionId: SESSION,
        Command: 'SEND_TEXT',
        Data: { Text: 'hi', ChatCommand: 'NotUseChat' },
      },
    });
    expect((await conn.command(1)).Payload).toMatchObject({
      Command: 'SEND_HEARTBEAT',
      Data: { Text: 'PING' },
    });
  });

  it('stop() sends SEND_TEXT with Interrupt and no Text key, under a new ReqId', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    const reqId = channel.stop();
    const frame = await conn.command(0);
    expect(frame.Payload).toEqual({
      ReqId: reqId,
      SessionId: SESSION,
      Command: 'SEND_TEXT',
      Data: { Interrupt: true },
    });
    expect('Text' in frame.Payload.Data).toBe(false);
    expect(channel.stop()).not.toBe(reqId);
  });

  it('sends heartbeats on its own every heartbeatMs', async () => {
    open({ heartbeatMs: 25 });
    const conn = await server.connection(0);
    const beat = await conn.command(1);
    expect(beat.Payload).toMatchObject({ Command: 'SEND_HEARTBEAT', Data: { Text: 'PING' } });
  });

  it('queues commands until the socket opens, and throws when the queue is full', async () => {
    const { channel } = open({ maxQueuedFrames: 2 });
    // Signing the URL is asynchronous, so right after opening nothing is connected yet.
    const first = channel.send('SEND_HEARTBEAT', { Text: 'PING' });
    const second = channel.send('SEND_TEXT', { Text: 'queued' });
    expect(channel.queuedFrames).toBe(2);
    expect(() => channel.send('SEND_TEXT', { Text: 'one too many' })).toThrow(RangeError);
    const conn = await server.connection(0);
    expect((await conn.command(0)).Payload.ReqId).toBe(first);
    expect((await conn.command(1)).Payload.ReqId).toBe(second);
    expect(channel.queuedFrames).toBe(0);
  });

  it('reports a frame that is not an event envelope as an error and keeps going', async () => {
    const { log } = open();
    const conn = await server.connection(0);
    conn.ws.send('{"nonsense":true}');
    conn.event({ ReqId: 'r1', SpeakStatus: 'TextStart' });
    await until(() => log.events.length === 1, 'the good event');
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]?.error).toBeInstanceOf(TransportError);
  });

  it('says clearly when there is no WebSocket to use', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => openCommandChannel(client, SESSION)).toThrow(
      /no WebSocket implementation.*options\.webSocket/,
    );
  });
});

describe('say', () => {
  it('resolves on TextOver with the events of its ReqId and the TextStart timings', async () => {
    const { channel, log } = open();
    const conn = await server.connection(0);
    const spoken = channel.say('hello there', { interrupt: true });
    const { Payload } = await conn.command(0);
    expect(Payload).toMatchObject({ Command: 'SEND_TEXT', Data: { Text: 'hello there', Interrupt: true } });
    const reqId = Payload.ReqId;
    const timings = { ReceivedAt: 1000, FirstChunkMs: 180, FirstSampleMs: 240 };
    conn.event({ Type: 1, ReqId: reqId, Text: 'hello there' });
    conn.event({ ReqId: 'someone-else', SpeakStatus: 'TextStart' });
    conn.event({ ReqId: reqId, SpeakStatus: 'TextStart', Timings: timings });
    conn.event({ ReqId: reqId, SpeakStatus: 'TextOver' });

    const result = await spoken;
    expect(result.reqId).toBe(reqId);
    expect(result.timings).toEqual(timings);
    expect(result.events.map((e) => e.SpeakStatus ?? `Type ${e.Type}`)).toEqual([
      'Type 1',
      'TextStart',
      'TextOver',
    ]);
    expect(log.events).toHaveLength(4);
    expect(log.statuses).toHaveLength(3);
  });

  it('rejects with IvhError on a Type 9 error for its ReqId, which is also an error event', async () => {
    const { channel, log } = open();
    const conn = await server.connection(0);
    const spoken = channel.say('hello');
    const { Payload } = await conn.command(0);
    conn.event({
      Type: 9,
      ReqId: Payload.ReqId,
      SpeakStatus: 'Error',
      ErrorCode: -111005,
      ErrorMessage: 'error while driving with text or audio: tts unavailable',
    });
    const error = await rejection(spoken);
    expect(error).toBeInstanceOf(IvhError);
    expect(error).toMatchObject({ code: -111005, detail: 'tts unavailable' });
    expect(log.errors).toEqual([{ error, reqId: Payload.ReqId }]);
  });

  it('fails every pending drive on an error the server could not attribute (empty ReqId)', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    const first = channel.say('one');
    const second = channel.say('two');
    await conn.command(1);
    conn.event({ Type: 9, ReqId: '', ErrorCode: 100012, ErrorMessage: 'requests too frequent: 51 frames' });
    expect(await rejection(first)).toMatchObject({ code: 100012 });
    expect(await rejection(second)).toMatchObject({ code: 100012 });
  });

  it('stops waiting when its signal aborts', async () => {
    const { channel } = open();
    await server.connection(0);
    const controller = new AbortController();
    const spoken = channel.say('long text', { signal: controller.signal });
    controller.abort(new Error('user left'));
    expect(await rejection(spoken)).toEqual(new Error('user left'));
    expect(await rejection(channel.say('x', { signal: controller.signal }))).toEqual(new Error('user left'));
  });
});

describe('reconnecting', () => {
  it('reconnects after a drop with a fresh signature and resumefrom=<last EventSeq>, never repeating an event', async () => {
    const signedUrl = vi.spyOn(client, 'signedUrl');
    const { channel, log } = open();
    const first = await server.connection(0);
    first.event({ ReqId: 'r1', SpeakStatus: 'TextStart' });
    first.event({ ReqId: 'r1', SpeakStatus: 'WaitingTextOver' });
    first.event({ ReqId: 'r1', SpeakStatus: 'TextOver' });
    await until(() => log.events.length === 3, 'three events');
    first.ws.terminate();

    const second = await server.connection(1);
    expect(second.query.get('resumefrom')).toBe('3');
    expect(await sign(second.query, TOKEN)).toBe(second.query.get('signature'));
    expect(signedUrl).toHaveBeenCalledTimes(2);
    expect(log.closes[0]).toMatchObject({ code: 1006, willReconnect: true });
    // The server's replay overlaps what was seen: EventSeq 2 and 3 must not be delivered again.
    second.event({ ReqId: 'r1', SpeakStatus: 'WaitingTextOver', EventSeq: 2 });
    second.event({ ReqId: 'r1', SpeakStatus: 'TextOver', EventSeq: 3 });
    second.event({ ReqId: 'r2', SpeakStatus: 'TextStart', EventSeq: 4 });
    await until(() => log.events.length === 4, 'the new event');
    await pause(20);
    expect(log.events.map((e) => e.EventSeq)).toEqual([1, 2, 3, 4]);
    expect(channel.lastEventSeq).toBe(4);
    expect(log.opens).toBe(2);
  });

  it('keeps a say() pending across a reconnect and resolves it from the replayed events', async () => {
    const { channel } = open();
    const first = await server.connection(0);
    const spoken = channel.say('hello');
    const { Payload } = await first.command(0);
    first.event({ ReqId: Payload.ReqId, SpeakStatus: 'TextStart' });
    first.ws.terminate();
    const second = await server.connection(1);
    second.event({ ReqId: Payload.ReqId, SpeakStatus: 'TextOver', EventSeq: 2 });
    expect((await spoken).events.map((e) => e.SpeakStatus)).toEqual(['TextStart', 'TextOver']);
  });

  it('flushes commands sent while disconnected, in order, as soon as it is back', async () => {
    const { channel, log } = open({ backoff: { initialMs: 80, maxMs: 160 } });
    const first = await server.connection(0);
    first.ws.terminate();
    await until(() => log.closes.length === 1, 'the close');
    const sent = [
      channel.heartbeat(),
      channel.send('SEND_TEXT', { Text: 'a' }),
      channel.send('SEND_TEXT', { Text: 'b' }),
    ];
    expect(channel.state).toBe('waiting');
    const second = await server.connection(1);
    await second.command(2);
    expect(second.commands.map((c) => c.Payload.ReqId)).toEqual(sent);
  });

  it('backs off with growing delays while the upgrade keeps being refused, reporting each refusal', async () => {
    server.refuse = (attempt) => (attempt < 5 ? { status: 503, body: 'busy' } : undefined);
    // Bases 10, 20, 40, 80, 160: all below or at the cap, where each range starts at the previous one's end.
    const { log } = open({ backoff: { initialMs: 10, maxMs: 160 } });
    await server.connection(0);
    const delays = log.closes.map((c) => c.delayMs ?? -1);
    expect(delays).toHaveLength(5);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] ?? 0);
    expect(delays[0]).toBeLessThanOrEqual(10);
    expect(delays[4]).toBeGreaterThanOrEqual(80);
    // Each attempt waited at least the announced delay after the previous one.
    for (let i = 1; i < server.attempts.length; i++) {
      const gap = (server.attempts[i]?.at ?? 0) - (server.attempts[i - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual((delays[i - 1] ?? 0) - 2);
    }
    expect(log.errors).toHaveLength(5);
    expect(log.errors[0]?.error).toBeInstanceOf(TransportError);
    expect(log.errors[0]?.error).toMatchObject({ status: 503, bodyExcerpt: 'busy' });
  });

  it('keeps growing the delay when the server accepts and drops at once', async () => {
    const { log } = open({ backoff: { initialMs: 20, maxMs: 1000 } });
    for (let i = 0; i < 3; i++) (await server.connection(i)).ws.terminate();
    await until(() => log.closes.length === 3, 'three closes');
    const delays = log.closes.map((c) => c.delayMs ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[0] ?? 0);
  });

  it('reports a refusal with an IVH envelope as IvhError and retries while the session may still start', async () => {
    server.refuse = (attempt) =>
      attempt === 0
        ? {
            status: 409,
            body: envelope(110016, 'drive command to a session that was not started: call startsession'),
          }
        : undefined;
    const { log } = open();
    await server.connection(0);
    expect(log.errors[0]?.error).toBeInstanceOf(IvhError);
    expect(log.errors[0]?.error).toMatchObject({ code: 110016 });
    expect(log.closes[0]?.willReconnect).toBe(true);
  });
});

describe('stopping for good', () => {
  it('stops with "ended" when refused because the session is closed (110013) or unknown (110018)', async () => {
    for (const code of [110013, 110018]) {
      server.refuse = () => ({
        status: code === 110013 ? 410 : 404,
        body: envelope(code, `session gone ${code}`),
      });
      server.attempts.length = 0;
      const { channel, log } = open();
      await until(() => log.ended.length === 1, 'ended');
      expect(log.errors[0]?.error).toMatchObject({ code });
      expect(log.closes).toEqual([expect.objectContaining({ willReconnect: false })]);
      expect(channel.state).toBe('closed');
      await pause(80);
      expect(server.attempts).toHaveLength(1);
      expect(await rejection(channel.say('too late'))).toBeInstanceOf(CommandChannelClosedError);
    }
  });

  it('stops with "ended" on close code 4000 and rejects pending drives', async () => {
    const { channel, log } = open();
    const conn = await server.connection(0);
    const spoken = channel.say('hello');
    await conn.command(0);
    conn.ws.close(4000, 'session ended: closed by owner');
    const error = await rejection(spoken);
    expect(error).toBeInstanceOf(CommandChannelClosedError);
    expect(error).toMatchObject({ kind: 'ended', reason: 'session ended: closed by owner' });
    expect(log.ended).toEqual(['session ended: closed by owner']);
    expect(log.closes).toEqual([
      { code: 4000, reason: 'session ended: closed by owner', willReconnect: false },
    ]);
    await pause(80);
    expect(server.attempts).toHaveLength(1);
    expect(() => channel.heartbeat()).toThrow(CommandChannelClosedError);
  });

  it('stops with "replaced" on close code 4001', async () => {
    const { channel, log } = open();
    const conn = await server.connection(0);
    conn.ws.close(4001, 'replaced by a newer connection for this session');
    await until(() => log.replaced.length === 1, 'replaced');
    expect(log.replaced).toEqual(['replaced by a newer connection for this session']);
    expect(log.ended).toEqual([]);
    expect(channel.state).toBe('closed');
    await pause(80);
    expect(server.attempts).toHaveLength(1);
  });

  it('close() closes the socket normally, rejects pending drives, and is idempotent', async () => {
    const { channel, log } = open();
    const conn = await server.connection(0);
    const spoken = channel.say('hello');
    channel.close();
    channel.close();
    expect(await rejection(spoken)).toMatchObject({ kind: 'closed' });
    expect(await conn.closed).toEqual({ code: 1000, reason: 'closed by the client' });
    await until(() => log.closes.length === 1, 'the close event');
    expect(log.closes[0]).toMatchObject({ willReconnect: false });
    expect(() => channel.send('SEND_HEARTBEAT', {})).toThrow(CommandChannelClosedError);
    await pause(80);
    expect(server.attempts).toHaveLength(1);
  });

  it('close() while waiting to reconnect cancels the reconnect', async () => {
    const { channel, log } = open({ backoff: { initialMs: 100, maxMs: 200 } });
    (await server.connection(0)).ws.terminate();
    await until(() => log.closes.length === 1, 'the drop');
    channel.close();
    await pause(250);
    expect(server.attempts).toHaveLength(1);
  });
});

describe('streamText', () => {
  it('sends the fragments under one ReqId with Seq from 1, then the empty final, and resolves on TextOver', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    async function* llm() {
      yield 'Hello';
      yield '';
      yield ', wor';
      await pause(10);
      yield 'ld.';
    }
    const spoken = channel.streamText(llm());
    const final = await conn.command(3);
    const reqId = final.Payload.ReqId;
    expect(conn.commands.map((c) => [c.Payload.Command, c.Payload.ReqId, c.Payload.Data])).toEqual([
      ['SEND_STREAMTEXT', reqId, { Text: 'Hello', Seq: 1 }],
      ['SEND_STREAMTEXT', reqId, { Text: ', wor', Seq: 2 }],
      ['SEND_STREAMTEXT', reqId, { Text: 'ld.', Seq: 3 }],
      ['SEND_STREAMTEXT', reqId, { Text: '', Seq: 4, IsFinal: true }],
    ]);
    conn.event({ ReqId: reqId, SpeakStatus: 'TextOver' });
    expect((await spoken).reqId).toBe(reqId);
  });

  it('marks every packet IsSentence in sentence mode', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    // Left pending: the channel closes after the test, rejecting it.
    channel.streamText(['First sentence here.', 'Second sentence here.'], { sentence: true }).catch(() => {});
    await conn.command(2);
    expect(conn.commands.map((c) => c.Payload.Data)).toEqual([
      { Text: 'First sentence here.', Seq: 1, IsSentence: true },
      { Text: 'Second sentence here.', Seq: 2, IsSentence: true },
      { Text: '', Seq: 3, IsFinal: true, IsSentence: true },
    ]);
  });

  it('interruptStream sends the stop shape after the last Seq and stops taking fragments', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    let release = () => {};
    async function* slow() {
      yield 'one';
      yield 'two';
      await new Promise<void>((resolve) => (release = resolve));
      yield 'three';
    }
    const reqId = 'a'.repeat(32);
    const spoken = channel.streamText(slow(), { reqId });
    await conn.command(1);
    channel.interruptStream(reqId);
    release();
    const stop = await conn.command(2);
    expect(stop.Payload).toMatchObject({
      ReqId: reqId,
      Data: { Text: '', Seq: 3, IsFinal: true, Interrupt: true },
    });
    conn.event({ ReqId: reqId, SpeakStatus: 'TextOver' });
    await spoken;
    await pause(20);
    expect(conn.commands).toHaveLength(3);
    // With an explicit lastSeq it works for any stream, e.g. one another process started.
    channel.interruptStream('b'.repeat(32), 7);
    expect((await conn.command(3)).Payload.Data).toEqual({
      Text: '',
      Seq: 8,
      IsFinal: true,
      Interrupt: true,
    });
  });

  it('interrupts on the wire when the source fails, and rejects with its error', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    async function* broken() {
      yield await Promise.resolve('partial');
      throw new Error('llm crashed');
    }
    expect(await rejection(channel.streamText(broken()))).toEqual(new Error('llm crashed'));
    expect((await conn.command(1)).Payload.Data).toEqual({
      Text: '',
      Seq: 2,
      IsFinal: true,
      Interrupt: true,
    });
  });

  it('resolves at once and sends nothing for a source without text', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    expect(await channel.streamText(['', ''])).toMatchObject({ events: [] });
    await pause(20);
    expect(conn.commands).toEqual([]);
  });
});

describe('sendAudio', () => {
  const decoded = (audio: unknown) => Buffer.from(String(audio), 'base64');

  it('sends 5120-byte s16le chunks paced 6 at once then ~120 ms apart, then the empty final', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    const samples = Int16Array.from({ length: 2560 * 8 + 1000 }, (_, i) => i % 30_000);
    const spoken = channel.sendAudio(samples);
    const final = await conn.command(9);
    const reqId = final.Payload.ReqId;

    expect(conn.commands.every((c) => c.Payload.Command === 'SEND_AUDIO' && c.Payload.ReqId === reqId)).toBe(
      true,
    );
    expect(conn.commands.map((c) => c.Payload.Data['Seq'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sizes = conn.commands.slice(0, 9).map((c) => decoded(c.Payload.Data['Audio']).length);
    expect(sizes).toEqual([5120, 5120, 5120, 5120, 5120, 5120, 5120, 5120, 2000]);
    expect(final.Payload.Data).toEqual({ Audio: '', Seq: 10, IsFinal: true });
    const second = decoded(conn.commands[1]?.Payload.Data['Audio']);
    expect(second.readInt16LE(0)).toBe(2560);

    const t = conn.times.map((time) => time - (conn.times[0] ?? 0));
    expect(t[5]).toBeLessThan(60);
    for (let i = 6; i < 9; i++) {
      const gap = (t[i] ?? 0) - (t[i - 1] ?? 0);
      expect(gap).toBeGreaterThanOrEqual(100);
      expect(gap).toBeLessThan(200);
    }

    conn.event({ ReqId: reqId, SpeakStatus: 'AudioStart', Timings: { ReceivedAt: 1, FirstSampleMs: 90 } });
    conn.event({ ReqId: reqId, SpeakStatus: 'AudioOver', FinalType: 1 });
    expect(await spoken).toMatchObject({ reqId, finalType: 1, timings: { FirstSampleMs: 90 } });
  });

  it('paces a live source at ~160 ms per chunk with realtime: true', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    channel.sendAudio(new Int16Array(2560 * 8), { realtime: true }).catch(() => {});
    await conn.command(7);
    const gap = (conn.times[7] ?? 0) - (conn.times[6] ?? 0);
    expect(gap).toBeGreaterThanOrEqual(140);
    expect(gap).toBeLessThan(240);
  });

  it('rejects with IvhError when the server refuses the audio, and still ends the utterance', async () => {
    const { channel } = open();
    const conn = await server.connection(0);
    const spoken = channel.sendAudio(new Int16Array(2560 * 20));
    const { Payload } = await conn.command(0);
    conn.event({ Type: 9, ReqId: Payload.ReqId, ErrorCode: 110015, ErrorMessage: 'audio on a text session' });
    expect(await rejection(spoken)).toMatchObject({ code: 110015 });
    await until(() => conn.commands.some((c) => c.Payload.Data['IsFinal'] === true), 'the final packet');
    const last = conn.commands.at(-1);
    expect(last?.Payload.Data).toEqual({ Audio: '', Seq: conn.commands.length, IsFinal: true });
    expect(conn.commands.length).toBeLessThan(10);
  });
});
