import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS, sign, signingText } from '@dhuman/protocol';
import { APPKEY, call, postRaw, startTestServer, TOKEN, type TestServer } from './harness.js';

const PATH = SESSION_PATHS.listsessionofuin;
const BODY = JSON.stringify({ Header: {}, Payload: { ReqId: 'r1' } });

describe('signature authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  const now = () => Math.floor(Date.now() / 1000);

  async function signatureFor(params: Record<string, string>, token = TOKEN): Promise<string> {
    return sign(params, token);
  }

  /** POSTs to a query string built by hand, so tests control encoding and order exactly. */
  async function postQuery(query: string) {
    return postRaw(`${server.url}${PATH}?${query}`, BODY);
  }

  it('accepts a correctly signed request and a reuse of the same URL', async () => {
    const ts = String(now());
    const sig = await signatureFor({ appkey: APPKEY, timestamp: ts });
    const query = `appkey=${APPKEY}&timestamp=${ts}&signature=${encodeURIComponent(sig)}`;
    for (let i = 0; i < 2; i++) {
      const { status, json } = await postQuery(query);
      expect(status).toBe(200);
      expect(json.Header.Code).toBe(0);
      expect(json.Payload).toEqual({ ReqId: 'r1', Sessions: [] });
    }
  });

  it('accepts parameters in any order and "/" raw or encoded', async () => {
    // Find a timestamp whose signature contains "/" so both encodings are exercised.
    let ts = now();
    let sig = await signatureFor({ appkey: APPKEY, timestamp: String(ts) });
    while (!sig.includes('/') || sig.includes('+')) {
      ts -= 1;
      sig = await signatureFor({ appkey: APPKEY, timestamp: String(ts) });
    }
    const raw = sig.replaceAll('=', '%3D');
    const encoded = encodeURIComponent(sig);
    for (const s of [raw, encoded]) {
      const { json } = await postQuery(`signature=${s}&timestamp=${ts}&appkey=${APPKEY}`);
      expect(json.Header.Code, s).toBe(0);
    }
  });

  it('fails an unencoded "+" in the signature, saying so', async () => {
    let ts = now();
    let sig = await signatureFor({ appkey: APPKEY, timestamp: String(ts) });
    while (!sig.includes('+')) {
      ts -= 1;
      sig = await signatureFor({ appkey: APPKEY, timestamp: String(ts) });
    }
    const { status, json } = await postQuery(`appkey=${APPKEY}&timestamp=${ts}&signature=${sig}`);
    expect(status).toBe(200);
    expect(json.Header.Code).toBe(100005);
    expect(json.Header.Message).toMatch(/unencoded/);
    expect(json.Payload).toEqual({});
  });

  it('signs every parameter, including Language, in code-unit or localeCompare order', async () => {
    const ts = String(now());
    const params = { appkey: APPKEY, timestamp: ts, Language: 'en-US' };
    const codeUnit = await signatureFor(params);
    const { json } = await postQuery(
      `appkey=${APPKEY}&Language=en-US&timestamp=${ts}&signature=${encodeURIComponent(codeUnit)}`,
    );
    expect(json.Header.Code).toBe(0);
    const { createHmac } = await import('node:crypto');
    const localeText = signingText(params, (a, b) => a.localeCompare(b));
    const locale = createHmac('sha256', TOKEN).update(localeText).digest('base64');
    expect(locale).not.toBe(codeUnit);
    const second = await postQuery(
      `appkey=${APPKEY}&Language=en-US&timestamp=${ts}&signature=${encodeURIComponent(locale)}`,
    );
    expect(second.json.Header.Code).toBe(0);
    // An extra parameter the signature does not cover fails.
    const tampered = await postQuery(
      `appkey=${APPKEY}&Language=zh-CN&timestamp=${ts}&signature=${encodeURIComponent(codeUnit)}`,
    );
    expect(tampered.json.Header.Code).toBe(100005);
  });

  it.each([
    ['unknown appkey', { appkey: 'nosuchappkey' }, /unknown appkey/],
    ['wrong accesstoken', { token: 'wrongtoken0000000' }, /signature does not match/],
    ['timestamp too old', { timestamp: Math.floor(Date.now() / 1000) - 400 }, /old.*within 300 s/],
    ['timestamp too far ahead', { timestamp: Math.floor(Date.now() / 1000) + 400 }, /future/],
  ])('refuses a request with %s with 100005', async (_name, options, message) => {
    const res = await call(server.url, PATH, { ReqId: 'r2' }, options);
    expect(res.Header.Code).toBe(100005);
    expect(res.Header.Message).toMatch(message);
    expect(res.Payload).toEqual({});
  });

  it('accepts a timestamp one second in the future (SDK rounds up)', async () => {
    const res = await call(server.url, PATH, {}, { timestamp: now() + 1 });
    expect(res.Header.Code).toBe(0);
  });

  it.each([
    ['no query at all', ''],
    ['a missing signature', `appkey=${APPKEY}&timestamp=1`],
    ['a duplicated appkey', `appkey=${APPKEY}&appkey=${APPKEY}&timestamp=1&signature=x`],
    ['a non-numeric timestamp', `appkey=${APPKEY}&timestamp=12a&signature=x`],
  ])('refuses %s with 100005 and HTTP 200', async (_name, query) => {
    const { status, json } = await postQuery(query);
    expect(status).toBe(200);
    expect(json.Header.Code).toBe(100005);
    expect(typeof json.Header.Message).toBe('string');
  });

  it('refuses a revoked appkey', async () => {
    server.store.putCredential({
      appkey: 'revokedappkey001',
      accesstoken: 'revokedtoken0001',
      name: '',
      maxSessions: null,
      createdAt: Date.now(),
      revokedAt: null,
    });
    const before = await call(
      server.url,
      PATH,
      {},
      { appkey: 'revokedappkey001', token: 'revokedtoken0001' },
    );
    expect(before.Header.Code).toBe(0);
    server.store.revokeCredential('revokedappkey001', Date.now());
    const after = await call(server.url, PATH, {}, { appkey: 'revokedappkey001', token: 'revokedtoken0001' });
    expect(after.Header.Code).toBe(100005);
    expect(after.Header.Message).toMatch(/revoked/);
  });
});
