import { describe, expect, it } from 'vitest';
import { streamFragments } from './text-stream.js';

describe('streamFragments', () => {
  it('groups a few words per fragment and joins back to the exact text', () => {
    const text = '  Hello there, how are you doing today?\nFine. ';
    const fragments = streamFragments(text, 3);
    expect(fragments).toEqual(['  Hello there, how', ' are you doing', ' today?\nFine. ']);
    expect(fragments.join('')).toBe(text);
  });

  it('has no fragment for a blank text', () => {
    expect(streamFragments(' \n ')).toEqual([]);
  });

  it('keeps a text without spaces whole', () => {
    expect(streamFragments('你好，世界')).toEqual(['你好，世界']);
  });
});
