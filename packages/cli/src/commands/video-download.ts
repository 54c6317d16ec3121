import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';

/**
 * Streams a finished task's file (a plain GET-able link, no credential) to `path`. It is written next to
 * `path` under a temporary name and renamed at the end, so an interrupted or failed download never leaves a
 * truncated file under the name asked for. Returns the bytes written.
 */
export async function downloadTo(url: string, path: string, signal: AbortSignal): Promise<number> {
  const label = withoutQuery(url);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`download of ${label} failed: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok || !response.body) {
    const body = (await response.text().catch(() => '')).trim().slice(0, 200);
    throw new Error(`download of ${label} failed: HTTP ${response.status}${body ? ` (${body})` : ''}`);
  }
  const partial = `${path}.part`;
  let bytes = 0;
  try {
    const body = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(body, createWriteStream(partial, { mode: 0o644 }), { signal });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return bytes;
}

/** A link without its query: what is worth showing (the query holds the link's token). */
export function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}
