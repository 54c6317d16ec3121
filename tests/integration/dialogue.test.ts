// Questions answered by a project's dialogue engine, end to end through a session's command channel: the built-in
// FAQ engine of the `assistant` project, and an OpenAI-compatible LLM served over SSE by a local test server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_SETTINGS } from '@dhuman/core';
import {
  startScriptedChatServer,
  type ScriptedAnswer,
  type ScriptedChatServer,
} from '../../bench/src/chat-server.js';
import { startTestServer, waitFor, type TestServer } from './harness.js';
import { RawChannel, startedSession, type Frame } from './channel-client.js';

let server: TestServer;
let llm: ScriptedChatServer;
const scripts = new Map<string, ScriptedAnswer>();

beforeAll(async () => {
  llm = await startScriptedChatServer(
    (question) => scripts.get(question) ?? { pieces: ['I have no script.'] },
  );
  server = await startTestServer({ DHUMAN_LLM_TIMEOUT_SEC: '2' });
  server.store.createProject({
    projectId: 'llm',
    name: 'LLM',
    appkey: null,
    avatar: 'demo',
    voice: 'en-us',
    openingLine: '',
    createdAt: Date.now(),
    sessionIdleSec: null,
    channelIdleSec: null,
    stream: { ...DEFAULT_STREAM_SETTINGS },
    dialogue: {
      engine: 'llm',
      url: llm.url,
      model: 'scripted',
      apiKey: 'sk-test-secret',
      systemPrompt: 'Be brief.',
    },
  });
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  await llm?.close();
});

/** Type 4 payloads of a ReqId, in arrival order. */
const replies = (channel: RawChannel, reqId: string) =>
  channel
    .of(reqId)
    .filter((f) => f.Payload.Type === 4)
    .map((f) => f.Payload as Frame['Payload'] & Record<string, unknown>);

/**
 * Sends a question and waits until its answer is complete (the Final Type 4 clause) and has started playing, or
 * until it played out when `untilOver`. Answers are seconds of speech; most tests need not hear them out.
 */
async function ask(
  channel: RawChannel,
  sessionId: string,
  text: string,
  extra: Record<string, unknown> = {},
  untilOver = false,
) {
  const id = channel.send(sessionId, 'SEND_TEXT', { Text: text, ...extra });
  const done = (f: Frame) =>
    f.Payload.ReqId === id &&
    (untilOver
      ? f.Payload.SpeakStatus === 'TextOver'
      : f.Payload.SpeakStatus === 'TextOver' ||
        (f.Payload.Type === 4 && (f.Payload as { Final?: boolean }).Final === true));
  await channel.waitFor(done, 20_000);
  if (!untilOver)
    await channel.waitFor((f) => f.Payload.ReqId === id && f.Payload.SpeakStatus === 'TextStart', 20_000);
  return id;
}

