import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImageFile } from './image-check.js';
import { RemoteFileError } from './remote-file.js';

let dir: string;

/** `name` in the temp dir, made by ffmpeg from a lavfi source. */
function make(name: string, source: string, ...encode: string[]): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...encode, path]);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(path: string, maxSide = 1_000): Promise<string> {
  const error = await checkImageFile(path, { maxSide }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RemoteFileError);
  expect((error as RemoteFileError).failure).toBe('bad-content');
  expect((error as Error).message).not.toContain(dir);
  return (error as Error).message;
}

describe('checkImageFile', () => {
  it.each([
    ['PNG', 'logo.png', 'testsrc=size=64x48', '-frames:v', '1'],
    ['JPEG without an extension', 'photo', 'testsrc=size=64x48', '-frames:v', '1', '-f', 'mjpeg'],
    ['animated GIF (its first frame)', 'anim.gif', 'testsrc=size=64x48:rate=5:duration=0.6'],
  ])('accepts a %s and returns its size', async (_what, name, source, ...encode) => {
    const path = make(name, source, ...encode);
    await expect(checkImageFile(path, { maxSide: 1_000 })).resolves.toStrictEqual({ width: 64, height: 48 });
  });

  it('refuses a text file', async () => {
    const path = join(dir, 'notes.png');
    writeFileSync(path, 'not an image\n'.repeat(50));
    expect(await refusal(path)).toBe('the image file cannot be read: it is not in an accepted format');
  });

  it('refuses an audio file, naming its format', async () => {
    const path = make('sound.mp3', 'sine=duration=0.2');
    expect(await refusal(path)).toBe('the image file cannot be read: its format (mp3) is not accepted');
  });

  it('refuses an image wider than maxSide', async () => {
    const path = make('wide.png', 'color=size=1200x16', '-frames:v', '1');
    expect(await refusal(path)).toBe('the image is 1200×16 pixels; at most 1000 pixels a side are accepted');
  });

  it('refuses an image too large to decode safely before decoding it', async () => {
    // 3000×3000 black: a 27 KB file that would be 36 MB decoded; -max_pixels stops the decoder first.
    const path = make('huge.png', 'color=black:size=3000x3000', '-frames:v', '1');
    expect(await refusal(path)).toBe(
      'the image is 3000×3000 pixels; at most 1000 pixels a side are accepted',
    );
  });

  it('refuses a truncated PNG whose first frame cannot be decoded', async () => {
    const whole = make('whole.png', 'testsrc=size=64x48', '-frames:v', '1');
    const path = join(dir, 'cut.png');
    writeFileSync(path, readFileSync(whole).subarray(0, 300));
    expect(await refusal(path)).toMatch(/^the image file cannot be decoded: /);
  });
});
