import type { DialogueChunk, DialogueEngine, DialogueRequest, DriveEvent, Question } from '@dhuman/core';
import { SentenceSplitter } from '@dhuman/speech';
import { describe, expect, it } from 'vitest';
import { Conversation, UNAVAILABLE_ANSWER } from './conversation.js';
import { MAX_TURNS_PER_ROUND } from './conversation-memory.js';

// A scripted engine (a fake is fine here: the real engines have their own tests, and the integration tests run
// the FAQ and LLM engines through a session).
function engine(
  script: (request: DialogueRequest) => AsyncIterable<DialogueChunk>,
  fallbackAnswer = 'I do not know.',
): DialogueEngine & { requests: DialogueRequest[] } {
  const requests: DialogueRequest[] = [];
  return {
    label: 'scripted',
    fallbackAnswer,
    requests,
    reply(request) {
      requests.push(request);
      return script(request);
    },
    close() {},
  };
}

interface Said {
  text: string;
  uninterruptible?: boolean;
  muted?: boolean;
}

function setup(dialogue: DialogueEngine | (() => Promise<DialogueEngine>)) {
  const events: DriveEvent[] = [];
  const said = new Map<string, Said[]>();
  const controllers = new Map<string, AbortController>();
  const ended = new Set<string>();
  const conversation = new Conversation({
    engine: typeof dialogue === 'function' ? dialogue : () => Promise.resolve(dialogue),
    openAnswer: (question: Question) => {
      for (const c of controllers.values()) c.abort(); // a new answer replaces the old, as the scheduler does
      const controller = new AbortController();
      controllers.set(question.reqId, controller);
      said.set(question.reqId, []);
      let n = 0;
      return {
        signal: controller.signal,
        say: (text, how = {}) => {
          said.get(question.reqId)!.push({ text, ...how });
          return ++n;
        },
        end: () => ended.add(question.reqId),
      };
    },
    createSplitter: () => new SentenceSplitter(),
    emit: (event) => events.push(event),
  });
  return { conversation, events, said, controllers, ended };
}

const q = (reqId: string, text: string, roundId = ''): Question => ({ reqId, text, roundId });

