import type { DialogueChunk } from '@dhuman/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ask,
  ChatBench,
  collect,
  delta,
  pause,
  reasoningOf,
  sendEvent,
  startStream,
  streamAnswer,
  TEST_KEY,
  textOf,
  warmUpFetch,
} from './chat-test-support.js';
import { OpenAiChatDialogue } from './openai-chat.js';

const bench = new ChatBench();
beforeAll(warmUpFetch);
afterEach(() => bench.close());

describe('OpenAiChatDialogue streaming', () => {
  it('streams the answer and sends the system prompt, bounded history and question', async () => {
    const { vendor, engine } = await bench.setup((res) => streamAnswer(res, ['We open ', 'at nine', '.']), {
      systemPrompt: 'You are a receptionist.',
      maxHistoryTurns: 2,
      temperature: 0.2,
      maxTokens: 200,
    });
    const history = [
      { question: 'Oldest?', answer: 'Dropped by the turn bound.' },
      { question: 'Who are you?', answer: 'Ava.' },
      { question: 'Interrupted?', answer: '' },
      { question: 'Where is the shop?', answer: 'On Example Street.' },
    ];
    const { chunks, error } = await collect(engine.reply(ask('When do you open?', { history })));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('We open at nine.');
    expect(chunks.every((chunk) => chunk.kind === 'text')).toBe(true);
    const [seen] = vendor.requests;
    expect(seen?.url).toBe('/v1/chat/completions');
    expect(seen?.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(seen?.body).toEqual({
      model: 'test-model',
      stream: true,
      temperature: 0.2,
      max_tokens: 200,
      messages: [
        { role: 'system', content: 'You are a receptionist.' },
        { role: 'user', content: 'Who are you?' },
        { role: 'assistant', content: 'Ava.' },
        { role: 'user', content: 'Where is the shop?' },
        { role: 'assistant', content: 'On Example Street.' },
        { role: 'user', content: 'When do you open?' },
      ],
    });
  });

  it('ends at [DONE] even when the server keeps the connection open', async () => {
    const { vendor, engine } = await bench.setup(async (res) => {
      startStream(res);
      sendEvent(res, delta({ content: 'Hello.' }));
      sendEvent(res, '[DONE]');
      await pause(5_000);
    });
    const started = Date.now();
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Hello.');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await vendor.requests[0]?.closed).toBe(true);
  });

  it('accepts a stream that ends with a finish reason but no [DONE]', async () => {
    const { engine } = await bench.setup((res) => {
      startStream(res);
      sendEvent(res, delta({ content: 'Fine.' }, 'stop'));
      res.end();
    });
    const { chunks, error } = await collect(engine.reply(ask('How are you?')));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Fine.');
  });

  it('reads a whole JSON answer from a server that ignores stream: true', async () => {
    const { engine } = await bench.setup((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'Whole answer.', reasoning_content: 'Easy.' },
              finish_reason: 'stop',
            },
          ],
        }),
      );
    });
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { kind: 'reasoning', text: 'Easy.' },
      { kind: 'text', text: 'Whole answer.' },
    ]);
  });
});

describe('OpenAiChatDialogue reasoning', () => {
  it('turns reasoning_content and reasoning deltas into reasoning chunks, never text', async () => {
    const { engine } = await bench.setup(async (res) => {
      startStream(res);
      sendEvent(res, delta({ role: 'assistant', reasoning_content: 'The user asks ' }));
      await pause(2);
      sendEvent(res, delta({ reasoning: 'about hours.' }));
      await pause(2);
      sendEvent(res, delta({ content: 'Nine to six.' }));
      sendEvent(res, delta({}, 'stop'));
      sendEvent(res, '[DONE]');
      res.end();
    });
    const { chunks, error } = await collect(engine.reply(ask('Hours?')));
    expect(error).toBeUndefined();
    expect(reasoningOf(chunks)).toBe('The user asks about hours.');
    expect(textOf(chunks)).toBe('Nine to six.');
    expect(chunks.findIndex((chunk) => chunk.kind === 'text')).toBeGreaterThan(
      chunks.findLastIndex((chunk) => chunk.kind === 'reasoning'),
    );
  });

  it('moves a leading <think> block, split across chunks, to reasoning', async () => {
    const { engine } = await bench.setup((res) =>
      streamAnswer(res, ['<thi', 'nk>Short ', 'question.</th', 'ink>', '\n\n', 'We open ', 'at nine.']),
    );
    const { chunks, error } = await collect(engine.reply(ask('Hours?')));
    expect(error).toBeUndefined();
    expect(reasoningOf(chunks)).toBe('Short question.');
    expect(textOf(chunks)).toBe('We open at nine.');
  });
});

