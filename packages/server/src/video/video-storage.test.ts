import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from './s3-test-support.js';
import { pushToStorage, s3ObjectUrl, StorageError, type S3Settings } from './video-storage.js';

let dir: string;
let s3rver: LocalS3;
let settings: S3Settings;
let client: S3Client | undefined;
/** Warnings the process emitted while this file ran. */
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);
let media: { path: string; contentType: string; baseName: string };
let subtitles: { path: string; contentType: string; baseName: string };
const mediaBytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff));
const subtitleText = '1\n00:00:00,000 --> 00:00:01,000\nHello\n';

beforeAll(async () => {
  process.on('warning', onWarning);
  dir = mkdtempSync(join(tmpdir(), 'video-storage-'));
  s3rver = await startLocalS3(join(dir, 's3'), ['b']);
  settings = {
    endpoint: s3rver.endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  media = { path: join(dir, 'out.mp4'), contentType: 'video/mp4', baseName: 'out.mp4' };
  subtitles = { path: join(dir, 'out.srt'), contentType: 'application/x-subrip', baseName: 'out.srt' };
  writeFileSync(media.path, mediaBytes);
  writeFileSync(subtitles.path, subtitleText);
});

afterAll(async () => {
  process.off('warning', onWarning);
  client?.destroy();
  await s3rver.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The test's own client, created only after pushToStorage has loaded the SDK (the first test below does), so
 * that the check on the SDK's Node-version warning sees what the product code does.
 */
function testClient(): S3Client {
  client ??= new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return client;
}

async function readBack(key: string): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const object = await testClient().send(new GetObjectCommand({ Bucket: 'b', Key: key }));
  return { bytes: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
}

describe('pushToStorage to s3://bucket/prefix', () => {
  it('uploads media and subtitles as <prefix>/<baseName> and returns their path-style URLs', async () => {
    const result = await pushToStorage(
      's3://b/jobs/42/',
      { media, subtitles },
      { s3: settings, timeoutMs: 10_000 },
    );
    expect(result).toStrictEqual({
      mediaUrl: `${settings.endpoint}/b/jobs/42/out.mp4`,
      subtitlesUrl: `${settings.endpoint}/b/jobs/42/out.srt`,
    });
    const video = await readBack('jobs/42/out.mp4');
    expect(video.bytes.equals(mediaBytes)).toBe(true);
    expect(video.contentType).toBe('video/mp4');
    const srt = await readBack('jobs/42/out.srt');
    expect(srt.bytes.toString('utf8')).toBe(subtitleText);
    expect(srt.contentType).toBe('application/x-subrip');
  });

  it('puts the files at the bucket’s root without a prefix', async () => {
    const result = await pushToStorage('s3://b', { media }, { s3: settings, timeoutMs: 10_000 });
    expect(result).toStrictEqual({ mediaUrl: `${settings.endpoint}/b/out.mp4` });
    expect((await readBack('out.mp4')).bytes.equals(mediaBytes)).toBe(true);
  });

  it('refuses without S3 settings', async () => {
    await expect(pushToStorage('s3://b/x', { media }, { timeoutMs: 1_000 })).rejects.toThrow(
      new StorageError("s3://b needs S3 credentials in the server's configuration"),
    );
  });

  it('reports refused credentials without them', async () => {
    const secret = { ...settings, accessKeyId: 'AKIDEXAMPLE123', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' };
    const error = await pushToStorage('s3://b/p', { media }, { s3: secret, timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).toMatch(/^upload to s3:\/\/b\/p\/out\.mp4 failed: HTTP 403 InvalidAccessKeyId: /);
    expect(message).not.toContain('AKIDEXAMPLE123');
    expect(message).not.toContain('wJalrXUtnFEMI');
  });

  it('reports a missing bucket with the service’s code and message', async () => {
    await expect(
      pushToStorage('s3://nobucket/p', { media }, { s3: settings, timeoutMs: 10_000 }),
    ).rejects.toThrow(
      new StorageError(
        'upload to s3://nobucket/p/out.mp4 failed: HTTP 404 NoSuchBucket: The specified bucket does not exist',
      ),
    );
  });

  it('kept the SDK’s Node-version warning out of stderr', () => {
    expect(warnings.filter((w) => w.includes('NodeVersionSupportWarning'))).toEqual([]);
  });

  it.each(['s3://', 's3:///prefix', 's3://bad bucket/x'])('refuses the target %j', async (target) => {
    await expect(pushToStorage(target, { media }, { s3: settings, timeoutMs: 1_000 })).rejects.toThrow(
      /is not an s3:\/\/bucket\/prefix URL$/,
    );
  });
});

describe('pushToStorage to a pre-signed PUT URL', () => {
  it('streams the media file there and returns the URL without its query', async () => {
    const url = await getSignedUrl(
      testClient(),
      new PutObjectCommand({ Bucket: 'b', Key: 'presigned/video.mp4', ContentType: 'video/mp4' }),
      { expiresIn: 600 },
    );
    expect(url).toContain('X-Amz-Signature=');
    const result = await pushToStorage(url, { media, subtitles }, { timeoutMs: 10_000 });
    expect(result).toStrictEqual({ mediaUrl: `${settings.endpoint}/b/presigned/video.mp4` });
    const stored = await readBack('presigned/video.mp4');
    expect(stored.bytes.equals(mediaBytes)).toBe(true);
    expect(stored.contentType).toBe('video/mp4');
  });
});

describe('pushToStorage errors', () => {
  let server: Server | undefined;

  afterEach(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      server = undefined;
    }
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const started = createServer(handler);
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
  }

  const SIGNATURE = '5f1c0ffee5ba11ad0ddba11cafef00d5';
  const query = `X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${SIGNATURE}`;

  it('turns a 403 into a StorageError quoting S3’s code and message, not the signature it echoes', async () => {
    let received: { length: string | undefined; type: string | undefined; bytes: number } | undefined;
    const base = await serve((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received = { length: req.headers['content-length'], type: req.headers['content-type'], bytes };
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>' +
            '<Message>The request signature we calculated does not match the signature you provided.</Message>' +
            `<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><SignatureProvided>${SIGNATURE}</SignatureProvided>` +
            '</Error>',
        );
      });
    });
    const error = await pushToStorage(`${base}/b/k.mp4?${query}`, { media }, { timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      `${base}/b/k.mp4 answered HTTP 403: SignatureDoesNotMatch: ` +
        'The request signature we calculated does not match the signature you provided.',
    );
    expect(received).toStrictEqual({
      length: String(mediaBytes.length),
      type: 'video/mp4',
      bytes: mediaBytes.length,
    });
  });

  it('redacts query values that a plain-text error body echoes', async () => {
    const base = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400);
        res.end(`bad request for ${req.url ?? ''} (signature ${SIGNATURE})`);
      });
    });
    const error = await pushToStorage(`${base}/k.mp4?${query}`, { media }, { timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^${base}/k\\.mp4 answered HTTP 400: bad request for /k\\.mp4\\?`));
    expect(message).not.toContain(SIGNATURE);
    expect(message).not.toContain('AKIDEXAMPLE');
  });

  it('gives up after timeoutMs when the server does not answer', async () => {
    const base = await serve((req) => req.resume());
    await expect(pushToStorage(`${base}/k.mp4?${query}`, { media }, { timeoutMs: 300 })).rejects.toThrow(
      new StorageError(`upload to ${base}/k.mp4 did not finish within 300 ms`),
    );
  });

  it('rejects with the caller’s reason on abort', async () => {
    const base = await serve((req) => req.resume());
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    await expect(
      pushToStorage(`${base}/k.mp4`, { media }, { timeoutMs: 10_000, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('gives up on an S3 endpoint that does not answer after timeoutMs', async () => {
    const endpoint = await serve((req) => req.resume());
    await expect(
      pushToStorage('s3://b/p', { media }, { s3: { ...settings, endpoint }, timeoutMs: 300 }),
    ).rejects.toThrow(new StorageError('upload to s3://b/p did not finish within 300 ms'));
  });

  it('rejects with the caller’s reason on abort during an S3 upload', async () => {
    const endpoint = await serve((req) => req.resume());
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    await expect(
      pushToStorage(
        's3://b/p',
        { media },
        { s3: { ...settings, endpoint }, timeoutMs: 10_000, signal: controller.signal },
      ),
    ).rejects.toBe(reason);
  });

  it('reports an unreachable presigned URL host without the query', async () => {
    const base = await serve(() => undefined);
    server?.close();
    server = undefined;
    const error = await pushToStorage(`${base}/k.mp4?${query}`, { media }, { timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(
      new RegExp(`^could not upload to ${base}/k\\.mp4: fetch failed.*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain(SIGNATURE);
  });

  it('refuses a target that is neither http(s) nor s3', async () => {
    await expect(pushToStorage('ftp://host/k.mp4?sig=1', { media }, { timeoutMs: 1_000 })).rejects.toThrow(
      new StorageError('ftp://host/k.mp4 is neither an http(s) nor an s3:// URL'),
    );
  });
});

describe('s3ObjectUrl', () => {
  const base = { region: 'eu-west-3', accessKeyId: 'a', secretAccessKey: 's' };

  it('gives the path-style form under the endpoint, keys encoded per segment', () => {
    expect(
      s3ObjectUrl(
        { ...base, endpoint: 'https://minio.example:9000/', forcePathStyle: true },
        'b',
        'a b/c.mp4',
      ),
    ).toBe('https://minio.example:9000/b/a%20b/c.mp4');
  });

  it('gives the virtual-host form, on AWS by default', () => {
    expect(s3ObjectUrl({ ...base, forcePathStyle: false }, 'b', 'k/v.mp4')).toBe(
      'https://b.s3.eu-west-3.amazonaws.com/k/v.mp4',
    );
    expect(
      s3ObjectUrl(
        { ...base, endpoint: 'https://cos.ap-guangzhou.myqcloud.com', forcePathStyle: false },
        'b-1',
        'v',
      ),
    ).toBe('https://b-1.cos.ap-guangzhou.myqcloud.com/v');
  });
});
