import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FfmpegEncoderError } from './encoder-error.js';
import { globalArgs } from './ffmpeg-args.js';
import { runFfmpeg } from './ffmpeg-run.js';
import { processesMentioning } from './ffmpeg-test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'dhuman-ffmpeg-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `frames` frames of a test picture encoded into `path`. */
const encode = (path: string, frames: number): string[] => [
  ...globalArgs(),
  ...['-f', 'lavfi', '-i', `testsrc=s=64x64:r=25`, '-frames:v', String(frames)],
  ...['-c:v', 'libx264', '-preset', 'ultrafast', '-y', path],
];

describe('runFfmpeg', () => {
  it("reports ffmpeg's own frame count, ending at the last frame", async () => {
    const seen: number[] = [];
    await runFfmpeg(encode(join(dir, 'a.mp4'), 50), { onFrame: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(50);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(existsSync(join(dir, 'a.mp4'))).toBe(true);
  });

  it('feeds `input` to stdin, whole: raw PCM in, the same samples out', async () => {
    const pcm = new Int16Array(4000).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
    const path = join(dir, 'fed.raw');
    const raw = ['-f', 's16le', '-ar', '8000', '-ac', '1'];
    await runFfmpeg([...globalArgs(), ...raw, '-i', 'pipe:0', ...raw, '-y', path], {
      input: new Uint8Array(pcm.buffer),
    });
    expect(readFileSync(path).equals(Buffer.from(pcm.buffer))).toBe(true);
  });

  it('a failing command rejects with its exit code and last stderr line', async () => {
    const failure = await runFfmpeg([
      ...globalArgs(),
      '-i',
      join(dir, 'missing.mp4'),
      '-f',
      'null',
      '-',
    ]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FfmpegEncoderError);
    expect((failure as FfmpegEncoderError).code).toBe('exited');
    expect((failure as FfmpegEncoderError).message).toMatch(/No such file/);
  });

  it('a binary that is not there rejects with spawn_failed', async () => {
    await expect(runFfmpeg(['-version'], { command: join(dir, 'no-ffmpeg') })).rejects.toMatchObject({
      code: 'spawn_failed',
    });
  });

  it('abort kills ffmpeg and rejects with the reason once it has exited', async () => {
    const path = join(dir, 'long.mp4');
    const controller = new AbortController();
    const running = runFfmpeg(encode(path, 100_000), {
      signal: controller.signal,
      onFrame: (n) => {
        if (n > 0) controller.abort(new Error('stop'));
      },
    });
    await expect(running).rejects.toThrow('stop');
    expect(processesMentioning(path)).toBe(0);
    await expect(runFfmpeg(['-version'], { signal: controller.signal })).rejects.toThrow('stop');
  });
});
