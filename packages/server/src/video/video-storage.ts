/**
 * Pushing a finished video job's files to the customer's own storage (VideoStorageS3Url): a pre-signed PUT URL,
 * or `s3://bucket/prefix` written with the server's S3 credentials. Presign signatures and credentials are
 * secrets: messages and results never include them.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import { describeCause, displayUrl } from './remote-file.js';
import { TransferDeadline } from './remote-file-deadline.js';

/** The server's credentials for `s3://` targets (any S3-compatible service). */
export interface S3Settings {
  /** For S3-compatible services (MinIO, COS, OSS, …); AWS's own endpoint for `region` when absent. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint host>/<key>` (MinIO and most self-hosted). */
  forcePathStyle: boolean;
}

/** The customer's storage refused or could not be reached; the message says which and why, without secrets. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

export interface StoredFile {
  path: string;
  contentType: string;
  /** The object's name under an `s3://` prefix. */
  baseName: string;
}

export interface PushOptions {
  /** Needed for `s3://` targets only. */
  s3?: S3Settings;
  /** For the whole push (every file). */
  timeoutMs: number;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Enough of an error body to quote S3's <Code> and <Message>, or a plain-text reason. */
const ERROR_BODY_MAX_BYTES = 8_192;
const QUOTE_MAX_CHARS = 300;

/**
 * Uploads `files` to `target`:
 * - `http(s)://…`: a pre-signed PUT URL for the media file, sent as a streamed PUT with Content-Length and
 *   Content-Type (what S3, COS, MinIO and OSS presign). `mediaUrl` is the URL without its query string; subtitles
 *   are not pushed (one URL, one object).
 * - `s3://bucket/prefix`: media and subtitles as `<prefix>/<baseName>` with `options.s3`; the URLs returned are
 *   the path-style or virtual-host form, as `forcePathStyle` says.
 * Rejects with StorageError, or the signal's reason on abort.
 */
export async function pushToStorage(
  target: string,
  files: { media: StoredFile; subtitles?: StoredFile },
  options: PushOptions,
): Promise<{ mediaUrl: string; subtitlesUrl?: string }> {
  const deadline = new TransferDeadline(options.timeoutMs, options.signal);
  try {
    if (/^https?:\/\//i.test(target)) {
      return { mediaUrl: await putPresigned(parsePresigned(target), files.media, deadline) };
    }
    if (/^s3:\/\//i.test(target)) return await putS3(parseS3Target(target), files, options.s3, deadline);
    throw new StorageError(
      `${displayUrl(target) || 'the storage URL'} is neither an http(s) nor an s3:// URL`,
    );
  } catch (error) {
    if (deadline.callerAborted) throw deadline.callerReason;
    if (deadline.timedOut) {
      throw new StorageError(
        `upload to ${shownTarget(target)} did not finish within ${options.timeoutMs} ms`,
      );
    }
    throw error;
  } finally {
    deadline.dispose();
  }
}

function parsePresigned(target: string): URL {
  try {
    return new URL(target);
  } catch {
    throw new StorageError(`${displayUrl(target)} is not a valid URL`);
  }
}

async function putPresigned(url: URL, media: StoredFile, deadline: TransferDeadline): Promise<string> {
  const shown = displayUrl(url);
  if (url.username !== '' || url.password !== '') {
    throw new StorageError(`${shown}: URLs with a user name or password are not accepted`);
  }
  const { size } = await stat(media.path);
  const file = createReadStream(media.path);
  const init: RequestInit & { duplex: 'half' } = {
    method: 'PUT',
    // Content-Length is given, so the file goes out as it is read, without chunked encoding (S3 refuses that).
    body: Readable.toWeb(file) as ReadableStream<Uint8Array>,
    duplex: 'half',
    headers: { 'content-length': String(size), 'content-type': media.contentType },
    // A streamed body cannot be sent again, so a redirect is an answer like any other non-2xx.
    redirect: 'manual',
    signal: deadline.signal,
  };
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new StorageError(`could not upload to ${shown}: ${describeCause(error)}`, { cause: error });
  } finally {
    // Whether or not fetch read it all: a failed request must not leave the file open.
    file.destroy();
  }
  if (!response.ok) {
    const body = await readLimitedText(response, ERROR_BODY_MAX_BYTES);
    const detail = redactQuery(errorDetail(body), url);
    throw new StorageError(`${shown} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  await response.body?.cancel().catch(() => undefined);
  return shown;
}

interface S3Target {
  bucket: string;
  /** Without leading or trailing slashes; '' for the bucket's root. */
  prefix: string;
}

function parseS3Target(target: string): S3Target {
  // Parsed by hand: URL would lowercase the bucket and decode the key.
  const match = /^s3:\/\/([^/?#\s]+)(?:\/+([^?#]*))?$/i.exec(target);
  const bucket = match?.[1] ?? '';
  const prefix = (match?.[2] ?? '').replace(/\/+$/, '');
  if (!match || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(bucket)) {
    throw new StorageError(`${displayUrl(target)} is not an s3://bucket/prefix URL`);
  }
  return { bucket, prefix };
}

const quiet = (): void => undefined;
const SILENT_LOGGER = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

async function putS3(
  target: S3Target,
  files: { media: StoredFile; subtitles?: StoredFile },
  settings: S3Settings | undefined,
  deadline: TransferDeadline,
): Promise<{ mediaUrl: string; subtitlesUrl?: string }> {
  if (!settings) {
    throw new StorageError(`s3://${target.bucket} needs S3 credentials in the server's configuration`);
  }
  const { S3Client, PutObjectCommand } = await loadS3();
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // The default (a CRC32 trailer in aws-chunked encoding) is refused by many S3-compatible servers; a
    // streamed PutObject needs no checksum.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A retry would resend a stream already read; the job fails, and can be retried, as a whole.
    maxAttempts: 1,
    // The SDK's default (no-op) logger makes its retry step write failures of streamed uploads to the console;
    // the failure is reported once, as the task's -101003, instead.
    logger: SILENT_LOGGER,
  });
  const put = async (file: StoredFile): Promise<string> => {
    const key = target.prefix === '' ? file.baseName : `${target.prefix}/${file.baseName}`;
    const { size } = await stat(file.path);
    const body = createReadStream(file.path);
    const command = new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: body,
      ContentLength: size,
      ContentType: file.contentType,
    });
    try {
      await client.send(command, { abortSignal: deadline.signal });
    } catch (error) {
      const reason = redactSecrets(s3Reason(error), settings);
      throw new StorageError(`upload to s3://${target.bucket}/${key} failed: ${reason}`, { cause: error });
    } finally {
      // An aborted request unpipes the file without closing it.
      body.destroy();
    }
    return s3ObjectUrl(settings, target.bucket, key);
  };
  try {
    const mediaUrl = await put(files.media);
    const subtitlesUrl = files.subtitles ? await put(files.subtitles) : undefined;
    return subtitlesUrl === undefined ? { mediaUrl } : { mediaUrl, subtitlesUrl };
  } finally {
    client.destroy();
  }
}

