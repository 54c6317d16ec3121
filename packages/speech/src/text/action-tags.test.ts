import { describe, expect, it } from 'vitest';
import { matchActionTag } from './action-tags.js';

describe('matchActionTag', () => {
  it('reads a whole tag and its action', () => {
    expect(matchActionTag('x<insert-action type="wave"/>y', 1, false)).toEqual({
      kind: 'tag',
      end: 29,
      action: 'wave',
    });
    expect(matchActionTag('</insert-action>', 0, false)).toEqual({ kind: 'tag', end: 16, action: undefined });
  });

  it('waits for a tag cut off by the end of a fragment, unless the stream is over', () => {
    for (const text of ['<', '<ins', '<insert-action', '<insert-action type="wa', '</insert']) {
      expect(matchActionTag(text, 0, false)).toEqual({ kind: 'incomplete' });
      expect(matchActionTag(text, 0, true)).toBeUndefined();
    }
  });

  it('takes anything else starting with < as text', () => {
    expect(matchActionTag('< 3', 0, false)).toBeUndefined();
    expect(matchActionTag('<b>', 0, false)).toBeUndefined();
    expect(matchActionTag('<insert-actions type="x"/>', 0, false)).toBeUndefined();
    expect(matchActionTag(`<insert-action ${'x'.repeat(300)}`, 0, false)).toBeUndefined();
  });

  it('drops a tag the SSML tokenizer rejects', () => {
    expect(matchActionTag('<insert-action type=wave/>', 0, false)).toEqual({
      kind: 'tag',
      end: 26,
      action: undefined,
    });
  });
});
