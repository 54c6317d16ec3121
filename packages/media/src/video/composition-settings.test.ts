import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LOGOS, compositionSettings } from './composition-settings.js';
import type { VideoComposition } from './video-types.js';

// Made when the module loads: the tables below name the file.
const dir = mkdtempSync(join(tmpdir(), 'dhuman-composition-settings-'));
const image = join(dir, 'a.png');
const mp4 = { format: 'mp4' as const };

beforeAll(() => writeFileSync(image, 'not checked here: ffmpeg decodes it'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logo = (over: Partial<{ path: string; x: number; y: number; scale: number }> = {}) => ({
  path: image,
  x: 0,
  y: 0,
  scale: 1,
  ...over,
});
const avatar = { x: 0, y: 0, scale: 1, angleDeg: 0 };

describe('compositionSettings', () => {
  it('nothing to compose: absent, empty, or an avatar left where it is', async () => {
    expect(await compositionSettings(undefined, mp4)).toBeUndefined();
    expect(await compositionSettings({}, mp4)).toBeUndefined();
    expect(await compositionSettings({ logos: [], subtitles: [], avatar }, mp4)).toBeUndefined();
  });

  it('keeps what changes the picture, with absolute paths', async () => {
    const settings = await compositionSettings(
      {
        backgroundImage: image,
        logos: [logo({ x: -20, y: 5000, scale: 0.01 })],
        avatar: { ...avatar, angleDeg: -180 },
        subtitles: [{ startMs: 0, endMs: 0, text: '' }],
      },
      mp4,
    );
    expect(settings).toEqual({
      backgroundImage: image,
      logos: [{ path: image, x: -20, y: 5000, scale: 0.01 }],
      avatar: { ...avatar, angleDeg: -180 },
      subtitles: [{ startMs: 0, endMs: 0, text: '' }],
    });
  });

  it.each<[string, VideoComposition, RegExp]>([
    [
      'a background picture on a transparent format',
      { backgroundImage: 'x' },
      /composition\.backgroundImage needs an mp4/,
    ],
  ])('refuses %s', async (_, composition, message) => {
    await expect(compositionSettings(composition, { format: 'webm-alpha' })).rejects.toThrow(message);
    await expect(compositionSettings(composition, { format: 'mov-alpha' })).rejects.toThrow(RangeError);
  });

  it.each<[string, VideoComposition, RegExp]>([
    [
      'a missing background file',
      { backgroundImage: '/no/such/file.png' },
      /composition\.backgroundImage: no such file/,
    ],
    [
      'a directory as background',
      { backgroundImage: tmpdir() },
      /composition\.backgroundImage: no such file/,
    ],
    ['an empty path', { backgroundImage: '' }, /composition\.backgroundImage must be a file path/],
    [
      'a missing logo file',
      { logos: [logo(), logo({ path: 'nope.png' })] },
      /composition\.logos\[1\]\.path: no such/,
    ],
    ['a NaN logo x', { logos: [logo({ x: Number.NaN })] }, /composition\.logos\[0\]\.x must be a number/],
    ['an infinite logo y', { logos: [logo({ y: Infinity })] }, /composition\.logos\[0\]\.y/],
    [
      'a logo scale of 0',
      { logos: [logo({ scale: 0 })] },
      /composition\.logos\[0\]\.scale must be a number in 0\.01\.\.10/,
    ],
    ['a logo scale of 11', { logos: [logo({ scale: 11 })] }, /composition\.logos\[0\]\.scale/],
    ['too many logos', { logos: Array.from({ length: MAX_LOGOS + 1 }, () => logo()) }, /at most 8 logos/],
    ['logos that are not a list', { logos: {} as never }, /composition\.logos must be an array/],
    [
      'an avatar scale of 0.05',
      { avatar: { ...avatar, scale: 0.05 } },
      /composition\.avatar\.scale must be a number in 0\.1\.\.3/,
    ],
    ['an avatar scale of 3.5', { avatar: { ...avatar, scale: 3.5 } }, /composition\.avatar\.scale/],
    ['an avatar angle of 181', { avatar: { ...avatar, angleDeg: 181 } }, /composition\.avatar\.angleDeg/],
    ['a NaN avatar x', { avatar: { ...avatar, x: Number.NaN } }, /composition\.avatar\.x/],
    ['a string avatar y', { avatar: { ...avatar, y: '3' as never } }, /composition\.avatar\.y/],
    ['an avatar off by a mile', { avatar: { ...avatar, x: 1e6 } }, /composition\.avatar\.x/],
    [
      'a cue ending before it starts',
      { subtitles: [{ startMs: 500, endMs: 400, text: 'a' }] },
      /composition\.subtitles\[0\]\.endMs/,
    ],
    [
      'a negative cue start',
      { subtitles: [{ startMs: -1, endMs: 400, text: 'a' }] },
      /composition\.subtitles\[0\]\.startMs/,
    ],
    [
      'a cue without text',
      { subtitles: [{ startMs: 0, endMs: 400 } as never] },
      /composition\.subtitles\[0\]\.text/,
    ],
    [
      'a cue of a whole page',
      { subtitles: [{ startMs: 0, endMs: 1, text: 'x'.repeat(501) }] },
      /at most 500/,
    ],
  ])('refuses %s, naming the option', async (_, composition, message) => {
    const refused = compositionSettings(composition, mp4);
    await expect(refused).rejects.toThrow(RangeError);
    await expect(refused).rejects.toThrow(message);
  });
});
