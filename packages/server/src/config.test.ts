import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      signatureWindowSec: 300,
      maxSessionsPerAppkey: 20,
      sessionIdleTimeoutMs: 600_000,
      corsOrigins: '*',
      credential: undefined,
    });
    expect(c.dataDir).toMatch(/\/data$/);
  });

  it('lets flags win over the environment', () => {
    expect(loadConfig({ DHUMAN_PORT: '9000' }, { port: '9001' }).port).toBe(9001);
    expect(loadConfig({ DHUMAN_PORT: '9000' }).port).toBe(9000);
  });

  it.each([
    [{ DHUMAN_PORT: '70000' }, /--port or DHUMAN_PORT/],
    [{ DHUMAN_PORT: 'abc' }, /DHUMAN_PORT/],
    [{ DHUMAN_LOG_LEVEL: 'loud' }, /--log-level or DHUMAN_LOG_LEVEL/],
    [{ DHUMAN_APPKEY: 'onlytheappkey' }, /DHUMAN_APPKEY and DHUMAN_ACCESSTOKEN/],
    [{ DHUMAN_APPKEY: 'bad key!', DHUMAN_ACCESSTOKEN: 'goodtoken1' }, /DHUMAN_APPKEY/],
    [{ DHUMAN_TLS_CERT: '/x.pem' }, /--tls-cert and --tls-key/],
    [{ DHUMAN_PUBLIC_URL: 'ftp://x' }, /DHUMAN_PUBLIC_URL/],
    [{ DHUMAN_SIGNATURE_WINDOW_SEC: '0' }, /DHUMAN_SIGNATURE_WINDOW_SEC/],
    [{ DHUMAN_DEV_TOKENS: 'yes' }, /DHUMAN_DEV_TOKENS: use 1 \(on\) or 0 \(off\)/],
    [{ DHUMAN_DEV_TOKEN_TTL_SEC: '0' }, /DHUMAN_DEV_TOKEN_TTL_SEC/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('serves the repository’s built page and issues one-hour dev tokens unless told otherwise', () => {
    const c = loadConfig({});
    expect(c.webDir).toMatch(/\/apps\/web\/dist$/);
    expect(c).toMatchObject({ devTokens: true, devTokenTtlMs: 3_600_000 });
    const off = loadConfig({
      DHUMAN_DEV_TOKENS: '0',
      DHUMAN_WEB_DIR: 'site',
      DHUMAN_DEV_TOKEN_TTL_SEC: '60',
    });
    expect(off).toMatchObject({ devTokens: false, devTokenTtlMs: 60_000 });
    expect(off.webDir).toMatch(/^\/.*\/site$/);
  });

  it('parses a CORS origin list and a public URL', () => {
    const c = loadConfig({
      DHUMAN_CORS_ORIGINS: 'https://a.example, https://b.example',
      DHUMAN_PUBLIC_URL: 'https://h.example/',
    });
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.publicUrl).toBe('https://h.example');
  });
});
