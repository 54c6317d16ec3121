// VideoStorageS3Url end to end: results pushed to a local S3-compatible server (the s3rver npm package; Debian
// has no S3 server package), by pre-signed PUT URL and by s3://bucket/prefix with the server's credentials.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { VIDEO_PATHS } from '@dhuman/protocol';
import { startLocalS3, type LocalS3 } from '../../packages/server/src/video/s3-test-support.js';
import { startTestServer, tempDataDir, type TestServer } from './harness.js';
import { finished, submit, type Progress } from './video-support.js';

vi.setConfig({ testTimeout: 60_000 });
// The SDK warns once per process that its 2027 releases need Node 22; this test's own client is on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dir = tempDataDir();
let s3: LocalS3;
let client: S3Client;
let endpoint = '';
let server: TestServer;

beforeAll(async () => {
  s3 = await startLocalS3(dir, ['videos']);
  endpoint = s3.endpoint;
  client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  server = await startTestServer({
    DHUMAN_S3_ENDPOINT: endpoint,
    DHUMAN_S3_ACCESS_KEY_ID: 'S3RVER',
    DHUMAN_S3_SECRET_ACCESS_KEY: 'S3RVER',
  });
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  client?.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

const objectBytes = async (key: string): Promise<Buffer> => {
  const got = await client.send(new GetObjectCommand({ Bucket: 'videos', Key: key }));
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
};

/** An MP4 task pushed to `target`, run to its end. */
async function pushed(text: string, target: string): Promise<Progress> {
  const taskId = await submit(server.url, VIDEO_PATHS.videomake, {
    VirtualmanKey: 'demo',
    InputSsml: text,
    VideoParam: { Format: 'Mp4' },
    VideoStorageS3Url: target,
  });
  return (await finished(server.url, taskId)).result;
}

describe('VideoStorageS3Url', () => {
  it('PUTs the video to a pre-signed URL and reports the object URL', async () => {
    const presigned = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: 'videos', Key: 'out/clip.mp4' }),
      {
        expiresIn: 600,
      },
    );
    const result = await pushed('Stored elsewhere.', presigned);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    expect(result.MediaUrl).toBe(`${endpoint}/videos/out/clip.mp4`);
    // Subtitles are not part of a single pre-signed URL: they stay downloadable here.
    expect(result.SubtitlesUrl).toMatch(/\/dhuman\/media\//);
    const bytes = await objectBytes('out/clip.mp4');
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('uploads video and subtitles under an s3:// prefix with the server credentials', async () => {
    const result = await pushed('Both files pushed.', 's3://videos/batch');
    const taskId = result.TaskId;
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    expect(result.MediaUrl).toBe(`${endpoint}/videos/batch/${taskId}.mp4`);
    expect(result.SubtitlesUrl).toBe(`${endpoint}/videos/batch/${taskId}.srt`);
    expect((await objectBytes(`batch/${taskId}.srt`)).toString()).toMatch(/^1\n00:00:00,\d{3} --> /);
  });

  it('fails with -101003 when the storage refuses', async () => {
    const result = await pushed('Nowhere to go.', 's3://no-such-bucket/x');
    expect(result.Status).toBe('FAIL');
    expect(result.FailCode).toBe(-101003);
    expect(result.FailMessage).toMatch(/NoSuchBucket/);
    expect(result.FailMessage).not.toContain('S3RVER');
  });
});
