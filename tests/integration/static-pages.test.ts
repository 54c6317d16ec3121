import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDataDir, TOKEN, type Envelope, type TestServer } from './harness.js';

// The demo page and player SDK served from DHUMAN_WEB_DIR (normally apps/web/dist), next to the APIs.
/**
 * A GET sent as written: fetch normalises `..` away and adds `Cache-Control: no-cache` to conditional requests,
 * which defeats both the traversal and the revalidation checks.
 */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    get({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const INDEX =
  '<!doctype html><html><head><script src="/app.js" type="module"></script></head><body></body></html>';

describe('static pages', () => {
  let server: TestServer;
  let webDir: string;
  beforeAll(async () => {
    webDir = tempDataDir();
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'app.js'), 'console.log("demo");\n');
    writeFileSync(join(webDir, 'styles.css'), 'body { margin: 0 }\n');
    writeFileSync(join(webDir, '.secret'), 'dotfile');
    mkdirSync(join(webDir, 'sdk'));
    writeFileSync(join(webDir, 'sdk', 'dhuman-player.js'), 'var DhumanPlayer = {};\n');
    writeFileSync(join(webDir, 'sdk', 'dhuman-player.mjs'), 'export {};\n');
    server = await startTestServer({ DHUMAN_WEB_DIR: webDir });
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / with a Content-Security-Policy allowing this host’s sockets', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(INDEX);
    const csp = res.headers.get('content-security-policy') ?? '';
    const host = new URL(server.url).host;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(new RegExp(`connect-src 'self' ws://${host} wss://${host}`));
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('etag')).toBeTruthy();
  });

  it('serves the page’s files at their paths and the SDK under /dhuman/sdk/', async () => {
    const app = await fetch(`${server.url}/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/javascript/);
    expect(await app.text()).toContain('demo');
    const css = await fetch(`${server.url}/styles.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const file of ['dhuman-player.js', 'dhuman-player.mjs']) {
      // Any page may load the player, as a module too (fetched in CORS mode).
      const res = await fetch(`${server.url}/dhuman/sdk/${file}`, {
        headers: { origin: 'https://shop.example' },
      });
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toMatch(/javascript/);
      expect(res.headers.get('access-control-allow-origin'), file).toBe('*');
    }
    const page = await fetch(`${server.url}/app.js`, { headers: { origin: 'https://shop.example' } });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('revalidates with a 304 when the file has not changed', async () => {
    const first = await fetch(`${server.url}/app.js`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await rawGet(server.url, '/app.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('answers a missing file with 404, hides dotfiles and refuses traversal', async () => {
    const paths = [
      '/nosuch.js',
      '/.secret',
      '/..%2f..%2fetc%2fpasswd',
      '/../../../../etc/passwd',
      '/dhuman/sdk/../../../../etc/passwd',
      '/dhuman/sdk/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    ];
    for (const path of paths) {
      const res = await rawGet(server.url, path);
      // Page paths answer a plain 404 or 403; under /dhuman/ the API envelope says 100001.
      if (path.startsWith('/dhuman/')) {
        expect((JSON.parse(res.body) as Envelope).Header.Code, path).toBe(100001);
      } else {
        expect([403, 404], path).toContain(res.status);
      }
      expect(res.body, path).not.toContain('dotfile');
      expect(res.body, path).not.toContain('root:');
    }
  });

  it('leaves unknown API paths to the IVH envelope', async () => {
    for (const path of ['/v2/ivh/nosuch/api', '/dhuman/nosuch', '/dhuman/sdk/nosuch.js']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      const json = (await res.json()) as Envelope;
      expect(json.Header.Code, path).toBe(100001);
      expect(json.Header.Message, path).toMatch(/no API at GET/);
    }
  });

  it('never serves the dev accesstoken or the server’s accesstoken', async () => {
    const issued = await fetch(`${server.url}/dhuman/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const { AccessToken } = ((await issued.json()) as Envelope).Payload as { AccessToken: string };
    expect(AccessToken).toMatch(/^[0-9a-f]{32}$/);
    for (const path of ['/', '/app.js', '/styles.css', '/dhuman/sdk/dhuman-player.js']) {
      const text = await (await fetch(`${server.url}${path}`)).text();
      expect(text, path).not.toContain(AccessToken);
      expect(text, path).not.toContain(TOKEN);
    }
  });
});

describe('static pages of the real build', () => {
  const dist = fileURLToPath(new URL('../../apps/web/dist', import.meta.url));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it.skipIf(!existsSync(join(dist, 'index.html')))(
    'serves apps/web/dist by default, and none of its files holds a credential',
    async () => {
      const res = await fetch(`${server.url}/`);
      expect(await res.text()).toBe(readFileSync(join(dist, 'index.html'), 'utf8'));
      const issued = await fetch(`${server.url}/dhuman/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { AccessToken } = ((await issued.json()) as Envelope).Payload as { AccessToken: string };
      const files = (dir: string, prefix = ''): string[] =>
        readdirSync(dir).flatMap((name) =>
          statSync(join(dir, name)).isDirectory()
            ? files(join(dir, name), `${prefix}${name}/`)
            : [`${prefix}${name}`],
        );
      for (const file of files(dist).filter((f) => /\.(html|js|mjs|css)$/.test(f))) {
        const text = await (await fetch(`${server.url}/${file}`)).text();
        expect(text, file).not.toContain(AccessToken);
        expect(text, file).not.toContain(TOKEN);
      }
    },
  );
});

describe('static pages before the build', () => {
  it('answers / with a page saying to run npm run build, and keeps the APIs up', async () => {
    const parent = tempDataDir();
    const missing = join(parent, 'no-such-dist');
    const server = await startTestServer({ DHUMAN_WEB_DIR: missing });
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/npm run build/);
      expect((await fetch(`${server.url}/app.js`)).status).toBe(404);
      expect((await fetch(`${server.url}/dhuman/healthz`)).status).toBe(200);
    } finally {
      await server.dispose();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('starts with DHUMAN_WEB_DIR naming a file, answering / with the same page', async () => {
    const dir = tempDataDir();
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const server = await startTestServer({ DHUMAN_WEB_DIR: file });
    try {
      expect(await (await fetch(`${server.url}/`)).text()).toMatch(/npm run build/);
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