async function* chunks(...items: DialogueChunk[]): AsyncGenerator<DialogueChunk> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe('Conversation', () => {
  it('speaks a streamed answer sentence by sentence, with a Type 4 event per clause and Final on the last', async () => {
    const bot = engine(() =>
      chunks(
        { kind: 'text', text: 'We open ' },
        { kind: 'text', text: 'at nine. We close' },
        { kind: 'text', text: ' at **six**.' },
      ),
    );
    const { conversation, events, said, ended } = setup(bot);
    await conversation.ask(q('r1', 'When are you open?'));
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['We open at nine.', 'We close at six.']);
    const replies = events.filter((e) => e.Type === 4);
    expect(replies).toEqual([
      expect.objectContaining({
        ReqId: 'r1',
        Seq: 1,
        Text: 'When are you open?',
        TextPro: 'We open at nine.',
        TextDisplay: 'We open at nine.',
        ContentType: '1',
        TtsSupport: true,
        Final: false,
        Uninterrupt: false,
        Muted: false,
      }),
      expect.objectContaining({
        Seq: 2,
        TextPro: 'We close at six.',
        TextDisplay: 'We close at **six**.',
        Final: true,
      }),
    ]);
    expect(ended.has('r1')).toBe(true);
    expect(conversation.memory.history('')).toEqual([
      { question: 'When are you open?', answer: 'We open at nine. We close at **six**.' },
    ]);
  });

  it('speaks the first sentence before the answer is complete', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const bot = engine(async function* () {
      yield { kind: 'text', text: 'First sentence here. Second' };
      await gate;
      yield { kind: 'text', text: ' one.' };
    });
    const { conversation, said } = setup(bot);
    const asked = conversation.ask(q('r1', 'hi'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['First sentence here.']);
    release();
    await asked;
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['First sentence here.', 'Second one.']);
  });

  it('sends SSML clauses whole, keeps Uninterrupt and Muted, and ends with an empty Final clause', async () => {
    const bot = engine(() =>
      chunks({
        kind: 'ssml',
        ssml: '<speak>Hi<break time="300ms"/>there.</speak>',
        display: 'Hi there.',
        uninterruptible: true,
        muted: true,
      }),
    );
    const { conversation, events, said } = setup(bot);
    await conversation.ask(q('r1', 'hello'));
    expect(said.get('r1')).toEqual([
      { text: '<speak>Hi<break time="300ms"/>there.</speak>', uninterruptible: true, muted: true },
    ]);
    const replies = events.filter((e) => e.Type === 4);
    expect(replies[0]).toMatchObject({
      ContentType: '9',
      TextDisplay: 'Hi there.',
      Uninterrupt: true,
      Muted: true,
      Final: false,
    });
    expect(replies[1]).toMatchObject({ TextPro: '', TtsSupport: false, Final: true });
  });

  it('sends reasoning as Type 5 pieces and never speaks it', async () => {
    const bot = engine(() =>
      chunks(
        { kind: 'reasoning', text: 'The user asks ' },
        { kind: 'reasoning', text: 'about hours.\n' },
        { kind: 'reasoning', text: 'Answer briefly' },
        { kind: 'text', text: 'Nine to six.' },
      ),
    );
    const { conversation, events, said } = setup(bot);
    await conversation.ask(q('r1', 'hours?'));
    expect(events.filter((e) => e.Type === 5).map((e) => [e.Seq, e.Text])).toEqual([
      [1, 'The user asks about hours.\n'],
      [2, 'Answer briefly'],
    ]);
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['Nine to six.']);
  });

  it('escapes markup in plain answers so the SSML reader speaks it literally', async () => {
    const { conversation, said } = setup(engine(() => chunks({ kind: 'text', text: 'Use a < b & c.' })));
    await conversation.ask(q('r1', 'math'));
    expect(said.get('r1')![0]!.text).toBe('<speak>Use a &lt; b &amp; c.</speak>');
  });

  it('reports a failure mid-answer as a non-terminal Type 9 with the category, then speaks the fallback', async () => {
    const bot = engine(async function* () {
      yield { kind: 'text', text: 'Let me see. I think' };
      await Promise.resolve();
      throw Object.assign(new Error('connection reset'), { category: 'connectivity' });
    });
    const { conversation, events, said } = setup(bot);
    await conversation.ask(q('r1', 'question'));
    const error = events.find((e) => e.Type === 9);
    expect(error).toMatchObject({
      ReqId: 'r1',
      ErrorCode: -112001,
      ErrorMsg: expect.stringMatching(/scripted \(connectivity\): connection reset/),
    });
    expect(error?.SpeakStatus).toBeUndefined();
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['Let me see.', 'I think', 'I do not know.']);
  });

  it('maps a timeout to -112002', async () => {
    const bot = engine(async function* () {
      await Promise.resolve();
      yield* [];
      throw Object.assign(new Error('no first token within 1 s'), { category: 'timeout' });
    });
    const { conversation, events } = setup(bot);
    await conversation.ask(q('r1', 'slow?'));
    expect(events.find((e) => e.Type === 9)).toMatchObject({ ErrorCode: -112002 });
  });

  it('a new question aborts the old answer’s request; nothing more of it is said', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const bot = engine(async function* (request) {
      if (request.question === 'first') {
        yield { kind: 'text', text: 'Part one. And ' };
        await gate;
        yield { kind: 'text', text: 'Part two.' };
        return;
      }
      yield { kind: 'text', text: 'Second answer.' };
    });
    const { conversation, said, events } = setup(bot);
    const first = conversation.ask(q('r1', 'first'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await conversation.ask(q('r2', 'second'));
    expect(bot.requests[0]!.signal.aborted).toBe(true);
    release();
    await first;
    expect(said.get('r1')!.map((s) => s.text)).toEqual(['Part one.']);
    expect(said.get('r2')!.map((s) => s.text)).toEqual(['Second answer.']);
    expect(events.filter((e) => e.Type === 9)).toEqual([]);
  });

  it('passes the round’s history, bounded, and keeps rounds apart', async () => {
    const bot = engine((request) => chunks({ kind: 'text', text: `Answer to ${request.question}.` }));
    const { conversation } = setup(bot);
    for (let i = 0; i < MAX_TURNS_PER_ROUND + 3; i++) await conversation.ask(q(`r${i}`, `q${i}`, 'round-a'));
    await conversation.ask(q('other', 'elsewhere', 'round-b'));
    const last = bot.requests.at(-2)!;
    expect(last.history).toHaveLength(MAX_TURNS_PER_ROUND);
    expect(last.history.at(-1)).toEqual({
      question: `q${MAX_TURNS_PER_ROUND + 1}`,
      answer: `Answer to q${MAX_TURNS_PER_ROUND + 1}.`,
    });
    expect(bot.requests.at(-1)!.history).toEqual([]);
  });

  it('an engine that cannot load is reported and a generic answer is spoken', async () => {
    const { conversation, events, said } = setup(() => Promise.reject(new Error('faq.yaml: no such file')));
    await conversation.ask(q('r1', 'hello'));
    expect(events.find((e) => e.Type === 9)).toMatchObject({
      ErrorCode: -112001,
      ErrorMsg: expect.stringMatching(/faq.yaml/),
    });
    expect(said.get('r1')!.map((s) => s.text)).toEqual([UNAVAILABLE_ANSWER]);
  });
});
