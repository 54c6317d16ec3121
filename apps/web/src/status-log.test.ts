import { describe, expect, it } from 'vitest';
import { describeEvent, shortReqId } from './status-log.js';

describe('describeEvent', () => {
  const reqId = '0123456789abcdef0123456789abcdef';

  it('describes each step of an utterance', () => {
    expect(describeEvent({ type: 'sent', reqId, text: 'Hello   there' })).toEqual({
      kind: 'sent',
      label: 'sent',
      detail: '“Hello there”',
      reqId,
    });
    expect(describeEvent({ type: 'first-frame', reqId, ms: 84.6 })?.detail).toBe('85 ms');
    expect(describeEvent({ type: 'speaking', reqId, ms: 150.2 })?.detail).toBe('first sound after 150 ms');
    expect(describeEvent({ type: 'ended', reqId })?.label).toBe('ended');
    expect(describeEvent({ type: 'interrupted', reqId })?.kind).toBe('interrupted');
  });

  it('gives errors their code and message', () => {
    const line = describeEvent({ type: 'error', reqId, code: 100005, message: 'unauthorised operation' });
    expect(line).toMatchObject({ kind: 'error', detail: '100005: unauthorised operation' });
  });

  it('shows the whole text of a stream, not its first fragment', () => {
    const line = describeEvent({ type: 'sent', reqId, text: 'Hello' }, 'Hello there, how are you?');
    expect(line).toMatchObject({ label: 'sent (streamed)', detail: '“Hello there, how are you?”' });
  });

  it('does not log words', () => {
    expect(describeEvent({ type: 'word', reqId, index: 0, text: 'Hello' })).toBeUndefined();
  });
});

describe('shortReqId', () => {
  it('keeps the start of a long id', () => {
    expect(shortReqId('0123456789abcdef')).toBe('012345');
    expect(shortReqId('abc')).toBe('abc');
  });
});
