import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS } from '@dhuman/protocol';
import { reqId, signedUrl, startTestServer, waitFor, type TestServer } from './harness.js';

// SpeechRsp.Words (dhuman extension, contract B): the words of each SPEECH frame, timed in ms from the start
// of the ReqId's audio, so a player can show subtitles word by word.
interface Word {
  Text: string;
  StartMs: number;
  EndMs: number;
}

interface SpeechRsp {
  Audio: string;
  Words: Word[];
  Final: boolean;
}

interface Frame {
  Header: { Code: number };
  Payload: { ReqId?: string; SpeechRsp?: SpeechRsp };
}

/** Each frame's words with the span of audio the frame carries on the ReqId's timeline. */
function timeline(speech: SpeechRsp[]): Array<{ fromMs: number; toMs: number; words: Word[] }> {
  let at = 0;
  return speech.map((s) => {
    const ms = Buffer.from(s.Audio, 'base64').length / 2 / 24;
    const span = { fromMs: at, toMs: at + ms, words: s.Words };
    at += ms;
    return span;
  });
}

/** Whether `words` are `sentence`'s words in order, skipping at most `maxSkipped` (0: exactly its words). */
function inOrderOf(words: string[], sentence: string[], maxSkipped: number): boolean {
  let at = 0;
  for (const word of words) {
    while (at < sentence.length && sentence[at] !== word) at++;
    if (at === sentence.length) return false;
    at++;
  }
  return sentence.length - words.length <= maxSkipped;
}

const normalise = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter(Boolean);

describe('driverengine SPEECH frames carry word timings', () => {
  let server: TestServer;
  let ws: WebSocket;
  const frames: Frame[] = [];

  const send = (payload: Record<string, unknown>) =>
    ws.send(JSON.stringify({ Header: {}, Payload: { VirtualmanProjectId: 'demo', ...payload } }));
  const speechOf = async (id: string): Promise<SpeechRsp[]> => {
    const of = () =>
      frames.flatMap((f) => (f.Payload.ReqId === id && f.Payload.SpeechRsp ? [f.Payload.SpeechRsp] : []));
    await waitFor(() => Promise.resolve(of().some((s) => s.Final) ? true : undefined), 15_000);
    return of();
  };

  beforeAll(async () => {
    server = await startTestServer();
    ws = new WebSocket(
      await signedUrl(server.url.replace(/^http/, 'ws'), DRIVE_PATHS.driverEngine, {
        extra: { requestid: reqId() },
      }),
    );
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_r, res) => reject(new Error(`refused ${res.statusCode}`)));
    });
  });
  afterAll(async () => {
    ws.close();
    await server.dispose();
  });

  it('times the words of the sentence, in order, never ahead of their audio', async () => {
    const sentence = 'Hello world, this is a test of the subtitles in dhuman.';
    const id = reqId();
    send({ ReqId: id, InputText: sentence, DriverType: 'TEXT' });
    const speech = await speechOf(id);
    const spans = timeline(speech);
    const words = speech.flatMap((s) => s.Words);
    const texts = normalise(words.map((w) => w.Text).join(' '));
    expect(inOrderOf(texts, normalise(sentence), 0), texts.join(' ')).toBe(true);
    expect(texts[0]).toBe('hello');
    expect(texts.at(-1)).toBe('dhuman');
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as Word;
      expect(Number.isInteger(word.StartMs) && Number.isInteger(word.EndMs)).toBe(true);
      expect(word.EndMs).toBeGreaterThanOrEqual(word.StartMs);
      if (i > 0) expect(word.StartMs).toBeGreaterThanOrEqual((words[i - 1] as Word).StartMs);
    }
    const totalMs = spans.at(-1)?.toMs ?? 0;
    expect(words.at(-1)?.EndMs).toBeLessThanOrEqual(Math.ceil(totalMs) + 1);
    expect(words[0]?.StartMs).toBeLessThan(500);
    // A word rides in the frame whose audio holds its start, or, when the TTS timed it only later (it knows a
    // word once the next one starts), in the next frame still unsent: never in a frame before its audio.
    for (const span of spans) {
      for (const word of span.words) {
        expect(word.StartMs, word.Text).toBeLessThanOrEqual(Math.ceil(span.toMs));
      }
    }
  }, 30_000);

  it('continues the timeline across the sentences of a stream', async () => {
    const id = reqId();
    const base = { ReqId: id, DriverType: 'STREAM_TEXT', InputTextType: 'MARKDOWN' };
    send({ ...base, InputText: 'The first sentence is here. The second ', Seq: 1, IsFinal: false });
    send({ ...base, InputText: 'one follows it.', Seq: 2, IsFinal: true });
    const speech = await speechOf(id);
    const words = speech.flatMap((s) => s.Words);
    const texts = normalise(words.map((w) => w.Text).join(' '));
    const sentence = normalise('The first sentence is here. The second one follows it.');
    expect(inOrderOf(texts, sentence, 0), texts.join(' ')).toBe(true);
    const starts = words.map((w) => w.StartMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const second = words.findIndex((w, i) => i > 0 && /^the$/i.test(w.Text));
    expect(second).toBeGreaterThan(0);
    expect(words[second]?.StartMs).toBeGreaterThan(words[second - 1]?.EndMs ?? Infinity);
  }, 30_000);

  it('places words after an SSML break later by the break', async () => {
    const id = reqId();
    send({
      ReqId: id,
      InputText: 'One.<break time="800ms"/>Two.',
      DriverType: 'TEXT',
      InputTextType: 'SSML',
    });
    const words = (await speechOf(id)).flatMap((s) => s.Words);
    expect(words.map((w) => w.Text.replace(/\W/g, ''))).toEqual(['One', 'Two']);
    expect((words[1]?.StartMs ?? 0) - (words[0]?.EndMs ?? 0)).toBeGreaterThanOrEqual(750);
  }, 30_000);
});
