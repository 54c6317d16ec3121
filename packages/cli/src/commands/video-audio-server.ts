import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

/**
 * `video make --audio <file>`: the API takes recordings by URL only (`InputAudioUrl`), so the CLI serves the
 * local file itself for as long as the task needs it. The server listens on 127.0.0.1 only, at a random port,
 * and answers one random, unguessable path with that one file; every other request gets 404. It can therefore
 * only help a dhuman server on the same machine: a remote one needs the file put somewhere it can fetch
 * (`--audio-url`).
 */

export interface ServedFile {
  /** `http://127.0.0.1:<port>/<token>.<ext>`. */
  url: string;
  /** Whole responses sent so far (a server that fetched the file once may fetch it again after a restart). */
  readonly fetches: number;
  /** Stops serving and drops open connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The Content-Type for the extensions ffmpeg-readable recordings usually have; the server probes the bytes.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  webm: 'audio/webm',
};

/** 24 random bytes: the path is the only thing guarding the file from other local users. */
const TOKEN_BYTES = 24;

export async function serveFile(path: string): Promise<ServedFile> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--audio ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new Error(`--audio ${path}: not a regular file`);
  if (info.size === 0) throw new Error(`--audio ${path}: the file is empty`);

  // Only a plain extension is kept in the URL (the server may look at it); the file's name is not revealed.
  const ext = extname(path).slice(1).toLowerCase();
  const suffix = /^[a-z0-9]{1,5}$/.test(ext) ? `.${ext}` : '';
  const urlPath = `/${randomBytes(TOKEN_BYTES).toString('base64url')}${suffix}`;
  const contentType = CONTENT_TYPES[ext] ?? 'application/octet-stream';
  let fetches = 0;

  const server = createServer((request, response) => {
    const method = request.method ?? '';
    if (request.url !== urlPath || (method !== 'GET' && method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': contentType,
      'content-length': String(info.size),
      'cache-control': 'no-store',
    });
    if (method === 'HEAD') {
      response.end();
      return;
    }
    // The file is read afresh for each fetch: the server may fetch again (a task re-queued after a restart).
    const file = createReadStream(path);
    file.on('error', () => response.destroy());
    response.on('finish', () => fetches++);
    file.pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${urlPath}`,
    get fetches() {
      return fetches;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** True for hosts that are this machine, where a file served on 127.0.0.1 is reachable. */
export function isLoopbackUrl(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