/**
 * The SDK, loaded on first use: most servers never push to S3 and need not load it. SDK releases after January
 * 2027 will need Node 22, and the SDK warns about it on Node 20 at every start; this pinned release works, so the
 * warning is silenced unless the operator set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED themselves.
 */
async function loadS3(): Promise<typeof S3> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return import('@aws-sdk/client-s3');
}

/** Where the object can be read: `<endpoint>/<bucket>/<key>` (path style) or `<bucket>.<host>/<key>`. */
export function s3ObjectUrl(settings: S3Settings, bucket: string, key: string): string {
  const endpoint = new URL(settings.endpoint ?? `https://s3.${settings.region}.amazonaws.com`);
  const base = endpoint.pathname.replace(/\/+$/, '');
  const path = key.split('/').map(encodeURIComponent).join('/');
  return settings.forcePathStyle
    ? `${endpoint.protocol}//${endpoint.host}${base}/${bucket}/${path}`
    : `${endpoint.protocol}//${bucket}.${endpoint.host}${base}/${path}`;
}

/** `HTTP 403 AccessDenied: Access Denied` from an S3 service error, else the network error's message. */
function s3Reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { Code?: unknown }).Code;
  const name = typeof code === 'string' ? code : error.name;
  const head = status === undefined ? '' : `HTTP ${status} ${name}: `;
  return quote(`${head}${describeCause(error)}`);
}

function redactSecrets(text: string, settings: S3Settings): string {
  return [settings.secretAccessKey, settings.accessKeyId]
    .filter((secret) => secret.length > 0)
    .reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

/** What a storage server says in an error body: S3's <Code> and <Message> (its body also echoes the signature). */
function errorDetail(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code !== undefined || message !== undefined) return quote([code, message].filter(Boolean).join(': '));
  return quote(body);
}

/** Every query value of `url` (signature, credential, policy…) that appears in `text`, raw or decoded, removed. */
function redactQuery(text: string, url: URL): string {
  const raw = url.search
    .slice(1)
    .split('&')
    .map((pair) => pair.slice(pair.indexOf('=') + 1));
  const values = [...raw, ...url.searchParams.values()].filter((value) => value.length >= 4);
  return values.reduce((out, value) => out.split(value).join('[redacted]'), text);
}

function shownTarget(target: string): string {
  return /^s3:\/\//i.test(target) ? (target.split(/[?#]/, 1)[0] ?? target) : displayUrl(target);
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > QUOTE_MAX_CHARS ? `${line.slice(0, QUOTE_MAX_CHARS)}…` : line;
}

/** At most `maxBytes` of the body as text, then the connection is let go. */
async function readLimitedText(response: Response, maxBytes: number): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
    }
  } catch {
    // What arrived before the connection failed is still worth quoting.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
