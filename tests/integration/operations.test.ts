import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import { call, signedUrl, startTestServer, type TestServer } from './harness.js';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

describe('operations: health, metrics, CORS, TLS', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
  });

  it('serves health and Prometheus metrics with request latency and sessions by status', async () => {
    server = await startTestServer();
    expect(await (await fetch(`${server.url}/dhuman/healthz`)).json()).toMatchObject({ status: 'ok' });
    await call(server.url, SESSION_PATHS.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: 'm',
      Protocol: 'webrtc',
    });
    await call(server.url, SESSION_PATHS.statsession, { SessionId: 'm0' });
    const text = await (await fetch(`${server.url}/dhuman/metrics`)).text();
    expect(text).toMatch(
      /dhuman_http_request_duration_seconds_count\{route="\/v2\/ivh\/sessionmanager\/sessionmanagerservice\/createsession",method="POST",code="0"\} 1/,
    );
    expect(text).toMatch(
      /route="\/v2\/ivh\/sessionmanager\/sessionmanagerservice\/statsession",method="POST",code="110018"/,
    );
    expect(text).toMatch(/dhuman_sessions\{status="(ready|preparing)"\} 1/);
  });

  it('answers CORS preflights on IVH paths with content-type and language allowed', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}${SESSION_PATHS.createsession}?appkey=x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://kiosk.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,language',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/content-type.*language/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const post = await fetch(await signedUrl(server.url, SESSION_PATHS.listsessionofuin), {
      method: 'POST',
      headers: { origin: 'https://kiosk.example', 'content-type': 'application/json' },
      body: '{"Payload":{}}',
    });
    expect(post.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('never answers CORS on admin paths', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/dhuman/metrics`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${server.url}/dhuman/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits CORS to the configured origins', async () => {
    server = await startTestServer({ DHUMAN_CORS_ORIGINS: 'https://a.example, https://b.example' });
    const preflight = (origin: string) =>
      fetch(`${server?.url}${SESSION_PATHS.statsession}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('https://b.example')).headers.get('access-control-allow-origin')).toBe(
      'https://b.example',
    );
    expect((await preflight('https://c.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves https when given a certificate and key', async () => {
    server = await startTestServer({
      DHUMAN_TLS_CERT: fixture('localhost-cert.pem'),
      DHUMAN_TLS_KEY: fixture('localhost-key.pem'),
    });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const url = await signedUrl(server.url, SESSION_PATHS.listsessionofuin);
    const ca = readFileSync(fixture('localhost-cert.pem'));
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent: new Agent({ ca }), headers: { 'content-type': 'application/json' } },
        (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () => resolve(data));
        },
      );
      req.on('error', reject);
      req.end('{"Payload":{}}');
    });
    expect(JSON.parse(body)).toMatchObject({ Header: { Code: 0 }, Payload: { Sessions: [] } });
  });
});