describe('OpenAiChatDialogue cancellation', () => {
  it('ends quietly when the request is aborted mid-stream, and the server sees the request closed', async () => {
    const { vendor, engine } = await bench.setup(async (res) => {
      startStream(res);
      for (let i = 0; i < 100; i++) {
        sendEvent(res, delta({ content: `word${i} ` }));
        await pause(20);
      }
      res.end();
    });
    const controller = new AbortController();
    const chunks: DialogueChunk[] = [];
    const started = Date.now();
    for await (const chunk of engine.reply(ask('Talk', { signal: controller.signal }))) {
      chunks.push(chunk);
      if (chunks.length === 2) controller.abort();
    }
    expect(textOf(chunks)).toMatch(/^word0 word1 /);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await vendor.requests[0]?.closed).toBe(true);
  });

  it('yields nothing for a request aborted before it starts', async () => {
    const { vendor, engine } = await bench.setup((res) => streamAnswer(res, ['Hi.']));
    const { chunks, error } = await collect(engine.reply(ask('Hi', { signal: AbortSignal.abort() })));
    expect(chunks).toEqual([]);
    expect(error).toBeUndefined();
    expect(vendor.requests).toHaveLength(0);
  });

  it('ends quietly while waiting for the first token when aborted', async () => {
    const { vendor, engine } = await bench.setup(async (res) => {
      startStream(res);
      await pause(2_000);
      res.end();
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { chunks, error } = await collect(engine.reply(ask('Hi', { signal: controller.signal })));
    expect(chunks).toEqual([]);
    expect(error).toBeUndefined();
    expect(await vendor.requests[0]?.closed).toBe(true);
  });

  it('releases the request when the consumer stops reading early', async () => {
    const { vendor, engine } = await bench.setup(async (res) => {
      startStream(res);
      for (let i = 0; i < 100; i++) {
        sendEvent(res, delta({ content: `word${i} ` }));
        await pause(20);
      }
      res.end();
    });
    for await (const chunk of engine.reply(ask('Talk'))) {
      expect(chunk.kind).toBe('text');
      break;
    }
    expect(await vendor.requests[0]?.closed).toBe(true);
  });

  it('close() ends streams in flight quietly and refuses later questions', async () => {
    const { vendor, engine } = await bench.setup(async (res) => {
      startStream(res);
      sendEvent(res, delta({ content: 'Start ' }));
      await pause(2_000);
      res.end();
    });
    const chunks: DialogueChunk[] = [];
    for await (const chunk of engine.reply(ask('Talk'))) {
      chunks.push(chunk);
      engine.close();
    }
    expect(textOf(chunks)).toBe('Start ');
    expect(await vendor.requests[0]?.closed).toBe(true);
    await expect(collect(engine.reply(ask('Again')))).resolves.toMatchObject({
      error: expect.objectContaining({ message: 'openai.chat is closed' }),
    });
  });
});

describe('OpenAiChatDialogue options', () => {
  it('refuses bad options with a message naming the option', () => {
    const base = { url: 'http://127.0.0.1:1/v1', model: 'm', fallbackAnswer: 'Sorry.' };
    expect(() => new OpenAiChatDialogue({ ...base, url: 'not a url' })).toThrow(/url is not a valid URL/);
    expect(() => new OpenAiChatDialogue({ ...base, url: 'ftp://host/v1' })).toThrow(/http: or https:/);
    expect(() => new OpenAiChatDialogue({ ...base, url: 'http://user:pw@host/v1' })).toThrow(/apiKey/);
    expect(() => new OpenAiChatDialogue({ ...base, model: ' ' })).toThrow(/model/);
    expect(() => new OpenAiChatDialogue({ ...base, maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => new OpenAiChatDialogue({ ...base, firstTokenTimeoutMs: 0 })).toThrow(/firstTokenTimeoutMs/);
    expect(() => new OpenAiChatDialogue({ ...base, temperature: 3 })).toThrow(/temperature/);
  });
});
