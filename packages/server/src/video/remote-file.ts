/**
 * Fetching a customer's input file (InputAudioUrl, BackgroundFileUrl, …) to local disk. The URL comes from the
 * request, so everything about it is bounded: scheme (each redirect hop too), size, time. URLs are often
 * pre-signed, and a signature in the query string is a credential: messages show a URL without its query.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { TransferDeadline } from './remote-file-deadline.js';

export type RemoteFileFailure =
  'bad-url' | 'unreachable' | 'bad-status' | 'too-large' | 'timeout' | 'bad-content';

/** A customer's input that cannot be used; `failure` says why, the message names the URL without its query. */
export class RemoteFileError extends Error {
  override readonly name = 'RemoteFileError';

  constructor(
    readonly failure: RemoteFileFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What browsers and curl follow by default is 20 and 50; a file link needs one or two (CDN, shortener). */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface DownloadOptions {
  /** Larger files are refused (Content-Length first, then the bytes actually received). */
  maxBytes: number;
  /** For the whole transfer, redirects and body included: a server dribbling bytes cannot hold a job. */
  timeoutMs: number;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * GETs an http(s) URL into `destPath`, streamed to disk (never held whole in memory). Follows up to 5 redirects,
 * each checked for its scheme. Rejects with a RemoteFileError, or the signal's reason on abort; the file is
 * removed on any failure. Resolves with the byte count and the Content-Type ('' when there is none).
 */
export async function downloadRemoteFile(
  url: string,
  destPath: string,
  options: DownloadOptions,
): Promise<{ bytes: number; contentType: string }> {
  const { maxBytes, timeoutMs, signal } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`bad maxBytes ${maxBytes}`);
  signal?.throwIfAborted();
  const target = httpUrl(url);
  const shown = displayUrl(target);
  const deadline = new TransferDeadline(timeoutMs, signal);
  let file: FileHandle | undefined;
  try {
    const response = await fetchFollowingRedirects(target, deadline.signal);
    const contentType = response.headers.get('content-type') ?? '';
    const declared = contentLength(response.headers.get('content-length'));
    if (declared !== undefined && declared > maxBytes) {
      throw new RemoteFileError(
        'too-large',
        `${shown} is ${declared} bytes; at most ${maxBytes} are accepted`,
      );
    }
    file = await open(destPath, 'w').catch((error: unknown) => {
      throw new LocalWriteError(error);
    });
    const bytes = await copyBody(response, file, maxBytes, shown);
    await file.close().catch((error: unknown) => {
      throw new LocalWriteError(error);
    });
    file = undefined;
    return { bytes, contentType };
  } catch (error) {
    deadline.abort();
    if (file) {
      // (Closing again after a failed close is harmless.)
      await file.close().catch(() => undefined);
      await rm(destPath, { force: true }).catch(() => undefined);
    }
    throw explain(error, deadline, shown);
  } finally {
    deadline.dispose();
  }
}

/** `url` without its query, fragment or user info: what messages and logs may show of a customer's URL. */
export function displayUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    // Not a URL: the text up to the first ? or #, without anything that looks like user:password@.
    const head = (typeof url === 'string' ? url : '').split(/[?#]/, 1)[0] ?? '';
    return head.replace(/\/\/[^/@]*@/, '//').slice(0, 200);
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** An absolute http(s) URL, or RemoteFileError('bad-url'). `base` resolves a redirect's relative Location. */
function httpUrl(url: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new RemoteFileError('bad-url', `${displayUrl(url) || 'the URL'} is not a valid URL`);
  }
  const where = base ? `${displayUrl(base)} redirects to ${displayUrl(parsed)}, ` : `${displayUrl(parsed)}: `;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RemoteFileError('bad-url', `${where}only http and https URLs are accepted`);
  }
  // fetch refuses them anyway, with a message that would quote the URL whole.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new RemoteFileError('bad-url', `${where}URLs with a user name or password are not accepted`);
  }
  return parsed;
}

async function fetchFollowingRedirects(start: URL, signal: AbortSignal): Promise<Response> {
  let url = start;
  for (let hop = 0; ; hop++) {
    // Redirects are followed here, not by fetch, so that every hop's scheme is checked before it is requested.
    const response = await fetch(url, { redirect: 'manual', signal });
    if (response.ok) return response;
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) {
      throw new RemoteFileError('bad-status', `${displayUrl(url)} answered HTTP ${response.status}`);
    }
    if (hop === MAX_REDIRECTS) {
      throw new RemoteFileError(
        'bad-status',
        `${displayUrl(start)} redirects more than ${MAX_REDIRECTS} times`,
      );
    }
    url = httpUrl(location, url);
  }
}

/** Content-Length as a number, or undefined when absent or malformed (then only the count applies). */
function contentLength(header: string | null): number | undefined {
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

async function copyBody(
  response: Response,
  file: FileHandle,
  maxBytes: number,
  shown: string,
): Promise<number> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return 0;
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return bytes;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        throw new RemoteFileError('too-large', `${shown} is more than ${maxBytes} bytes, the most accepted`);
      }
      try {
        await file.write(value);
      } catch (error) {
        throw new LocalWriteError(error);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Writing the local copy failed (disk full, …): the server's problem, not the customer's URL. */
class LocalWriteError extends Error {
  override readonly name = 'LocalWriteError';

  constructor(cause: unknown) {
    super(`could not write the downloaded file: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** The error to report: the caller's abort reason, a timeout, or what went wrong on the way. */
function explain(error: unknown, deadline: TransferDeadline, shown: string): unknown {
  if (deadline.callerAborted) return deadline.callerReason;
  if (error instanceof RemoteFileError) return error;
  if (deadline.timedOut) {
    return new RemoteFileError('timeout', `${shown} did not download within ${deadline.timeoutMs} ms`);
  }
  if (error instanceof LocalWriteError) return error;
  return new RemoteFileError('unreachable', `could not download ${shown}: ${describeCause(error)}`, {
    cause: error,
  });
}

/** An error's message and its cause's: what went wrong on the network, without any URL's query. */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici says "fetch failed" or "terminated" and puts the useful part (ECONNREFUSED, …) in the cause.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // No known undici message quotes a URL, but one that did must not show its query (a signature).
  return `${error.message}${cause}`.replace(/(\w+:\/\/[^\s?#]*)[?#]\S*/g, '$1');
}
