import { describe, expect, it } from 'vitest';
import { readChatEvent } from './chat-events.js';

const read = (data: string) => readChatEvent(data, 'openai.chat', 'http://h/v1/chat/completions');
const chunk = (delta: unknown, finish: string | null = null) =>
  JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] });

describe('readChatEvent', () => {
  it('reads content, reasoning and the finish reason', () => {
    expect(read(chunk({ content: 'Hi' }))).toEqual({
      done: false,
      content: 'Hi',
      reasoning: '',
      finishReason: undefined,
    });
    expect(read(chunk({ reasoning_content: 'hm', content: null }, 'stop'))).toMatchObject({
      content: '',
      reasoning: 'hm',
      finishReason: 'stop',
    });
    expect(read(chunk({ reasoning: 'r' })).reasoning).toBe('r');
  });

  it('reads [DONE] and events without choices', () => {
    expect(read(' [DONE]').done).toBe(true);
    expect(read(JSON.stringify({ choices: [], usage: { total_tokens: 3 } }))).toMatchObject({
      done: false,
      content: '',
    });
  });

  it('refuses malformed events as invalid_response', () => {
    expect(() => read('{oops')).toThrow(expect.objectContaining({ category: 'invalid_response' }));
    expect(() => read('[1,2]')).toThrow(/unexpected event/);
    expect(() => read(JSON.stringify({ choices: {} }))).toThrow(/not a list/);
    expect(() => read(chunk({ content: 5 }))).toThrow(/"content" is not text/);
  });

  it('turns an error in the stream into a ProviderError with a category', () => {
    const error = (body: unknown) => {
      try {
        read(JSON.stringify(body));
      } catch (thrown) {
        return thrown as { category: string; retryable: boolean; message: string };
      }
      throw new Error('no error thrown');
    };
    expect(error({ error: { message: 'slow down', code: 429 } })).toMatchObject({
      category: 'rate_limit',
      retryable: true,
    });
    expect(error({ error: { message: 'bad', code: '400' } }).category).toBe('invalid_request');
    expect(error({ error: { message: 'no money', code: 'insufficient_quota' } }).category).toBe('quota');
    expect(error({ error: 'boom' })).toMatchObject({ category: 'server' });
    expect(error({ error: { message: 'x'.repeat(1000) } }).message.length).toBeLessThan(420);
  });
});
