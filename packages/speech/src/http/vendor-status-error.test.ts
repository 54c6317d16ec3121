import { describe, expect, it } from 'vitest';
import { MAX_QUOTED_CHARS } from './http-util.js';
import { ProviderStatusError } from './provider-errors.js';
import { redactKey, vendorStatusError, type VendorStatusErrorOptions } from './vendor-status-error.js';

const KEY = 'sk-test-1234567890';
const ENDPOINT = 'http://vendor.test/v1/audio/speech';

function errorFor(status: number, body: string, extra: Partial<VendorStatusErrorOptions> = {}) {
  return vendorStatusError({
    label: 'Vendor',
    endpoint: ENDPOINT,
    status,
    requestId: 'req-1',
    body,
    apiKey: KEY,
    keyHint: 'DHUMAN_TEST_KEY',
    ...extra,
  });
}

const openAiBody = (message: string, code?: string) => JSON.stringify({ error: { message, code } });

describe('vendorStatusError', () => {
  it('builds the message, status, request id and category of a plain error', () => {
    const error = errorFor(400, openAiBody('bad voice'));
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error.message).toBe(`Vendor: HTTP 400 from ${ENDPOINT}: bad voice`);
    expect(error.status).toBe(400);
    expect(error.requestId).toBe('req-1');
    expect(error.category).toBe('invalid_request');
    expect(error.retryable).toBe(false);
  });

  it.each([
    [401, 'authentication', '(authentication failed; check the API key (DHUMAN_TEST_KEY))', false],
    [403, 'authorization', '(not authorized for this model (check the API key’s permissions))', false],
    [429, 'rate_limit', '(rate limited)', true],
    [503, 'server', undefined, true],
    [408, 'timeout', undefined, true],
  ])('HTTP %i is %s', (status, category, reason, retryable) => {
    const error = errorFor(status, 'details');
    expect(error.category).toBe(category);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toBe(
      `Vendor: HTTP ${status} from ${ENDPOINT}${reason ? ` ${reason}` : ''}: details`,
    );
  });

  it('uses the given authorization scope', () => {
    const error = errorFor(403, '', { authorizationScope: 'this model or voice' });
    expect(error.message).toBe(
      `Vendor: HTTP 403 from ${ENDPOINT} (not authorized for this model or voice (check the API key’s permissions))`,
    );
  });

  it('calls insufficient_quota a quota problem, not worth retrying, whatever the status', () => {
    const error = errorFor(429, openAiBody('You exceeded your current quota', 'insufficient_quota'));
    expect(error.category).toBe('quota');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `Vendor: HTTP 429 from ${ENDPOINT} (quota exhausted): You exceeded your current quota`,
    );
  });

  it('never shows the key, not even cut by the quoting limit', () => {
    const echoed = errorFor(401, openAiBody(`Incorrect API key provided: ${KEY}.`));
    expect(echoed.message).toContain('Incorrect API key provided: [redacted].');
    expect(echoed.message).not.toContain(KEY);

    const long = 'x'.repeat(MAX_QUOTED_CHARS - 5) + KEY;
    const cut = errorFor(400, long);
    expect(cut.message).not.toContain(KEY.slice(0, 5));
  });

  it('gives the 404 hint only when asked, and only for 404', () => {
    const hint = 'check the URL and the model name';
    expect(errorFor(404, '').message).toBe(`Vendor: HTTP 404 from ${ENDPOINT}`);
    expect(errorFor(404, 'no such route', { notFoundHint: hint }).message).toBe(
      `Vendor: HTTP 404 from ${ENDPOINT} (${hint}): no such route`,
    );
    expect(errorFor(400, '', { notFoundHint: hint }).message).toBe(`Vendor: HTTP 400 from ${ENDPOINT}`);
  });
});

describe('redactKey', () => {
  it('replaces every occurrence of the key', () => {
    expect(redactKey(`${KEY} and ${KEY}`, KEY)).toBe('[redacted] and [redacted]');
  });

  it('leaves the text alone without a key', () => {
    expect(redactKey('sk-anything', undefined)).toBe('sk-anything');
    expect(redactKey('sk-anything', '')).toBe('sk-anything');
  });
});
