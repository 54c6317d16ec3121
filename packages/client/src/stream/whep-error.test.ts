import { describe, expect, it } from 'vitest';
import { WhepError, whepErrorFrom } from './whep-error.js';

describe('whepErrorFrom', () => {
  it("carries a JSON body's Code and Message (503 server full)", () => {
    const error = whepErrorFrom('WHEP POST', 503, '{"Code":100008,"Message":"server is full"}');
    expect(error).toBeInstanceOf(WhepError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WhepError', status: 503, code: 100008, message: 'server is full' });
  });

  it('reads an IVH envelope the same way', () => {
    const body = JSON.stringify({ Header: { Code: 110018, Message: 'session does not exist' }, Payload: {} });
    expect(whepErrorFrom('WHEP POST', 404, body)).toMatchObject({
      code: 110018,
      message: 'session does not exist',
    });
  });

  it('takes a plain-text body as the message, shortened', () => {
    expect(whepErrorFrom('WHEP POST', 403, 'wrong play token\n')).toMatchObject({
      status: 403,
      code: undefined,
      message: 'wrong play token',
    });
    expect(whepErrorFrom('WHEP POST', 400, 'x'.repeat(1000)).message).toHaveLength(301);
  });

  it('falls back to the status for an empty, HTML or message-less body', () => {
    expect(whepErrorFrom('WHEP POST', 404, '').message).toBe('WHEP POST: HTTP 404');
    expect(whepErrorFrom('WHEP POST', 502, '<html><body>Bad gateway</body></html>').message).toBe(
      'WHEP POST: HTTP 502',
    );
    expect(whepErrorFrom('WHEP POST', 500, '{"Code":1}')).toMatchObject({
      code: 1,
      message: 'WHEP POST: HTTP 500',
    });
    expect(whepErrorFrom('WHEP POST', 500, '{not json')).toMatchObject({ message: '{not json' });
  });
});
