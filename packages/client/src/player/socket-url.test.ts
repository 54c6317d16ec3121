import { DRIVE_PATHS, sign } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import { signedDriverEngineUrl } from './socket-url.js';

describe('signedDriverEngineUrl', () => {
  const credentials = {
    base: 'https://h.example/ivh',
    appkey: 'ak',
    accesstoken: 'tok',
    language: 'en-US' as const,
  };

  it('signs appkey, a fresh 32-hex requestid, timestamp and Language; wss from https', async () => {
    const url = new URL(await signedDriverEngineUrl(credentials));
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
      `wss://h.example/ivh${DRIVE_PATHS.driverEngine}`,
    );
    expect([...url.searchParams.keys()].sort()).toEqual([
      'Language',
      'appkey',
      'requestid',
      'signature',
      'timestamp',
    ]);
    expect(url.searchParams.get('Language')).toBe('en-US');
    expect(url.searchParams.get('requestid')).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs(Number(url.searchParams.get('timestamp')) - Date.now() / 1000)).toBeLessThan(5);
    expect(await sign(url.searchParams, 'tok')).toBe(url.searchParams.get('signature'));
  });

  it('uses a new requestid for every connection', async () => {
    const a = new URL(await signedDriverEngineUrl(credentials)).searchParams.get('requestid');
    const b = new URL(await signedDriverEngineUrl(credentials)).searchParams.get('requestid');
    expect(a).not.toBe(b);
  });
});
