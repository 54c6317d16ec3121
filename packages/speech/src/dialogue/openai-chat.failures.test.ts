import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ask,
  ChatBench,
  collect,
  delta,
  fakeChatVendor,
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

describe('OpenAiChatDialogue timeouts and retries', () => {
  it('fails with a timeout when the first token is too slow, without retries', async () => {
    const { vendor, engine } = await bench.setup(
      async (res) => {
        startStream(res);
        await pause(2_000);
        sendEvent(res, delta({ content: 'Too late.' }));
        res.end();
      },
      { firstTokenTimeoutMs: 250, maxRetries: 0 },
    );
    const started = Date.now();
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ name: 'ProviderTimeoutError', category: 'timeout', retryable: true });
    expect((error as Error).message).toMatch(/first token within 250 ms/);
    expect(vendor.requests).toHaveLength(1);
  });

  it('retries a slow first token and answers from the retry', async () => {
    const { vendor, engine } = await bench.setup(
      async (res, attempt) => {
        if (attempt === 1) {
          startStream(res);
          await pause(2_000);
          res.end();
          return;
        }
        await streamAnswer(res, ['Second ', 'try.']);
      },
      { firstTokenTimeoutMs: 250, maxRetries: 1 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Second try.');
    expect(vendor.requests).toHaveLength(2);
    expect(await vendor.requests[0]?.closed).toBe(true);
  });

  it('fails with a timeout when the stream stalls between tokens, after the text so far', async () => {
    const { vendor, engine } = await bench.setup(
      async (res) => {
        startStream(res);
        sendEvent(res, delta({ content: 'Half ' }));
        await pause(2_000);
        res.end();
      },
      { idleTimeoutMs: 100, maxRetries: 2 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(textOf(chunks)).toBe('Half ');
    expect(error).toMatchObject({ name: 'ProviderTimeoutError', category: 'timeout' });
    expect((error as Error).message).toMatch(/no token for 100 ms/);
    expect(vendor.requests).toHaveLength(1);
  });

  it('throws after the text already yielded when the connection breaks mid-stream, and does not retry', async () => {
    const { vendor, engine } = await bench.setup(
      async (res) => {
        startStream(res);
        sendEvent(res, delta({ content: 'One, ' }));
        await pause(20);
        sendEvent(res, delta({ content: 'two, ' }));
        await pause(20);
        res.destroy();
      },
      { maxRetries: 2 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Count')));
    expect(textOf(chunks)).toBe('One, two, ');
    expect(error).toMatchObject({ name: 'ProviderConnectionError', category: 'connectivity' });
    expect((error as Error).message).toContain(`${vendor.url}/chat/completions`);
    expect(vendor.requests).toHaveLength(1);
  });

  it('fails when the stream ends cleanly but before the answer was complete', async () => {
    const { engine } = await bench.setup(
      (res) => {
        startStream(res);
        sendEvent(res, delta({ content: 'Cut ' }));
        res.end();
      },
      { maxRetries: 0 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(textOf(chunks)).toBe('Cut ');
    expect(error).toMatchObject({ category: 'connectivity' });
    expect((error as Error).message).toMatch(/ended before the answer was complete/);
  });

  it('retries after HTTP 500 and answers from the retry', async () => {
    const { vendor, engine } = await bench.setup(
      async (res, attempt) => {
        if (attempt === 1) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'model is loading' } }));
          return;
        }
        await streamAnswer(res, ['Ready now.']);
      },
      { maxRetries: 2 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Ready now.');
    expect(vendor.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with the last status error', async () => {
    const { vendor, engine } = await bench.setup(
      (res) => {
        res.writeHead(503, { 'x-request-id': 'req-42' });
        res.end('overloaded');
      },
      { maxRetries: 2 },
    );
    const { error } = await collect(engine.reply(ask('Hi')));
    expect(error).toMatchObject({
      name: 'ProviderStatusError',
      status: 503,
      category: 'server',
      requestId: 'req-42',
    });
    expect((error as Error).message).toMatch(/HTTP 503 .*: overloaded$/);
    expect(vendor.requests).toHaveLength(3);
  });

  it('does not retry HTTP 401 and never shows the key', async () => {
    const { vendor, engine } = await bench.setup(
      (res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${TEST_KEY}.` } }));
      },
      { maxRetries: 2 },
    );
    const { error } = await collect(engine.reply(ask('Hi')));
    expect(error).toMatchObject({ name: 'ProviderStatusError', status: 401, category: 'authentication' });
    expect(error).toMatchObject({ retryable: false });
    const message = (error as Error).message;
    expect(message).toContain('HTTP 401');
    expect(message).toContain('Incorrect API key provided: [redacted].');
    expect(message).not.toContain(TEST_KEY);
    expect(JSON.stringify(engine)).not.toContain(TEST_KEY);
    expect(vendor.requests).toHaveLength(1);
  });

  it('shows the endpoint without its query', async () => {
    const vendor = await fakeChatVendor((res) => {
      res.writeHead(404);
      res.end('no such model');
    });
    bench.vendor(vendor);
    const engine = new OpenAiChatDialogue({
      url: `${vendor.url}?api-key=${TEST_KEY}`,
      model: 'missing',
      fallbackAnswer: 'Sorry.',
    });
    bench.engine(engine);
    const { error } = await collect(engine.reply(ask('Hi')));
    expect(error).toMatchObject({ status: 404, category: 'invalid_request' });
    expect((error as Error).message).toContain(`${vendor.url}/chat/completions (check the URL`);
    expect((error as Error).message).not.toContain(TEST_KEY);
    expect(vendor.requests[0]?.url).toBe(`/v1/chat/completions?api-key=${TEST_KEY}`);
  });

  it('reports an unreachable server as a connection error after its retries', async () => {
    const vendor = await fakeChatVendor(() => undefined);
    await vendor.close();
    const engine = new OpenAiChatDialogue({
      url: vendor.url,
      model: 'm',
      fallbackAnswer: 'Sorry.',
      maxRetries: 1,
      retryDelayMs: 1,
    });
    bench.engine(engine);
    const { error } = await collect(engine.reply(ask('Hi')));
    expect(error).toMatchObject({ name: 'ProviderConnectionError', category: 'connectivity' });
    expect((error as Error).message).toMatch(/connection to .* failed: fetch failed: .*ECONNREFUSED/);
  });
});

describe('OpenAiChatDialogue invalid streams', () => {
  it('fails with invalid_response on a malformed JSON chunk, after the text before it, without retrying', async () => {
    const { vendor, engine } = await bench.setup(
      (res) => {
        startStream(res);
        sendEvent(res, delta({ content: 'Fine so far. ' }));
        sendEvent(res, '{"choices": [{"delta": {"content": "bro');
        sendEvent(res, '[DONE]');
        res.end();
      },
      { maxRetries: 2 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(textOf(chunks)).toBe('Fine so far. ');
    expect(error).toMatchObject({ name: 'ProviderError', category: 'invalid_response', retryable: false });
    expect((error as Error).message).toMatch(/unreadable event from .*: \{"choices"/);
    expect(vendor.requests).toHaveLength(1);
  });

  it('treats an error object in the stream as a failure with its category', async () => {
    const { vendor, engine } = await bench.setup(
      (res) => {
        startStream(res);
        sendEvent(res, { error: { message: 'context length exceeded', type: 'BadRequestError', code: 400 } });
        res.end();
      },
      { maxRetries: 2 },
    );
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ category: 'invalid_request' });
    expect((error as Error).message).toMatch(/reported an error in the stream: context length exceeded/);
    expect(vendor.requests).toHaveLength(1);
  });

  it('refuses a 200 answer that is neither an event stream nor JSON', async () => {
    const { engine } = await bench.setup((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    });
    const { error } = await collect(engine.reply(ask('Hi')));
    expect(error).toMatchObject({ category: 'invalid_response' });
    expect((error as Error).message).toMatch(/answered text\/html, not an event stream/);
  });

  it('fails when the model sends no answer text', async () => {
    const { engine } = await bench.setup((res) => streamAnswer(res, ['<think>Hmm.</think>', '  ']), {
      maxRetries: 0,
    });
    const { chunks, error } = await collect(engine.reply(ask('Hi')));
    expect(reasoningOf(chunks)).toBe('Hmm.');
    expect(error).toMatchObject({ category: 'invalid_response' });
    expect((error as Error).message).toMatch(/no answer text/);
  });
});
