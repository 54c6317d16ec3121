// The HTTP edges of live streams (issue 6) that need no running stream: the play token gates the player page,
// WHEP and HLS; WHEP's OPTIONS advertises the ICE servers as Link headers; malformed WHEP requests are refused
// before any encode starts; HLS names cannot reach files outside the stream's folder; the request log never
// shows a play token. Nothing here sends a real SDP offer or asks for a real segment, so no ffmpeg starts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS as P } from '@dhuman/protocol';
import { call, reqId, settledStat, startTestServer, type TestServer } from './harness.js';
import { childProcesses } from './processes.js';

const ICE_SERVERS = JSON.stringify([
  { urls: ['stun:stun1.example.com:3478', 'stun:stun2.example.com'] },
  { urls: 'turn:turn.example.com:3478', username: 'alice', credential: 's3cret' },
]);
const EXPECTED_LINKS = [
  '<stun:stun1.example.com:3478>; rel="ice-server"',
  '<stun:stun2.example.com>; rel="ice-server"',
  '<turn:turn.example.com:3478>; rel="ice-server"; username="alice"; credential="s3cret"; credential-type="password"',
];
const PLAY_PAGE = '<!doctype html><html><head><script src="play.js" type="module"></script></head></html>';
/** Looks like an offer (starts with v=0) so that only the session's state decides the answer. */
const OFFER_LIKE = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header values in the order sent, one entry per header line (fetch would join repeated ones). */
  all: (name: string) => string[];
  body: string;
}

/** A request sent as written: fetch would normalise `..` and join repeated headers. */
function raw(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const pairs = res.rawHeaders;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          all: (name) =>
            pairs.flatMap((value, i) => (i % 2 === 1 && pairs[i - 1]?.toLowerCase() === name ? [value] : [])),
          body: text,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function jsonCode(res: RawResponse): number | undefined {
  return (JSON.parse(res.body) as { Code?: number }).Code;
}

/**
 * Every line the server's logger writes, kept in memory. fastify's pino logger writes straight to fd 1, which a
 * test cannot capture, so the write of its destination stream is replaced (pino keeps it under the
 * `pino.stream` symbol of the root logger; request loggers are its children and share it).
 */
function captureLog(server: TestServer): string[] {
  const lines: string[] = [];
  let logger: object | null = server.app.log;
  let stream: { write: (line: string) => boolean } | undefined;
  while (logger && !stream) {
    const symbol = Object.getOwnPropertySymbols(logger).find((s) => s.description === 'pino.stream');
    if (symbol) stream = (logger as Record<symbol, typeof stream>)[symbol];
    logger = Object.getPrototypeOf(logger) as object | null;
  }
  if (!stream) throw new Error('pino destination not found');
  stream.write = (line: string) => {
    lines.push(line);
    return true;
  };
  server.app.log.level = 'info';
  return lines;
}

let server: TestServer;
let webDir: string;
let log: string[];

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'dhuman-play-page-'));
  server = await startTestServer({ DHUMAN_ICE_SERVERS: ICE_SERVERS, DHUMAN_WEB_DIR: webDir });
  log = captureLog(server);
});
afterAll(async () => {
  await server?.dispose();
  rmSync(webDir, { recursive: true, force: true });
});

async function liveSession(userId: string): Promise<{ sessionId: string; token: string }> {
  const created = await call(server.url, P.createsession, {
    ReqId: reqId(),
    VirtualmanProjectId: 'demo',
    UserId: userId,
    Protocol: 'webrtc',
  });
  expect(created.Header.Code).toBe(0);
  const sessionId = created.Payload.SessionId as string;
  const stat = await settledStat(server.url, sessionId);
  expect(stat.SessionStatus).toBe(1);
  const token = new URL(stat.PlayStreamAddr as string).searchParams.get('token');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { sessionId, token: token! };
}

const JSON_403 = { status: 403, code: 100005 };

/** An OPTIONS (no body), or a POST of an offer-like body as application/sdp. */
function whep(method: 'OPTIONS' | 'POST', path: string): Promise<RawResponse> {
  return method === 'POST'
    ? raw(server.url, method, path, OFFER_LIKE, { 'content-type': 'application/sdp' })
    : raw(server.url, method, path);
}

