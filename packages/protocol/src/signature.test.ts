import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareCodeUnits, sign, signedQuery, signingText } from './signature.js';

// The three published vectors of spec §1.4 (V1, V2 from the calling-method pages, V3 from the demo code).
const vectors: Array<{
  name: string;
  params: Record<string, string>;
  token: string;
  signature: string;
  encoded: string;
}> = [
  {
    name: 'V1',
    params: { appkey: 'e38267c0e86411ebb02aed82acb0ed99', timestamp: '1646636485' },
    token: 'f68f2d10ae9e4604b76fb05cf46bccec',
    signature: 'BfWuaC9kmaicCggXc693uK+sZQ8qe88O4HVQNTdwZuo=',
    encoded: 'BfWuaC9kmaicCggXc693uK%2BsZQ8qe88O4HVQNTdwZuo%3D',
  },
  {
    name: 'V2',
    params: { appkey: 'example_appkey', timestamp: '1717639699' },
    token: 'example_accesstoken',
    signature: 'aCNWYzZdplxWVo+JsqzZc9+J9XrwWWITfX3eQpsLVno=',
    encoded: 'aCNWYzZdplxWVo%2BJsqzZc9%2BJ9XrwWWITfX3eQpsLVno%3D',
  },
  {
    name: 'V3',
    params: { timestamp: '1717639699', requestid: 'example_requestid', appkey: 'example_appkey' },
    token: 'example_accesstoken',
    signature: 'QVenICk0VHtHGYZKXM6IC+W1CjZC1joSr/x0gfKKYT4=',
    encoded: 'QVenICk0VHtHGYZKXM6IC%2BW1CjZC1joSr%2Fx0gfKKYT4%3D',
  },
];

describe('signature', () => {
  it.each(vectors)('reproduces the published vector $name', async (v) => {
    expect(await sign(v.params, v.token)).toBe(v.signature);
    expect(encodeURIComponent(v.signature)).toBe(v.encoded);
  });

  it('sorts by code unit, so uppercase keys come first, and leaves out signature', () => {
    const text = signingText({ timestamp: '1', appkey: 'k', Language: 'en-US', signature: 'x' });
    expect(text).toBe('Language=en-US&appkey=k&timestamp=1');
  });

  it('can sort the way a localeCompare client does', () => {
    const text = signingText({ timestamp: '1', appkey: 'k', Language: 'en-US' }, (a, b) =>
      a.localeCompare(b),
    );
    expect(text).toBe('appkey=k&Language=en-US&timestamp=1');
    expect(compareCodeUnits('Z', 'a')).toBeLessThan(0);
  });

  it('agrees with node:crypto on non-ASCII keys and values', async () => {
    const params = { appkey: 'ключ', Language: 'zh-CN', note: '你好 +/=' };
    const expected = createHmac('sha256', 'tökén').update(signingText(params), 'utf8').digest('base64');
    expect(await sign(params, 'tökén')).toBe(expected);
  });

  it('builds a query whose decoded values verify, with + / = percent-encoded', async () => {
    const query = await signedQuery({
      appkey: 'example_appkey',
      accesstoken: 'example_accesstoken',
      timestamp: 1717639699,
      extra: { requestid: 'example_requestid' },
    });
    expect(query).toBe(
      'appkey=example_appkey&requestid=example_requestid&timestamp=1717639699&signature=QVenICk0VHtHGYZKXM6IC%2BW1CjZC1joSr%2Fx0gfKKYT4%3D',
    );
    const parsed = new URLSearchParams(query);
    expect(await sign(parsed, 'example_accesstoken')).toBe(parsed.get('signature'));
  });
});
