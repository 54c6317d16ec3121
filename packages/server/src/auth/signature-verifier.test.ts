import { describe, expect, it } from 'vitest';
import { sign } from '@dhuman/protocol';
import { redactUrl } from '../request-ids.js';
import { verifySignedQuery } from './signature-verifier.js';

const credential = {
  appkey: 'k',
  accesstoken: 't',
  name: '',
  maxSessions: null,
  createdAt: 0,
  revokedAt: null,
};
const options = (now: number) => ({
  lookup: (a: string) => (a === 'k' ? credential : undefined),
  windowSec: 300,
  nowSec: () => now,
});

async function query(timestamp: number): Promise<string> {
  const signature = await sign({ appkey: 'k', timestamp: String(timestamp) }, 't');
  return `appkey=k&timestamp=${timestamp}&signature=${encodeURIComponent(signature)}`;
}

describe('verifySignedQuery', () => {
  it('accepts a timestamp exactly at the window edge and refuses one second past it', async () => {
    const signed = await query(1000);
    expect(verifySignedQuery(signed, options(1300)).appkey).toBe('k');
    expect(verifySignedQuery(signed, options(700)).appkey).toBe('k');
    expect(() => verifySignedQuery(signed, options(1301))).toThrow(/301 s old/);
    expect(() => verifySignedQuery(signed, options(699))).toThrow(/301 s in the future/);
  });

  it('returns the decoded query for later use (requestid on sockets)', async () => {
    const signature = await sign({ appkey: 'k', timestamp: '1000', requestid: 'm1' }, 't');
    const caller = verifySignedQuery(
      `requestid=m1&appkey=k&timestamp=1000&signature=${encodeURIComponent(signature)}`,
      options(1000),
    );
    expect(caller.query.get('requestid')).toBe('m1');
  });

  it('redacts signatures from logged URLs', () => {
    expect(redactUrl('/p?appkey=k&signature=abc%2B&timestamp=1')).toBe(
      '/p?appkey=k&signature=[redacted]&timestamp=1',
    );
    expect(redactUrl('/p?signature=x')).toBe('/p?signature=[redacted]');
  });

  it('answers for the appkey a temporary credential acts for, until it expires', async () => {
    const temporary = { accesstoken: 't2', revokedAt: null, actsFor: 'k', expiresAt: 1_000_500 };
    const lookup = (a: string) => (a === 'dev_x' ? temporary : undefined);
    const signature = await sign({ appkey: 'dev_x', timestamp: '1000' }, 't2');
    const signed = `appkey=dev_x&timestamp=1000&signature=${encodeURIComponent(signature)}`;
    const at = (now: number) => ({ lookup, windowSec: 300, nowSec: () => now });
    expect(verifySignedQuery(signed, at(1000))).toMatchObject({ appkey: 'k', signedBy: 'dev_x' });
    expect(() => verifySignedQuery(signed, at(1001))).toThrow(/credential expired/);
    // Expiry is told only to whoever holds the secret.
    const forged = `appkey=dev_x&timestamp=1001&signature=${encodeURIComponent(signature)}`;
    expect(() => verifySignedQuery(forged, at(1001))).toThrow(/signature does not match/);
  });
});
