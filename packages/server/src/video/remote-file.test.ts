import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayUrl, downloadRemoteFile, RemoteFileError } from './remote-file.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A presign-style query: it must never show in a message. */
const SECRET = 'X-Amz-Signature=deadbeefcafe0123';

let server: Server | undefined;
let dir: string;
let dest: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'remote-file-'));
  dest = join(dir, 'input.bin');
});

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handler: Handler): Promise<string> {
  const started = createServer(handler);
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
}

/** The RemoteFileError a download rejects with, after checking the partial file is gone. */
async function failure(url: string, options: { maxBytes?: number; timeoutMs?: number } = {}) {
  const error = await downloadRemoteFile(url, dest, {
    maxBytes: options.maxBytes ?? 1_000_000,
    timeoutMs: options.timeoutMs ?? 5_000,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteFileError);
  expect(existsSync(dest)).toBe(false);
  expect((error as Error).message).not.toContain('deadbeef');
  return error as RemoteFileError;
}

const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));

describe('downloadRemoteFile', () => {
  it('saves the body and reports its size and Content-Type', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(payload);
    });
    const result = await downloadRemoteFile(`${base}/a.mp3?${SECRET}`, dest, {
      maxBytes: 200_000,
      timeoutMs: 5_000,
    });
    expect(result).toStrictEqual({ bytes: payload.length, contentType: 'audio/mpeg' });
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('refuses a non-2xx answer as bad-status, naming the URL without its query', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(404);
      res.end('no such file');
    });
    const error = await failure(`${base}/missing.mp3?${SECRET}`);
    expect(error.failure).toBe('bad-status');
    expect(error.message).toBe(`${base}/missing.mp3 answered HTTP 404`);
  });

  it('follows a chain of 5 relative and absolute redirects', async () => {
    const base = await serve((req, res) => {
      const hop = Number(/^\/r(\d)/.exec(req.url ?? '')?.[1] ?? NaN);
      if (hop < 5) {
        const next = hop % 2 === 0 ? `/r${hop + 1}` : `${base}/r${hop + 1}`;
        res.writeHead(hop % 2 === 0 ? 302 : 307, { location: next });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(payload);
    });
    const result = await downloadRemoteFile(`${base}/r0`, dest, { maxBytes: 200_000, timeoutMs: 5_000 });
    expect(result.bytes).toBe(payload.length);
  });

  it('refuses a sixth redirect', async () => {
    const base = await serve((req, res) => {
      res.writeHead(301, { location: `${req.url ?? ''}x` });
      res.end();
    });
    const error = await failure(`${base}/r?${SECRET}`);
    expect(error.failure).toBe('bad-status');
    expect(error.message).toBe(`${base}/r redirects more than 5 times`);
  });

  it('refuses a redirect to file:// before following it', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    });
    const error = await failure(`${base}/a.mp3?${SECRET}`);
    expect(error.failure).toBe('bad-url');
    expect(error.message).toBe(
      `${base}/a.mp3 redirects to file:///etc/passwd, only http and https URLs are accepted`,
    );
  });

  it.each([
    ['a file: URL', 'file:///etc/passwd'],
    ['an ftp: URL', 'ftp://example.com/a.mp3'],
    ['a relative URL', '/a.mp3'],
    ['a URL with credentials', 'http://user:s3cr3t@127.0.0.1/a.mp3'],
  ])('refuses %s as bad-url without a request', async (_what, url) => {
    const error = await failure(url);
    expect(error.failure).toBe('bad-url');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses a Content-Length over maxBytes before reading the body', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 1000));
      // The rest never comes: a download that waited for it would time out instead.
    });
    const error = await failure(`${base}/big?${SECRET}`, { maxBytes: 50_000 });
    expect(error.failure).toBe('too-large');
    expect(error.message).toBe(`${base}/big is 100000 bytes; at most 50000 are accepted`);
  });

  it('stops a body without Content-Length once it passes maxBytes, and drops the connection', async () => {
    let sent = 0;
    let closed: Promise<void> = Promise.resolve();
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      closed = new Promise((resolve) => res.once('close', resolve));
      // Endless chunked body, paced by backpressure.
      const more = () => {
        while (!res.destroyed && res.write(payload.subarray(0, 16_384))) sent += 16_384;
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    const error = await failure(`${base}/endless?${SECRET}`, { maxBytes: 300_000 });
    expect(error.failure).toBe('too-large');
    expect(error.message).toBe(`${base}/endless is more than 300000 bytes, the most accepted`);
    await closed;
    // Socket buffers hold a few hundred KB at most; an unbounded read would have gone on.
    expect(sent).toBeLessThan(20_000_000);
  });

  it('gives up after timeoutMs for the whole transfer, even while bytes trickle in', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      const drip = setInterval(() => res.write(Buffer.alloc(10)), 20);
      res.once('close', () => clearInterval(drip));
    });
    const started = performance.now();
    const error = await failure(`${base}/slow?${SECRET}`, { timeoutMs: 300 });
    expect(error.failure).toBe('timeout');
    expect(error.message).toBe(`${base}/slow did not download within 300 ms`);
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('rejects with the caller’s reason on abort and removes the partial file', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200);
      res.write(payload);
      // …and the rest never comes.
    });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const download = downloadRemoteFile(`${base}/stall`, dest, {
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 100);
    await expect(download).rejects.toBe(reason);
    expect(existsSync(dest)).toBe(false);
  });

  it('reports a local file that cannot be written as the server’s error, not the URL’s', async () => {
    const base = await serve((_req, res) => res.end(payload));
    const error = await downloadRemoteFile(`${base}/a.mp3`, join(dir, 'no-such-dir', 'a.mp3'), {
      maxBytes: 1_000_000,
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RemoteFileError);
    expect((error as Error).message).toMatch(/^could not write the downloaded file: ENOENT/);
  });

  it('reports a refused connection as unreachable', async () => {
    const base = await serve(() => undefined);
    server?.close();
    server = undefined;
    const error = await failure(`${base}/a.mp3?${SECRET}`);
    expect(error.failure).toBe('unreachable');
    expect(error.message).toMatch(
      new RegExp(`^could not download ${base}/a.mp3: fetch failed.*ECONNREFUSED`),
    );
  });
});

describe('displayUrl', () => {
  it('drops the query, the fragment and any user info', () => {
    expect(displayUrl('https://u:p@example.com:8443/a/b.mp3?sig=1#x')).toBe(
      'https://example.com:8443/a/b.mp3',
    );
    expect(displayUrl('not a url?sig=1')).toBe('not a url');
    expect(displayUrl('bad://u:p@[x/y?sig')).toBe('bad://[x/y');
  });
});
