import { IvhError, sign, type DriveEventPayload } from '@dhuman/protocol';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { DhumanClient } from '../client.js';
import type { WebSocketConstructor } from '../channel/web-socket.js';
import { TransportError } from '../errors.js';
import { VOICE_CLOSE } from './types.js';
import { MAX_FRAME_BYTES, describeVoiceClose, openVoiceChannel, type VoiceChannel } from './voice-channel.js';

// The client's side of the voice channel contract: against a real `ws` server on port 0 for the wire (signed
// path, binary little-endian frames, event envelopes, close codes, a refused upgrade), and against a scripted
// socket for what a real one cannot be made to do on cue (stay connecting, report a full send buffer).

const TOKEN = 'secret-token';
const SESSION = 'voice01';

async function until(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function eventFrame(payload: Partial<DriveEventPayload>, code = 0): string {
  return JSON.stringify({
    Header: { Code: code, Message: code ? 'failed' : 'ok', RequestID: 'rid', SessionID: SESSION },
    Payload: { SessionId: SESSION, ReqId: 'q1', Seq: 1, ...payload },
  });
}

interface FakeVoiceServer {
  baseUrl: string;
  paths: string[];
  queries: URLSearchParams[];
  frames: Buffer[];
  sockets: WebSocket[];
  /** Refuses upgrades with this HTTP answer when set. */
  refusal?: { status: number; body: string };
  close(): Promise<void>;
}

async function startServer(): Promise<FakeVoiceServer> {
  const wss = new WebSocketServer({ noServer: true });
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const fake: FakeVoiceServer = {
    baseUrl: '',
    paths: [],
    queries: [],
    frames: [],
    sockets: [],
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    fake.paths.push(url.pathname);
    fake.queries.push(url.searchParams);
    if (fake.refusal) {
      const { status, body } = fake.refusal;
      socket.end(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      fake.sockets.push(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) fake.frames.push(data as Buffer);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return fake;
}

/** A socket that does only what a test tells it to. */
class ScriptedSocket {
  static last: ScriptedSocket | undefined;
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Uint8Array[] = [];
  readonly url: string;

  constructor(url: string) {
    this.url = url;
    ScriptedSocket.last = this;
  }

  send(data: Uint8Array): void {
    this.sent.push(data);
  }

  close(code = 1005, reason = ''): void {
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
}

const scripted = ScriptedSocket as unknown as WebSocketConstructor;

function pcm(length: number, start = 0): Int16Array {
  return Int16Array.from({ length }, (_, i) => start + i);
}

let server: FakeVoiceServer | undefined;
let channel: VoiceChannel | undefined;

afterEach(async () => {
  channel?.close();
  channel = undefined;
  await server?.close();
  server = undefined;
  ScriptedSocket.last = undefined;
});

function clientFor(baseUrl: string): DhumanClient {
  return new DhumanClient({ baseUrl, appkey: 'ak1', accesstoken: TOKEN });
}

describe('voice channel on the wire', () => {
  it('opens the signed voice path and sends the audio as little-endian binary frames of at most 16000 bytes', async () => {
    server = await startServer();
    channel = openVoiceChannel(clientFor(server.baseUrl), SESSION, { webSocket: WebSocket });
    await new Promise<void>((resolve) => channel?.on('open', resolve));
    expect(server.paths).toEqual([`/dhuman/ws/sessions/${SESSION}/voice`]);
    const query = server.queries[0] as URLSearchParams;
    expect(query.get('appkey')).toBe('ak1');
    expect(query.get('signature')).toBe(
      await sign(Object.fromEntries([...query].filter(([key]) => key !== 'signature')), TOKEN),
    );

    expect(channel.send(pcm(640, -320))).toBe(true);
    expect(channel.send(pcm(MAX_FRAME_BYTES / 2 + 100))).toBe(true);
    await until(() => (server?.frames.length ?? 0) === 3, 'three frames');
    const [first, second, third] = server.frames as [Buffer, Buffer, Buffer];
    expect(first.length).toBe(1280);
    expect(first.readInt16LE(0)).toBe(-320);
    expect(first.readInt16LE(1278)).toBe(319);
    expect(second.length).toBe(MAX_FRAME_BYTES);
    expect(third.length).toBe(200);
    expect(third.readInt16LE(0)).toBe(MAX_FRAME_BYTES / 2);
    expect(channel.stats).toEqual({
      sentBytes: 1280 + MAX_FRAME_BYTES + 200,
      droppedBytes: 0,
      queuedBytes: 0,
    });
  });

  it('queues audio sent while connecting and sends it first, in order', async () => {
    server = await startServer();
    channel = openVoiceChannel(clientFor(server.baseUrl), SESSION, { webSocket: WebSocket });
    channel.send(pcm(4, 1));
    channel.send(pcm(4, 100));
    expect(channel.state).toBe('connecting');
    expect(channel.stats.queuedBytes).toBe(16);
    await until(() => (server?.frames.length ?? 0) === 2, 'the queued frames');
    expect(server.frames.map((f) => f.readInt16LE(0))).toEqual([1, 100]);
  });

  it('delivers voice events and reports error events with their ReqId', async () => {
    server = await startServer();
    channel = openVoiceChannel(clientFor(server.baseUrl), SESSION, { webSocket: WebSocket });
    const events: DriveEventPayload[] = [];
    const errors: { error: Error; reqId: string | undefined }[] = [];
    channel.on('event', (event) => events.push(event));
    channel.on('error', (error, reqId) => errors.push({ error, reqId }));
    await new Promise<void>((resolve) => channel?.on('open', resolve));
    const ws = server.sockets[0] as WebSocket;
    ws.send(eventFrame({ Type: 12, VoiceActivity: 'SpeechStart', AtMs: 1020 }));
    ws.send(eventFrame({ Type: 11, Text: 'what can', Final: false, AtMs: 1500 }));
    ws.send(eventFrame({ Type: 11, Text: 'what can you do', Final: true, AtMs: 2100 }));
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('not json');
    ws.send(eventFrame({ Type: 9, ReqId: 'q2', ErrorCode: -112003, ErrorMessage: 'recognition failed' }));
    await until(() => events.length === 4 && errors.length === 2, 'the events');
    expect(events.map((e) => [e.Type, e.Text ?? e.VoiceActivity, e.Final])).toEqual([
      [12, 'SpeechStart', undefined],
      [11, 'what can', false],
      [11, 'what can you do', true],
      [9, undefined, undefined],
    ]);
    expect(errors[0]?.error).toBeInstanceOf(TransportError);
    expect(errors[0]?.reqId).toBeUndefined();
    expect(errors[1]?.error).toBeInstanceOf(IvhError);
    expect((errors[1]?.error as IvhError).code).toBe(-112003);
    expect(errors[1]?.reqId).toBe('q2');
  });

  it('closes once with the server code, and takes no audio after', async () => {
    server = await startServer();
    channel = openVoiceChannel(clientFor(server.baseUrl), SESSION, { webSocket: WebSocket });
    const closed: [number, string][] = [];
    const errors: Error[] = [];
    channel.on('closed', (code, reason) => closed.push([code, reason]));
    channel.on('error', (error) => errors.push(error));
    await new Promise<void>((resolve) => channel?.on('open', resolve));
    server.sockets[0]?.close(VOICE_CLOSE.SESSION_ENDED, 'session ended');
    await until(() => closed.length === 1, 'the close');
    expect(closed).toEqual([[4000, 'session ended']]);
    expect(errors).toEqual([]);
    expect(channel.state).toBe('closed');
    expect(channel.send(pcm(10))).toBe(false);
    expect(channel.stats.droppedBytes).toBe(20);
    channel.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toHaveLength(1);
  });

  it('reports a refused upgrade with the server error', async () => {
    server = await startServer();
    server.refusal = {
      status: 403,
      body: JSON.stringify({
        Header: { Code: 110013, Message: 'session not started', RequestID: 'r' },
        Payload: {},
      }),
    };
    channel = openVoiceChannel(clientFor(server.baseUrl), SESSION, { webSocket: WebSocket });
    const errors: Error[] = [];
    channel.on('error', (error) => errors.push(error));
    const closed = new Promise<number>((resolve) => channel?.on('closed', (code) => resolve(code)));
    await closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(IvhError);
    expect((errors[0] as IvhError).code).toBe(110013);
  });
});

describe('voice channel buffering', () => {
  const client = { signedUrl: (path: string) => Promise.resolve(`https://gw.example${path}?sig=1`) };

  it('asks for a wss URL and ArrayBuffer messages', async () => {
    channel = openVoiceChannel(client, SESSION, { webSocket: scripted });
    await until(() => ScriptedSocket.last !== undefined, 'the socket');
    expect(ScriptedSocket.last?.url).toBe(`wss://gw.example/dhuman/ws/sessions/${SESSION}/voice?sig=1`);
    expect(ScriptedSocket.last?.binaryType).toBe('arraybuffer');
  });

  it('keeps the newest audio while connecting, dropping the oldest beyond the bound', async () => {
    channel = openVoiceChannel(client, SESSION, { webSocket: scripted, maxQueuedBytes: 40 });
    await until(() => ScriptedSocket.last !== undefined, 'the socket');
    expect(channel.send(pcm(10, 0))).toBe(true);
    expect(channel.send(pcm(10, 10))).toBe(true);
    expect(channel.send(pcm(10, 20))).toBe(false);
    expect(channel.stats).toEqual({ sentBytes: 0, droppedBytes: 20, queuedBytes: 40 });
    const socket = ScriptedSocket.last as ScriptedSocket;
    socket.open();
    expect(socket.sent.map((frame) => new DataView(frame.buffer).getInt16(0, true))).toEqual([10, 20]);
    expect(channel.stats).toEqual({ sentBytes: 40, droppedBytes: 20, queuedBytes: 0 });
  });

  it('drops audio instead of buffering it while the socket has too much unsent', async () => {
    channel = openVoiceChannel(client, SESSION, { webSocket: scripted, maxBufferedBytes: 1000 });
    await until(() => ScriptedSocket.last !== undefined, 'the socket');
    const socket = ScriptedSocket.last as ScriptedSocket;
    socket.open();
    socket.bufferedAmount = 1001;
    expect(channel.send(pcm(8))).toBe(false);
    socket.bufferedAmount = 1000;
    expect(channel.send(pcm(8))).toBe(true);
    expect(socket.sent).toHaveLength(1);
    expect(channel.stats).toEqual({ sentBytes: 16, droppedBytes: 16, queuedBytes: 0 });
  });

  it('gives up a connection that does not open in time', async () => {
    channel = openVoiceChannel(client, SESSION, { webSocket: scripted, connectTimeoutMs: 30 });
    const errors: Error[] = [];
    channel.on('error', (error) => errors.push(error));
    const code = await new Promise<number>((resolve) => channel?.on('closed', (c) => resolve(c)));
    expect(code).toBe(1005);
    expect(errors[0]?.message).toMatch(/not open after 30 ms/);
  });

  it('closes before the socket exists without ever creating it', async () => {
    channel = openVoiceChannel(client, SESSION, { webSocket: scripted });
    const closed: number[] = [];
    channel.on('closed', (code) => closed.push(code));
    channel.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toEqual([1000]);
    expect(ScriptedSocket.last).toBeUndefined();
  });

  it('refuses bad options', () => {
    expect(() => openVoiceChannel(client, '', { webSocket: scripted })).toThrow(TypeError);
    expect(() => openVoiceChannel(client, SESSION, { webSocket: scripted, maxQueuedBytes: -1 })).toThrow(
      TypeError,
    );
  });
});

describe('describeVoiceClose', () => {
  it('says why in words', () => {
    expect(describeVoiceClose(4000, '')).toBe('the session ended');
    expect(describeVoiceClose(1009, '')).toMatch(/16000 bytes/);
    expect(describeVoiceClose(4001, 'replaced')).toMatch(/took over/);
    expect(describeVoiceClose(1011, '')).toBe('speech recognition failed');
    expect(describeVoiceClose(1006, '')).toBe('the connection was lost (1006)');
    expect(describeVoiceClose(4100, 'odd')).toBe('closed (4100: odd)');
  });
});
