import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from './audio-speech.js';
import { RemoteFileError } from './remote-file.js';

let dir: string;

/** Makes `name` in the temp dir with ffmpeg from a lavfi source. */
function make(name: string, args: string[]): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', ...args, path]);
  return path;
}

/** A stand-in for ffprobe/ffmpeg: a shell script. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

let longWav: string | undefined;
/** 3 s of tone, made once for the two tests of the duration limit. */
const threeSeconds = () => (longWav ??= make('long.wav', ['-i', 'sine=duration=3']));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audio-speech-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<RemoteFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteFileError);
  expect((error as RemoteFileError).failure).toBe('bad-content');
  // The local path is the server's business, not the customer's.
  expect((error as Error).message).not.toContain(dir);
  return error as RemoteFileError;
}

describe('decodeAudioFile', () => {
  // Tolerance: one codec frame at 24 kHz (an MP3 frame is 1152 samples at 44.1 kHz; Vorbis blocks ≤ 2048 at 48).
  it.each([
    ['WAV 44.1 kHz', 'a.wav', ['sine=frequency=440:duration=1:sample_rate=44100'], 1],
    ['stereo MP3 44.1 kHz', 'a.mp3', ['sine=frequency=440:duration=1:sample_rate=44100', '-ac', '2'], 627],
    [
      'Ogg Vorbis 48 kHz',
      'a.ogg',
      ['sine=frequency=440:duration=1:sample_rate=48000', '-c:a', 'libvorbis'],
      1024,
    ],
  ])('decodes %s to 1 s of mono samples at 24 kHz', async (_what, name, [source, ...encode], tolerance) => {
    const path = make(name, ['-i', source ?? '', ...encode]);
    const pcm = await decodeAudioFile(path, { maxDurationMs: 2_000 });
    expect(Math.abs(pcm.length - SESSION_SAMPLE_RATE)).toBeLessThanOrEqual(tolerance);
    // ffmpeg's sine is at 1/8 of full scale (×0.7 after a stereo round trip): the tone came through.
    const peak = pcm.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(2_500);
    expect(peak).toBeLessThan(4_700);
  });

  it.each([
    ['notes', 'Invalid data found when processing input'],
    // The tty demuxer claims .txt by its name; naming it would only confuse.
    ['notes.txt', 'it is not in an accepted format'],
  ])('refuses a text file %s, quoting ffprobe’s reason without the path', async (name, reason) => {
    const path = join(dir, name);
    writeFileSync(path, 'just some text, not audio at all\n'.repeat(20));
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 10_000 }));
    expect(error.message).toBe(`the audio file cannot be read: ${reason}`);
  });

  it('refuses a text file named .mp3 (the mp3 demuxer tries it by its name)', async () => {
    const path = join(dir, 'notes.mp3');
    writeFileSync(path, 'just some text, not audio at all\n'.repeat(20));
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 10_000 }));
    expect(error.message).toMatch(/^the audio file cannot be read: mp3: .*; Invalid argument$/);
  });

  it('names a recognised format that is not accepted', async () => {
    const path = make('picture.png', ['-i', 'color=size=16x16', '-frames:v', '1']);
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 10_000 }));
    expect(error.message).toBe('the audio file cannot be read: its format (png_pipe) is not accepted');
  });

  it('refuses a video without an audio stream', async () => {
    const path = make('silent.mov', ['-i', 'color=size=16x16:duration=0.2', '-c:v', 'mjpeg']);
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 10_000 }));
    expect(error.message).toBe('the audio file has no audio stream');
  });

  it('refuses an HLS playlist, which could make ffmpeg open other files', async () => {
    const wav = make('inner.wav', ['-i', 'sine=duration=0.2']);
    const path = join(dir, 'list.m3u8');
    writeFileSync(path, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${wav}\n#EXT-X-ENDLIST\n`);
    await refusal(decodeAudioFile(path, { maxDurationMs: 10_000 }));
  });

  it('refuses audio that ffprobe says is longer than maxDurationMs', async () => {
    const path = threeSeconds();
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 2_000 }));
    expect(error.message).toBe('the audio file lasts 3 s, more than the 2 s accepted');
  });

  it('stops decoding past maxDurationMs when ffprobe’s duration was wrong', async () => {
    const path = threeSeconds();
    const lyingProbe = script(
      'lying-ffprobe',
      `echo '{"streams":[{"codec_type":"audio"}],"format":{"duration":"0.5"}}'`,
    );
    const error = await refusal(decodeAudioFile(path, { maxDurationMs: 1_000, ffprobeCommand: lyingProbe }));
    expect(error.message).toBe('the audio file lasts longer than the 1 s accepted');
  });

  it('kills ffmpeg and rejects with the reason when aborted', async () => {
    const path = make('short.wav', ['-i', 'sine=duration=0.2']);
    const pidFile = join(dir, 'stuck.pid');
    const stuck = script(
      'stuck-ffmpeg',
      `echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}\nexec sleep 30`,
    );
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const decoding = decodeAudioFile(path, {
      maxDurationMs: 10_000,
      ffmpegCommand: stuck,
      signal: controller.signal,
    });
    const outcome = decoding.catch((e: unknown) => e);
    // Abort once the stand-in runs (after the real ffprobe), however slow the machine is.
    while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 10));
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('rejects at once with a signal that has already aborted', async () => {
    const reason = new Error('gone');
    await expect(
      decodeAudioFile(join(dir, 'none.wav'), { maxDurationMs: 1_000, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('reports a missing ffprobe as a server error, not the customer’s', async () => {
    const error = await decodeAudioFile(join(dir, 'none.wav'), {
      maxDurationMs: 1_000,
      ffprobeCommand: join(dir, 'no-such-ffprobe'),
    }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RemoteFileError);
    expect((error as Error).message).toMatch(/^could not start .*no-such-ffprobe: spawn .* ENOENT$/);
  });
});