describe('stream routes without a running stream', () => {
  let live: { sessionId: string; token: string };
  let closed: { sessionId: string; token: string };
  let ffmpegBefore: number;

  beforeAll(async () => {
    ffmpegBefore = childProcesses('ffmpeg').length;
    live = await liveSession('stream-http-live');
    closed = await liveSession('stream-http-closed');
    const done = await call(server.url, P.closesession, { SessionId: closed.sessionId });
    expect(done.Header.Code).toBe(0);
  });

  describe('WHEP', () => {
    it('OPTIONS lists the ICE servers, one Link header each, and accepts SDP', async () => {
      const res = await raw(server.url, 'OPTIONS', `/dhuman/whep/${live.sessionId}?token=${live.token}`);
      expect(res.status).toBe(204);
      expect(res.headers['accept-post']).toBe('application/sdp');
      expect(res.body).toBe('');
      // Every value present is one of the configured servers, well formed.
      for (const link of res.all('link')) expect(EXPECTED_LINKS).toContain(link);
      expect(res.all('link').length).toBeGreaterThan(0);
    });

    it('OPTIONS sends every configured ICE server, not just the last', async () => {
      const res = await raw(server.url, 'OPTIONS', `/dhuman/whep/${live.sessionId}?token=${live.token}`);
      expect(res.all('link')).toEqual(EXPECTED_LINKS);
    });

    it.each([
      ['no token', () => ''],
      ['a wrong token', () => `?token=${'A'.repeat(43)}`],
      ['a truncated token', () => `?token=${live.token.slice(0, 42)}`],
      ['the token twice', () => `?token=${live.token}&token=${live.token}`],
      ['another session’s token', () => `?token=${closed.token}`],
    ])('refuses OPTIONS and POST with %s: 403 {Code:100005}', async (_what, query) => {
      const q = query();
      for (const method of ['OPTIONS', 'POST'] as const) {
        const res = await whep(method, `/dhuman/whep/${live.sessionId}${q}`);
        expect({ status: res.status, code: jsonCode(res) }, method).toEqual(JSON_403);
        expect(res.headers['content-type'], method).toMatch(/^application\/json/);
        expect(res.all('link'), method).toEqual([]);
      }
    });

    it('refuses a request whose Content-Type is not application/sdp: 415', async () => {
      // Bodies the app-wide JSON parser lets through (empty, or JSON): the route itself then refuses them.
      for (const [type, body] of [
        ['text/plain', ''],
        ['application/json', '{"sdp":"v=0"}'],
        ['application/sdp-not', '{}'],
      ] as const) {
        const path = `/dhuman/whep/${live.sessionId}?token=${live.token}`;
        const res = await raw(server.url, 'POST', path, body, { 'content-type': type });
        expect(res.status, type).toBe(415);
        expect(jsonCode(res), type).toBe(100001);
      }
    });

    it('refuses an SDP offer sent as text/plain with 415, not an IVH envelope', async () => {
      const path = `/dhuman/whep/${live.sessionId}?token=${live.token}`;
      const res = await raw(server.url, 'POST', path, OFFER_LIKE, { 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
    });

    it('refuses a body that is not an SDP offer: 400', async () => {
      const path = `/dhuman/whep/${live.sessionId}?token=${live.token}`;
      for (const body of ['hello', '', '{"sdp":"v=0"}', ' v=0\r\n']) {
        const res = await raw(server.url, 'POST', path, body, { 'content-type': 'application/sdp' });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(jsonCode(res)).toBe(100001);
        expect(res.body).toMatch(/not an SDP offer/);
      }
    });

    it('answers 404 {Code:110013} for a closed or unknown session, even with its right token', async () => {
      const unknown = 'nosuchsession0001';
      for (const [id, token] of [
        [closed.sessionId, closed.token],
        [unknown, server.streamTokens.token(unknown)],
      ] as const) {
        for (const method of ['OPTIONS', 'POST'] as const) {
          const res = await whep(method, `/dhuman/whep/${id}?token=${token}`);
          expect(res.status, `${method} ${id}`).toBe(404);
          expect(jsonCode(res)).toBe(110013);
        }
      }
    });

    it('DELETE of an unknown viewer is 404, and needs the token first', async () => {
      const path = `/dhuman/whep/${live.sessionId}/no-such-viewer`;
      const wrong = await raw(server.url, 'DELETE', `${path}?token=${closed.token}`);
      expect({ status: wrong.status, code: jsonCode(wrong) }).toEqual(JSON_403);
      const unknown = await raw(server.url, 'DELETE', `${path}?token=${live.token}`);
      expect(unknown.status).toBe(404);
      expect(jsonCode(unknown)).toBe(110013);
    });

    it('PATCH (trickle ICE) is not supported: 405, Allow: DELETE', async () => {
      const path = `/dhuman/whep/${live.sessionId}/some-viewer?token=${live.token}`;
      const res = await raw(server.url, 'PATCH', path);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('DELETE');
    });

    it('PATCH with a trickle-ice-sdpfrag body is 405 too', async () => {
      const path = `/dhuman/whep/${live.sessionId}/some-viewer?token=${live.token}`;
      const res = await raw(server.url, 'PATCH', path, 'a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n', {
        'content-type': 'application/trickle-ice-sdpfrag',
      });
      expect(res.status).toBe(405);
    });
  });

  describe('player page', () => {
    const page = (id: string, token: string) => raw(server.url, 'GET', `/dhuman/play/${id}?token=${token}`);

    it('refuses a wrong or missing token (403) and a closed, unknown or malformed session (404)', async () => {
      for (const token of ['', 'x'.repeat(43), closed.token]) {
        const res = await page(live.sessionId, token);
        expect({ status: res.status, code: jsonCode(res) }, token).toEqual(JSON_403);
      }
      expect((await page(closed.sessionId, closed.token)).status).toBe(404);
      const unknown = 'nosuchsession0002';
      expect((await page(unknown, server.streamTokens.token(unknown))).status).toBe(404);
      for (const id of ['a.b', 'x'.repeat(65), '..%2F..%2Fdhuman.db']) {
        const res = await page(id, server.streamTokens.token(decodeURIComponent(id)));
        expect(res.status, id).toBe(404);
      }
    });

    it('says the page is not built (500) until play.html exists, then serves it with a CSP', async () => {
      rmSync(join(webDir, 'play.html'), { force: true });
      const missing = await page(live.sessionId, live.token);
      expect(missing.status).toBe(500);
      expect(missing.headers['content-type']).toMatch(/^text\/plain/);
      expect(missing.body).toMatch(/not built/);

      writeFileSync(join(webDir, 'play.html'), PLAY_PAGE);
      const res = await page(live.sessionId, live.token);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toBe(PLAY_PAGE);
      const csp = res.headers['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain(`connect-src 'self' ws://${new URL(server.url).host}`);
      expect(res.headers['cache-control']).toBe('no-store');
      // The token is in the page's URL: it must not travel on to other sites as a Referer.
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('HLS', () => {
    it('answers 404 for a playlist name that is not <SessionId>.m3u8', async () => {
      for (const name of [
        `${live.sessionId}`,
        `${live.sessionId}.m3u`,
        `${live.sessionId}.M3U8`,
        'a.b.m3u8',
        '..%2F..%2Fdhuman.db',
        '..%2Fstream-secret',
        `..%2F${live.sessionId}.m3u8`,
        `${'x'.repeat(65)}.m3u8`,
      ]) {
        const res = await raw(server.url, 'GET', `/dhuman/live/${name}?token=${live.token}`);
        expect(res.status, name).toBe(404);
        expect(res.body).not.toContain('SQLite');
      }
    });

    it('refuses the playlist of a live session without its token (403) and of a closed one (404)', async () => {
      const wrong = await raw(server.url, 'GET', `/dhuman/live/${live.sessionId}.m3u8?token=${closed.token}`);
      expect({ status: wrong.status, code: jsonCode(wrong) }).toEqual(JSON_403);
      const none = await raw(server.url, 'GET', `/dhuman/live/${live.sessionId}.m3u8`);
      expect(none.status).toBe(403);
      const gonePath = `/dhuman/live/${closed.sessionId}.m3u8?token=${closed.token}`;
      const gone = await raw(server.url, 'GET', gonePath);
      expect(gone.status).toBe(404);
    });

    it('answers 404 for a segment name other than segNNNNN.ts, without reading any file', async () => {
      const secret = readFileSync(join(server.dataDir, 'stream-secret'), 'utf8').trim();
      for (const segment of [
        'seg1.ts',
        'seg000001.ts',
        'seg00001.ts.bak',
        'index.m3u8',
        '..%2Fstream-secret',
        '..%2F..%2Fdhuman.db',
        '..%2F..%2F..%2Fetc%2Fpasswd',
        'seg00001.ts%00',
        '%2e%2e',
      ]) {
        const path = `/dhuman/live/${live.sessionId}/${segment}?token=${live.token}`;
        const res = await raw(server.url, 'GET', path);
        expect(res.status, segment).toBe(404);
        expect(res.body).not.toContain(secret);
        expect(res.body).not.toContain('SQLite');
        expect(res.body).not.toContain('root:');
      }
      // Unencoded `..` never reaches the segment route; whatever answers, no file comes back.
      for (const path of [
        `/dhuman/live/${live.sessionId}/../../dhuman.db`,
        `/dhuman/live/${live.sessionId}/seg00001.ts/../../../stream-secret`,
      ]) {
        const res = await raw(server.url, 'GET', `${path}?token=${live.token}`);
        expect(res.body, path).not.toContain(secret);
        expect(res.body, path).not.toContain('SQLite');
      }
    });
  });

  it('started no stream for any of the above', () => {
    expect(server.streams.streamOf(live.sessionId)).toBeUndefined();
    expect(childProcesses('ffmpeg')).toHaveLength(ffmpegBefore);
  });

  it('never writes a play token to the request log', () => {
    const text = log.join('');
    const requests = log
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } })
      .filter((record) => record.msg === 'incoming request')
      .map((record) => record.req?.url ?? '');
    const streamRequests = requests.filter((url) => /^\/dhuman\/(whep|play|live)\//.test(url));
    // The requests above are all there, their tokens replaced.
    expect(streamRequests.length).toBeGreaterThan(40);
    expect(streamRequests.filter((url) => url.includes('token=[redacted]')).length).toBeGreaterThan(30);
    for (const token of [live.token, closed.token, live.token.slice(0, 42)])
      expect(text).not.toContain(token);
    for (const url of streamRequests) expect(url).not.toMatch(/token=(?!\[redacted\])/);
  });
});
