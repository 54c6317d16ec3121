import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isLoopbackUrl, serveFile } from './video-audio-server.js';

const dir = mkdtempSync(join(tmpdir(), 'dhuman-cli-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One request on a fresh connection: a kept-alive socket the server is closing would fail at random. */
function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveFile', () => {
  it('serves the one file at an unguessable 127.0.0.1 path, 404 elsewhere, and stops when closed', async () => {
    const path = join(dir, 'voice.wav');
    writeFileSync(path, Buffer.from('RIFF-not-really'));
    const served = await serveFile(path);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\.wav$/);
    expect(await get(served.url)).toEqual({ status: 200, type: 'audio/wav', body: 'RIFF-not-really' });
    await vi.waitFor(() => expect(served.fetches).toBe(1));
    const origin = new URL(served.url).origin;
    expect((await get(`${origin}/voice.wav`)).status).toBe(404);
    expect((await get(served.url, 'POST')).status).toBe(404);
    await served.close();
    await served.close();
    await expect(get(served.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a missing or empty file', async () => {
    await expect(serveFile(join(dir, 'none.wav'))).rejects.toThrow(/none\.wav: no such file/);
    writeFileSync(join(dir, 'empty.wav'), '');
    await expect(serveFile(join(dir, 'empty.wav'))).rejects.toThrow(/the file is empty/);
  });

  it('knows which server URLs are this machine', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8080')).toBe(true);
    expect(isLoopbackUrl('http://localhost:8080')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8080')).toBe(true);
    expect(isLoopbackUrl('https://avatar.example.com')).toBe(false);
  });
});
