import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BLENDSHAPE_NAMES, DRIVE_PATHS, THFEAT_CHANNELS } from '@dhuman/protocol';
import { reqId, signedUrl, startTestServer, waitFor, type TestServer } from './harness.js';

interface SpeechRsp {
  Audio: string;
  ThFeat: number[];
  ThDim: number;
  ThFeatFinal: boolean;
  Action: Array<{ pos: string; start: number }>;
  Final: boolean;
  SeqNo: number;
}

interface Frame {
  Header: { Code: number; Message: string; RequestID?: string };
  Payload: {
    ErrorCode: number;
    ErrorMessage?: string;
    ReqId?: string;
    DriverRspType?: string;
    SpeechRsp?: SpeechRsp;
    ReplyRsp?: Record<string, unknown>;
  };
}

class EngineClient {
  readonly frames: Frame[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as Frame));
  }

  static async open(base: string): Promise<EngineClient> {
    const url = await signedUrl(base.replace(/^http/, 'ws'), DRIVE_PATHS.driverEngine, {
      extra: { requestid: reqId(), Language: 'zh-CN' },
    });
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_r, res) => reject(new Error(`refused ${res.statusCode}`)));
    });
    return new EngineClient(ws);
  }

  send(payload: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ Header: {}, Payload: { VirtualmanProjectId: 'demo', ...payload } }));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  of(id: string): Frame[] {
    return this.frames.filter((f) => f.Payload.ReqId === id);
  }

  speech(id: string): SpeechRsp[] {
    return this.of(id).flatMap((f) => (f.Payload.SpeechRsp ? [f.Payload.SpeechRsp] : []));
  }

  /** Waits for the Final SPEECH frame of a ReqId and returns its SPEECH payloads. */
  async finished(id: string, timeoutMs = 8000): Promise<SpeechRsp[]> {
    await until(() => (this.speech(id).some((s) => s.Final) ? true : undefined), timeoutMs);
    return this.speech(id);
  }

  /** The next error frame after `from` frames. */
  async errorAfter(from: number): Promise<Frame> {
    return until(() => this.frames.slice(from).find((f) => f.Header.Code !== 0));
  }

  close(): void {
    this.ws.close();
  }
}

const pcmOf = (speech: SpeechRsp[]) => Buffer.concat(speech.map((s) => Buffer.from(s.Audio, 'base64')));
const durationMs = (speech: SpeechRsp[]) => pcmOf(speech).length / 2 / 24;
/** waitFor with a synchronous condition. */
const until = <T>(fn: () => T | undefined, timeoutMs?: number) =>
  waitFor(() => Promise.resolve(fn()), timeoutMs);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The frame rules the vendor SDK relies on: every frame carries audio (the SDK ends an utterance at once on a
 * final frame without audio), `Final` only on the last; `SeqNo` is the sentence number from 1 and
 * `ThFeatFinal` marks the last frame of each sentence; `ThDim` 52 in the vendor's channel order.
 */
function expectWellFormed(client: EngineClient, id: string): SpeechRsp[] {
  const frames = client.of(id);
  for (const frame of frames) {
    expect(frame.Payload.ErrorCode).toBe(0);
    expect(frame.Header.Code).toBe(0);
  }
  const speech = client.speech(id);
  expect(speech.filter((s) => s.Final)).toHaveLength(1);
  expect(speech.at(-1)?.Final).toBe(true);
  expect(speech.at(-1)?.ThFeatFinal).toBe(true);
  expect(speech.every((s) => s.Audio.length > 0)).toBe(true);
  expect(speech[0]?.SeqNo).toBe(1);
  speech.forEach((s, i) => {
    const next = speech[i + 1];
    if (next) expect([s.SeqNo, s.SeqNo + 1]).toContain(next.SeqNo);
    expect(s.ThFeatFinal).toBe(!next || next.SeqNo !== s.SeqNo);
    expect(s.ThDim).toBe(52);
    expect(s.ThFeat.length % s.ThDim).toBe(0);
  });
  return speech;
}

/** The largest value each vendor ThFeat channel reached. */
function channelPeaks(speech: SpeechRsp[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const s of speech) {
    s.ThFeat.forEach((w, i) => {
      const name = THFEAT_CHANNELS[i % s.ThDim] ?? `#${i % s.ThDim}`;
      peaks.set(name, Math.max(peaks.get(name) ?? 0, w));
    });
  }
  return peaks;
}

