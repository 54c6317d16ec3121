import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const SDK_PREFIX = '/dhuman/sdk/';

/** Shown at `/` when the page has not been built: the server works, only the page is missing. */
const NOT_BUILT = (dir: string) =>
  `The dhuman demo page is not built (nothing at ${dir}).\n\n` +
  'Run `npm run build` in the repository, then restart the server.\n' +
  'The APIs work meanwhile; /dhuman/healthz says so.\n';

/** A Host header safe to repeat in a header value: a name or address and a port, nothing else. */
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/**
 * The page's Content-Security-Policy: scripts, styles, images and fetches from this origin only; WebSocket
 * connections to the same host as well (CSP 2 browsers do not count ws: and wss: as 'self'). `blob:` scripts
 * are for the microphone's AudioWorklet, which the SDK loads from a Blob URL (worklet modules fall under
 * script-src, not worker-src); only a script already running on the page can make such a URL.
 */
export function pageCsp(host: string | undefined): string {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * Headers for every static file. Nothing here has a content hash in its name, so browsers revalidate each time
 * (`no-cache` with the ETag and Last-Modified that @fastify/static sends: a 304 when unchanged) instead of
 * holding an old app.js after a rebuild.
 */
function setHeaders(reply: FastifyReply, path: string): void {
  reply.header('cache-control', 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (path.endsWith('.html')) reply.header('content-security-policy', pageCsp(reply.request.headers.host));
}

/** `dir` is a folder, or nothing yet (a build may create it while the server runs); not a file. */
function canServe(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return true;
  }
}

/**
 * The demo page (`webDir`, normally apps/web/dist) at `/`, its files at their paths, and the player SDK at
 * `/dhuman/sdk/`. Files are looked up per request, so building the page while the server runs is enough.
 * A missing file under `/v2/` or `/dhuman/` falls through to the API's not-found envelope.
 */
export async function registerStaticRoutes(
  app: FastifyInstance,
  webDir: string,
  warn: (message: string) => void,
): Promise<void> {
  if (!existsSync(join(webDir, 'index.html'))) {
    warn(`no demo page at ${webDir}: run \`npm run build\` (the APIs work without it)`);
  }

  app.get('/', (_request, reply) => {
    if (!canServe(webDir) || !existsSync(join(webDir, 'index.html'))) {
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(NOT_BUILT(webDir));
    }
    return reply.sendFile('index.html', webDir);
  });

  const common = {
    wildcard: true,
    index: false as const,
    // The page is tiny and local: no directory listings, no dotfiles, no redirects.
    list: false as const,
    redirect: false,
    dotfiles: 'ignore' as const,
    cacheControl: false,
    setHeaders,
    suppressWarning: true,
  };
  // Registered even while the folders are missing, so a build made later is served; never on a file, which
  // the plugin refuses at start (DHUMAN_WEB_DIR naming the wrong thing must not stop the server).
  const site = canServe(webDir);
  if (site) await app.register(fastifyStatic, { ...common, root: webDir, prefix: '/' });
  else warn(`DHUMAN_WEB_DIR ${webDir} is not a folder; no demo page is served`);
  if (site && canServe(join(webDir, 'sdk'))) {
    await app.register(fastifyStatic, {
      ...common,
      root: join(webDir, 'sdk'),
      prefix: SDK_PREFIX,
      decorateReply: false,
    });
  }
}
