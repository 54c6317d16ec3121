import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkClipFile } from './clip-check.js';
import { RemoteFileError } from './remote-file.js';

let dir: string;

/** `name` in the temp dir, made by ffmpeg from a lavfi source. */
function make(name: string, source: string, ...encode: string[]): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...encode, path]);
  return path;
}

const PICTURE = 'testsrc=duration=0.4:size=64x48:rate=25';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clip-check-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(path: string): Promise<string> {
  const error = await checkClipFile(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RemoteFileError);
  expect((error as RemoteFileError).failure).toBe('bad-content');
  expect((error as Error).message).not.toContain(dir);
  return (error as Error).message;
}

describe('checkClipFile', () => {
  it('accepts ordinary video files, whatever their name', async () => {
    await expect(checkClipFile(make('a.mp4', PICTURE, '-c:v', 'libx264'))).resolves.toBeUndefined();
    await expect(checkClipFile(make('b.webm', PICTURE, '-c:v', 'libvpx'))).resolves.toBeUndefined();
    await expect(
      checkClipFile(make('c', PICTURE, '-c:v', 'libx264', '-f', 'mpegts')),
    ).resolves.toBeUndefined();
  });

  it('refuses a playlist that would make ffmpeg read other local files', async () => {
    const secret = make('secret.ts', PICTURE, '-c:v', 'libx264', '-f', 'mpegts');
    const playlist = join(dir, 'intro');
    writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.4,\n${secret}\n#EXT-X-ENDLIST\n`);
    expect(await refusal(playlist)).toMatch(/its format \(hls\) is not accepted/);
    writeFileSync(playlist, `ffconcat version 1.0\nfile '${secret}'\n`);
    expect(await refusal(playlist)).toMatch(/not in an accepted format|is not accepted/);
  });

  it('refuses audio without a picture, and files that are not media', async () => {
    expect(await refusal(make('tone.ogg', 'sine=duration=0.4', '-c:a', 'libvorbis'))).toBe(
      'the video clip has no video stream',
    );
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'not a video\n');
    expect(await refusal(text)).toMatch(/^the video clip cannot be read: /);
  });
});