describe('FAQ engine (project assistant)', () => {
  let sessionId: string;
  let channel: RawChannel;
  beforeAll(async () => {
    sessionId = await startedSession(server.url, { VirtualmanProjectId: 'assistant' });
    channel = await RawChannel.open(server.url, sessionId);
  }, 30_000);
  afterAll(() => channel?.close());

  it('answers a question: Type 1 echo, Type 4 clauses in order with the answer, then it is spoken', async () => {
    const id = await ask(channel, sessionId, 'What are your opening hours?', {}, true);
    const order = channel.of(id).map((f) => f.Payload.SpeakStatus ?? `T${f.Payload.Type}`);
    expect(order[0]).toBe('T1');
    expect(channel.of(id)[0]!.Payload.Text).toBe('What are your opening hours?');
    expect(order.slice(-1)).toEqual(['TextOver']);
    expect(order.indexOf('T4')).toBeLessThan(order.indexOf('TextStart'));
    const clauses = replies(channel, id);
    expect(clauses.map((c) => c.Seq)).toEqual(clauses.map((_, i) => i + 1));
    expect(clauses.at(-1)!.Final).toBe(true);
    expect(clauses.slice(0, -1).every((c) => c.Final === false)).toBe(true);
    expect(clauses.every((c) => c.Text === 'What are your opening hours?')).toBe(true);
    const answer = clauses.map((c) => c.TextDisplay).join(' ');
    expect(answer).toMatch(/\b(nine|9|open)\b/i);
    // Spoken: the utterance lasted as long as speech does, not an instant.
    const start = channel.of(id).find((f) => f.Payload.SpeakStatus === 'TextStart')!;
    const over = channel.of(id).find((f) => f.Payload.SpeakStatus === 'TextOver')!;
    expect(over.at - start.at).toBeGreaterThan(1000);
  }, 30_000);

  it('an unknown question gets the fallback answer', async () => {
    const id = await ask(channel, sessionId, 'Can penguins play the tuba underwater?');
    const answer = replies(channel, id)
      .map((c) => c.TextDisplay)
      .join(' ');
    expect(answer).toMatch(/Sorry, I don't know that yet/);
  }, 30_000);

  it('ChatCommand NotUseChat speaks the text itself', async () => {
    const id = await ask(channel, sessionId, 'Just say this.', { ChatCommand: 'NotUseChat' }, true);
    expect(replies(channel, id)).toEqual([]);
    expect(channel.of(id)[0]!.Payload).toMatchObject({ Type: 1, Text: 'Just say this.' });
  }, 30_000);

  it('answers a Chinese question', async () => {
    const id = await ask(channel, sessionId, '你们几点开门？');
    expect(
      replies(channel, id)
        .map((c) => c.TextDisplay)
        .join(''),
    ).not.toMatch(/Sorry, I don't know/);
  }, 30_000);
});

describe('OpenAI-compatible LLM engine (local SSE server)', () => {
  let sessionId: string;
  let channel: RawChannel;
  beforeAll(async () => {
    sessionId = await startedSession(server.url, { VirtualmanProjectId: 'llm' });
    channel = await RawChannel.open(server.url, sessionId);
  }, 30_000);
  afterAll(() => channel?.close());

  it('speaks a streamed answer sentence by sentence; history, system prompt and key reach the model', async () => {
    scripts.set('Tell me about the weather.', {
      pieces: ['The sun ', 'is out today. ', 'Take ', 'a hat.'],
      chunkDelayMs: 20,
    });
    const id = await ask(channel, sessionId, 'Tell me about the weather.', { ChatRoundId: 'r-weather' });
    expect(replies(channel, id).map((c) => c.TextPro)).toEqual(['The sun is out today.', 'Take a hat.']);
    scripts.set('And tomorrow?', { pieces: ['Rain.'] });
    await ask(channel, sessionId, 'And tomorrow?', { ChatRoundId: 'r-weather' });
    const seen = llm.requests.at(-1)!;
    expect(seen.authorization).toBe('Bearer sk-test-secret');
    expect(seen.body.stream).toBe(true);
    expect(seen.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Tell me about the weather.' },
      { role: 'assistant', content: 'The sun is out today. Take a hat.' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  }, 30_000);

  it('waits for a slow first token within the timeout', async () => {
    scripts.set('Think slowly.', { pieces: ['Done thinking.'], firstChunkDelayMs: 800 });
    const id = await ask(channel, sessionId, 'Think slowly.');
    expect(replies(channel, id)[0]!.TextPro).toBe('Done thinking.');
    expect(channel.of(id).some((f) => f.Payload.Type === 9)).toBe(false);
  }, 30_000);

  it('a failure mid-answer is a Type 9 event (-112001), then the fallback is spoken', async () => {
    scripts.set('Break please.', {
      pieces: ['First part is fine. ', 'Second ', 'never comes.'],
      failAfter: 1,
    });
    const id = await ask(channel, sessionId, 'Break please.');
    const error = channel.of(id).find((f) => f.Payload.Type === 9)!;
    expect(error.Payload.ErrorCode).toBe(-112001);
    expect(error.Payload.ErrorMsg).not.toContain('sk-test-secret');
    const said = replies(channel, id).map((c) => c.TextPro);
    expect(said[0]).toBe('First part is fine.');
    expect(said.join(' ')).toMatch(/couldn't think of an answer/);
  }, 30_000);

  it('a first token later than the timeout is -112002 and the fallback', async () => {
    scripts.set('Never answer.', { pieces: ['Too late.'], firstChunkDelayMs: 10_000 });
    const id = await ask(channel, sessionId, 'Never answer.');
    expect(channel.of(id).find((f) => f.Payload.Type === 9)!.Payload.ErrorCode).toBe(-112002);
  }, 30_000);

  it('a new question cancels the answer being written, and its request to the model', async () => {
    scripts.set('Long story.', {
      pieces: ['Once upon a time. ', 'There was a server. ', 'It ran forever. ', 'The end.'],
      chunkDelayMs: 1500,
    });
    const first = channel.send(sessionId, 'SEND_TEXT', { Text: 'Long story.' });
    await channel.waitFor((f) => f.Payload.ReqId === first && f.Payload.SpeakStatus === 'TextStart', 10_000);
    const request = llm.requests.at(-1)!;
    scripts.set('Stop, new question.', { pieces: ['Sure.'] });
    const second = await ask(channel, sessionId, 'Stop, new question.');
    expect(channel.statuses(first).at(-1)).toBe('TextOver');
    await waitFor(() => Promise.resolve(request.aborted || undefined), 5_000);
    expect(replies(channel, first).map((c) => c.TextPro)).toEqual(['Once upon a time.']);
    expect(replies(channel, second).map((c) => c.TextPro)).toEqual(['Sure.']);
  }, 30_000);

  it('reasoning content becomes Type 5 events and is not spoken', async () => {
    scripts.set('Why?', { reasoning: ['The visitor asks why. ', 'Keep it short.'], pieces: ['Because.'] });
    const id = await ask(channel, sessionId, 'Why?');
    const thinking = channel
      .of(id)
      .filter((f) => f.Payload.Type === 5)
      .map((f) => f.Payload.Text)
      .join('');
    expect(thinking).toBe('The visitor asks why. Keep it short.');
    expect(replies(channel, id).map((c) => c.TextPro)).toEqual(['Because.']);
  }, 30_000);
});