describe('driverengine client-render channel', () => {
  let server: TestServer;
  let client: EngineClient;
  beforeAll(async () => {
    server = await startTestServer();
    client = await EngineClient.open(server.url);
  });
  afterAll(async () => {
    client.close();
    await server.dispose();
  });

  it('renders SSML text into SPEECH frames of 24 kHz audio and 52-channel blend shapes', async () => {
    const id = reqId();
    client.send({
      ReqId: id,
      StreamId: 'dialog-1',
      InputText: 'Hello, I am the avatar.<break time="300ms"/><insert-action type="wave"/>Nice to meet you.',
      DriverType: 'TEXT',
      InputTextType: 'SSML',
      Seq: 0,
      IsFinal: false,
      SpeechParam: { TimbreKey: '', Speed: 1, Volume: 0, SmartActionEnabled: true, SubtitleType: 0 },
    });
    await client.finished(id);
    const speech = expectWellFormed(client, id);
    const ms = durationMs(speech);
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(5000);
    const pcm = pcmOf(speech);
    let peak = 0;
    for (let i = 0; i + 1 < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    expect(peak).toBeGreaterThan(1000);
    const frames = speech.reduce((n, s) => n + s.ThFeat.length / s.ThDim, 0);
    expect(Math.abs(frames * 40 - ms)).toBeLessThan(ms * 0.1 + 200);
    expect(speech.flatMap((s) => s.ThFeat).some((w) => w > 0.1)).toBe(true);
    const actions = speech.flatMap((s) => s.Action);
    // The vendor SDK plays Action[].pos (the action's name) once `start` (100 ns units) is reached.
    expect(actions).toEqual([{ pos: 'wave', start: expect.any(Number) as number }]);
    expect(actions[0]?.start).toBeGreaterThan(1000 * 10_000 * 0.5);
  });

  it('sends ThFeat in the vendor SDK order: the mouth at its indexes, 0 on every other channel', async () => {
    const id = reqId();
    client.send({ ReqId: id, InputText: 'Open your mouth wide, Bob.', DriverType: 'TEXT' });
    const speech = await client.finished(id);
    const peaks = channelPeaks(speech);
    expect(peaks.get('jawOpen')).toBeGreaterThan(0.3);
    expect(peaks.get('mouthClose')).toBeGreaterThan(0);
    for (const [name, peak] of peaks) {
      if (!(BLENDSHAPE_NAMES as readonly string[]).includes(name))
        expect({ name, peak }).toEqual({ name, peak: 0 });
    }
  });

  it('puts Final on the last frame with audio, never on an empty frame after it', async () => {
    const id = reqId();
    client.send({ ReqId: id, InputText: 'Hello, I am a digital human.', DriverType: 'TEXT' });
    const speech = await client.finished(id);
    const last = speech.at(-1);
    expect(last?.Final).toBe(true);
    expect(Buffer.from(last?.Audio ?? '', 'base64').length).toBeGreaterThan(0);
    expect(last?.ThFeat.length).toBeGreaterThan(0);
  });

  it('sends one empty final frame when nothing is spoken, carrying the action', async () => {
    const id = reqId();
    client.send({
      ReqId: id,
      InputText: '<insert-action type="wave"/>',
      DriverType: 'TEXT',
      InputTextType: 'SSML',
    });
    const speech = await client.finished(id);
    expect(speech).toEqual([
      {
        Audio: '',
        ThFeat: [],
        ThDim: 52,
        ThFeatFinal: true,
        Action: [{ pos: 'wave', start: 0 }],
        Words: [],
        Final: true,
        SeqNo: 1,
      },
    ]);
  });

  it('numbers a TEXT request as sentence 1', async () => {
    const id = reqId();
    client.send({ ReqId: id, InputText: 'One sentence here. And a second one.', DriverType: 'TEXT' });
    const speech = await client.finished(id);
    expectWellFormed(client, id);
    expect(new Set(speech.map((s) => s.SeqNo))).toEqual(new Set([1]));
    expect(speech.filter((s) => s.ThFeatFinal)).toHaveLength(1);
  });

  it('speaks MARKDOWN text without its syntax', async () => {
    const plain = reqId();
    const marked = reqId();
    client.send({ ReqId: plain, InputText: 'Hello world. Read the guide.', DriverType: 'TEXT' });
    client.send({
      ReqId: marked,
      InputText: '# **Hello** world.\n- Read the [guide](https://example.com/a/very/long/address/path).',
      DriverType: 'TEXT',
      InputTextType: 'MARKDOWN',
    });
    const [a, b] = [await client.finished(plain), await client.finished(marked)];
    expectWellFormed(client, marked);
    expect(Math.abs(durationMs(a) - durationMs(b))).toBeLessThan(durationMs(a) * 0.25);
  });

  it('answers CHAT with a REPLY frame before its speech', async () => {
    const id = reqId();
    client.send({ ReqId: id, StreamId: 'd2', InputText: 'How are you?', DriverType: 'CHAT' });
    await client.finished(id);
    const frames = client.of(id);
    expect(frames[0]?.Payload.DriverRspType).toBe('REPLY');
    expect(frames[0]?.Payload.ReplyRsp).toEqual({
      ReplyType: 'text',
      ReplyDisplay: 'How are you?',
      // The sentence it is spoken as: Tencent's demo highlights the reply while that SeqNo plays.
      SeqNo: 1,
      ContentType: 1,
      IsHighLight: true,
      InteractionType: '',
      InteractionContent: '',
      CloudAiExtra: '{}',
    });
    expect(JSON.parse(frames[0]?.Payload.ReplyRsp?.CloudAiExtra as string)).toEqual({});
    expect(frames.slice(1).every((f) => f.Payload.DriverRspType === 'SPEECH')).toBe(true);
    expectWellFormed(client, id);
  });

  it('answers CHAT to a project with a dialogue engine: one REPLY per answer sentence, then its speech', async () => {
    const id = reqId();
    client.send({
      ReqId: id,
      StreamId: 'd3',
      InputText: 'What are your opening hours?',
      DriverType: 'CHAT',
      VirtualmanProjectId: 'assistant',
    });
    await client.finished(id, 15_000);
    const frames = client.of(id);
    const replies = frames.filter((f) => f.Payload.DriverRspType === 'REPLY').map((f) => f.Payload.ReplyRsp!);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.map((r) => r.SeqNo)).toEqual(replies.map((_, i) => i + 1));
    expect(replies.map((r) => r.ReplyDisplay).join(' ')).toMatch(/\b(nine|9|open)\b/i);
    expect(replies.map((r) => r.ReplyDisplay).join(' ')).not.toContain('What are your opening hours');
    // Each sentence's REPLY comes before its first SPEECH frame.
    const speech = expectWellFormed(client, id);
    expect(frames[0]?.Payload.DriverRspType).toBe('REPLY');
    expect(new Set(speech.map((s) => s.SeqNo)).size).toBe(replies.length);
  });

  it('re-joins STREAM_TEXT fragments and speaks sentences before the final one', async () => {
    const id = 'my stream: 1 (any string)';
    const base = { ReqId: id, DriverType: 'STREAM_TEXT', InputTextType: 'MARKDOWN' };
    client.send({ ...base, InputText: 'Hello there, this is the ', Seq: 1, IsFinal: false });
    client.send({ ...base, InputText: 'first sentence. And the ', Seq: 2, IsFinal: false });
    await until(() => (client.speech(id).length > 0 ? true : undefined));
    expect(client.speech(id).some((s) => s.Final)).toBe(false);
    client.send({ ...base, InputText: 'second **one**.', Seq: 3, IsFinal: true });
    await client.finished(id);
    const speech = expectWellFormed(client, id);
    expect(durationMs(speech)).toBeGreaterThan(1500);
    // One SeqNo per rendered sentence (the first clause is released early at its comma), each ending with
    // ThFeatFinal, as the SDK's `sentence` events read them.
    const numbers = [...new Set(speech.map((s) => s.SeqNo))];
    expect(numbers).toEqual([1, 2, 3]);
    expect(speech.filter((s) => s.ThFeatFinal).map((s) => s.SeqNo)).toEqual(numbers);
  });

  it('treats the SDK stream stop as an interrupt and does not speak "end"', async () => {
    const id = 'stopped stream';
    const base = { ReqId: id, DriverType: 'STREAM_TEXT', InputTextType: 'MARKDOWN' };
    client.send({ ...base, InputText: 'An unfinished thought', Seq: 1, IsFinal: false });
    client.send({ ...base, InputText: 'end', Seq: 9999, IsFinal: true });
    await sleep(400);
    expect(client.of(id)).toEqual([]);
    // The ReqId is free again: a new stream under it works.
    client.send({ ...base, InputText: 'A new stream.', Seq: 1, IsFinal: true });
    await client.finished(id);
    expectWellFormed(client, id);
  });

  it('aborts a chat on STOP_CHAT', async () => {
    const id = reqId();
    const long = 'This answer is long and will be stopped before it ends. '.repeat(60);
    client.send({
      ReqId: id,
      InputText: long,
      DriverType: 'CHAT',
      SpeechParam: { SmartActionEnabled: true },
    });
    await until(() => (client.speech(id).length > 0 ? true : undefined));
    client.send({ ReqId: id, InputText: '', DriverType: 'CHAT', ChatCommand: 'STOP_CHAT' });
    await sleep(300);
    const count = client.of(id).length;
    await sleep(300);
    expect(client.of(id)).toHaveLength(count);
    expect(client.speech(id).some((s) => s.Final)).toBe(false);
    expect(durationMs(client.speech(id))).toBeLessThan(60_000);
  });

  it('limits a socket to 8 requests in progress', async () => {
    const ids = Array.from({ length: 9 }, () => reqId());
    const from = client.frames.length;
    const long = 'Many words are spoken here, one after another. '.repeat(20);
    for (const id of ids) client.send({ ReqId: id, InputText: long, DriverType: 'TEXT' });
    const error = await client.errorAfter(from);
    expect(error.Header.Code).toBe(100012);
    expect(error.Payload).toMatchObject({ ErrorCode: 100012, ReqId: ids[8] });
    for (const id of ids)
      client.send({ ReqId: id, InputText: '', DriverType: 'CHAT', ChatCommand: 'STOP_CHAT' });
  });

  it('answers a heartbeat with a pong frame', async () => {
    const from = client.frames.length;
    client.sendRaw(JSON.stringify({ Header: {}, Payload: {} }));
    const pong = await until(() => client.frames.slice(from).find((f) => f.Header.Message === 'pong frame'));
    expect(pong).toMatchObject({ Header: { Code: 0 }, Payload: { ErrorCode: 0 } });
  });

  it.each([
    ['unknown DriverType', { DriverType: 'SING', InputText: 'Hi.' }],
    ['streamed SSML', { DriverType: 'STREAM_TEXT', InputTextType: 'SSML', InputText: 'Hi.', Seq: 1 }],
    ['text over 4000 characters', { DriverType: 'TEXT', InputText: 'a'.repeat(4001) }],
    ['stream Seq 0', { DriverType: 'STREAM_TEXT', InputText: 'Hi.', Seq: 0 }],
    ['unknown project', { DriverType: 'TEXT', InputText: 'Hi.', VirtualmanProjectId: 'nope' }],
    [
      'bad SSML',
      { DriverType: 'TEXT', InputTextType: 'SSML', InputText: '<speak><break time="1s"></speak>' },
    ],
    ['unknown voice', { DriverType: 'TEXT', InputText: 'Hi.', SpeechParam: { TimbreKey: 'nobody' } }],
    ['non-JSON', 'not json {'],
    ['a binary frame', Buffer.from([1, 2, 3])],
    ['a frame over 256 KiB', JSON.stringify({ Payload: { InputText: 'x'.repeat(300_000) } })],
  ])('reports %s with 100001 and keeps the socket usable', async (_name, frame) => {
    const from = client.frames.length;
    const id = reqId();
    if (typeof frame === 'string') client.sendRaw(frame);
    else if (Buffer.isBuffer(frame)) client.sendRaw(frame, true);
    else client.send({ ReqId: id, ...frame });
    const error = await client.errorAfter(from);
    expect(error.Header.Code).toBe(100001);
    expect(error.Payload.ErrorCode).toBe(100001);
    expect(error.Payload.ReqId).toBe(typeof frame === 'string' || Buffer.isBuffer(frame) ? '' : id);
    expect(typeof error.Payload.ErrorMessage).toBe('string');
    const ok = reqId();
    client.send({ ReqId: ok, InputText: 'Still here.', DriverType: 'TEXT' });
    await client.finished(ok);
    expectWellFormed(client, ok);
  });

  it('refuses a flood past the rate limit with 100012 and stays open', async () => {
    const flood = await EngineClient.open(server.url);
    for (let i = 0; i < 150; i++) flood.send({});
    const error = await flood.errorAfter(0);
    expect(error.Header.Code).toBe(100012);
    const ok = reqId();
    await sleep(1000);
    flood.send({ ReqId: ok, InputText: 'Fine.', DriverType: 'TEXT' });
    await flood.finished(ok);
    flood.close();
  });
});
