import { describe, expect, it } from 'vitest';
import { AvatarRenderError, FfmpegEncoderError } from '@dhuman/media';
import { streamFailureMessage } from './stream-failure.js';

/** The lead-in every message starts with (its wording is the module's business; what follows is tested). */
const LEAD = streamFailureMessage(undefined);

const exited = (stderr: string[], exitCode: number | null = 1) =>
  new FfmpegEncoderError('exited', 'ffmpeg exited', { exitCode, stderr });

describe('streamFailureMessage', () => {
  it('cuts the user-info and query (the push secret) out of an RTMP URL in ffmpeg’s last line', () => {
    const message = streamFailureMessage(
      exited(['Opening output…', 'rtmp://user:pass@host/app/key?txSecret=abc&txTime=65A0: I/O error']),
    );
    expect(message).not.toContain('pass');
    expect(message).not.toContain('user');
    expect(message).not.toContain('abc');
    expect(message).not.toContain('txSecret');
    expect(message).not.toContain('65A0');
    expect(message).toBe(`${LEAD}: the encoder (ffmpeg) exited with code 1: rtmp://host/app/key?… I/O error`);
  });

  it('redacts rtmps URLs and every URL in the line', () => {
    const message = streamFailureMessage(
      exited(["'rtmps://u:p4ss@a.example/live/k?sign=s1' and rtmp://b.example/app?auth=s2 failed"]),
    );
    for (const secret of ['p4ss', 's1', 's2', 'sign=', 'auth=']) expect(message).not.toContain(secret);
    expect(message).toContain('rtmps://a.example/live/k?…');
    expect(message).toContain('rtmp://b.example/app?…');
  });

  it('redacts the message of any other error the same way', () => {
    const message = streamFailureMessage(
      new Error('connect rtmp://x:secretpw@h.example/app/s?key=k1 refused'),
    );
    expect(message).toBe(`${LEAD}: connect rtmp://h.example/app/s?… refused`);
  });

  it('names how ffmpeg ended: exit code, signal, or failure to start', () => {
    expect(streamFailureMessage(exited(['Conversion failed!'], 234))).toBe(
      `${LEAD}: the encoder (ffmpeg) exited with code 234: Conversion failed!`,
    );
    expect(streamFailureMessage(exited([], null))).toBe(`${LEAD}: the encoder (ffmpeg) exited with code ?`);
    expect(
      streamFailureMessage(new FfmpegEncoderError('killed', 'ffmpeg was killed', { signal: 'SIGKILL' })),
    ).toBe(`${LEAD}: the encoder (ffmpeg) was killed (SIGKILL)`);
    expect(
      streamFailureMessage(
        new FfmpegEncoderError('spawn_failed', 'spawn ffmpeg ENOENT', { stderr: ['spawn ffmpeg ENOENT'] }),
      ),
    ).toBe(`${LEAD}: the encoder (ffmpeg) could not start: spawn ffmpeg ENOENT`);
  });

  it('keeps only the first 300 characters of ffmpeg’s last line', () => {
    const message = streamFailureMessage(exited(['x'.repeat(1000)]));
    expect(message).toBe(`${LEAD}: the encoder (ffmpeg) exited with code 1: ${'x'.repeat(300)}`);
  });

  it('gives only the code of an avatar renderer failure, not its message', () => {
    const message = streamFailureMessage(
      new AvatarRenderError('RENDER_FAILED', 'worker crashed at /home/op/private/avatar.png'),
    );
    expect(message).toBe(`${LEAD}: the avatar renderer failed (RENDER_FAILED)`);
  });

  it('says only that the stream failed for something that is not an Error', () => {
    expect(LEAD).toMatch(/^[a-z][a-z ]+$/);
    expect(streamFailureMessage('rtmp://u:p@h/a?k=v')).toBe(LEAD);
    expect(streamFailureMessage({ message: 'rtmp://u:p@h/a?k=v' })).toBe(LEAD);
  });

  it('does not show part of a password when the 300-character clip falls inside it', () => {
    const line = `${'x'.repeat(280)} rtmp://user:supersecretpassword@host/app/key`;
    expect(streamFailureMessage(exited([line]))).not.toContain('supers');
  });

  it('hides a password that contains "@"', () => {
    expect(streamFailureMessage(exited(['rtmp://user:pa@ssword@host/app/key: refused']))).not.toContain(
      'ssword',
    );
  });
});
