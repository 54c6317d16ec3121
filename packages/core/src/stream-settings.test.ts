import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_SETTINGS, describeStream, parseStreamSettings } from './stream-settings.js';

const FLAGS = { resolution: '--resolution', fps: '--fps', playAddress: '--play-address' };

describe('parseStreamSettings', () => {
  it('gives the defaults (512x512 at 25 fps, player page) for nothing or an empty object', () => {
    expect(DEFAULT_STREAM_SETTINGS).toEqual({ width: 512, height: 512, fps: 25, playAddress: 'page' });
    expect(parseStreamSettings(undefined)).toEqual(DEFAULT_STREAM_SETTINGS);
    expect(parseStreamSettings(null)).toEqual(DEFAULT_STREAM_SETTINGS);
    expect(parseStreamSettings({})).toEqual(DEFAULT_STREAM_SETTINGS);
    // A copy: callers may change what they get without changing the defaults.
    expect(parseStreamSettings({})).not.toBe(DEFAULT_STREAM_SETTINGS);
  });

  it('reads the presets, <width>x<height>, and fps and play address as numbers or flag strings', () => {
    expect(parseStreamSettings({ resolution: '512' })).toMatchObject({ width: 512, height: 512 });
    expect(parseStreamSettings({ resolution: '720' })).toMatchObject({ width: 720, height: 720 });
    expect(parseStreamSettings({ resolution: '720p' })).toMatchObject({ width: 1280, height: 720 });
    expect(parseStreamSettings({ resolution: '640x360', fps: '30', playAddress: 'hls' })).toEqual({
      width: 640,
      height: 360,
      fps: 30,
      playAddress: 'hls',
    });
    expect(parseStreamSettings({ width: 720, height: 1280, fps: 10, playAddress: 'rtmp' })).toEqual({
      width: 720,
      height: 1280,
      fps: 10,
      playAddress: 'rtmp',
    });
    // What the store writes reads back unchanged.
    const stored = { width: 1280, height: 720, fps: 20, playAddress: 'page' };
    expect(parseStreamSettings(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it.each([
    [{ resolution: '1080p' }, /^--resolution must be 512, 720, 720p or <width>x<height>, not "1080p"$/],
    [{ resolution: 720 }, /^--resolution must be .* not 720$/],
    [{ resolution: '513x512' }, /^--resolution 513x512: each side must be an even number of pixels/],
    [{ resolution: '126x128' }, /^--resolution 126x128: each side/],
    [{ resolution: '1920x1080' }, /^--resolution 1920x1080: each side/],
    [{ resolution: '1280x1280' }, /^--resolution 1280x1280 is over 921600 pixels/],
    [{ resolution: '512', width: 512 }, /^--resolution cannot be given with width or height$/],
    [{ width: 511 }, /^width must be an even number of pixels from 128 to 1280, not 511$/],
    [{ height: 1282 }, /^height must be an even number/],
    [{ width: '12.5' }, /^width must be a whole number, not "12.5"$/],
    [{ width: 1280, height: 1280 }, /^width×height 1280x1280 is over 921600 pixels/],
    [{ fps: 60 }, /^--fps must be from 10 to 30, not 60$/],
    [{ fps: 9 }, /^--fps must be from 10 to 30, not 9$/],
    [{ fps: 24.5 }, /^--fps must be a whole number, not 24.5$/],
    [{ fps: '' }, /^--fps must be a whole number, not ""$/],
    [{ playAddress: 'flv' }, /^--play-address must be one of page, hls, rtmp, not "flv"$/],
    [{ playAddress: 'HLS' }, /^--play-address must be one of/],
  ])('refuses %j with a RangeError naming the field', (input, message) => {
    expect(() => parseStreamSettings(input, FLAGS)).toThrow(RangeError);
    expect(() => parseStreamSettings(input, FLAGS)).toThrow(message);
  });

  it('names fields by their own names when the caller gives no others, and refuses non-objects', () => {
    expect(() => parseStreamSettings({ fps: 0 })).toThrow(/^fps must be/);
    expect(() => parseStreamSettings({ playAddress: 1 })).toThrow(/^playAddress must be one of .* not 1$/);
    expect(() => parseStreamSettings('512')).toThrow(RangeError);
    expect(() => parseStreamSettings([])).toThrow(RangeError);
  });
});

describe('describeStream', () => {
  it('writes size and rate the way the CLI lists them', () => {
    expect(describeStream(DEFAULT_STREAM_SETTINGS)).toBe('512x512@25');
  });
});
