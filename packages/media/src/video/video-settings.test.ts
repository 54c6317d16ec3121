import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RenderVideoOptions } from './video-types.js';
import { videoSettings } from './video-settings.js';

const base = { manifest: {} as RenderVideoOptions['manifest'], speech: [] };

describe('videoSettings', () => {
  it('defaults: 512², 25 fps, 300 ms tail, green screen for mp4, transparent for the alpha formats', () => {
    expect(videoSettings({ ...base, output: { format: 'mp4', path: 'a.mp4' } })).toEqual({
      format: 'mp4',
      path: 'a.mp4',
      width: 512,
      height: 512,
      fps: 25,
      background: { color: '#00b140' },
      tailMs: 300,
      renderThreads: Math.min(2, availableParallelism()),
    });
    expect(videoSettings({ ...base, output: { format: 'webm-alpha', path: 'a.webm' } }).background).toBe(
      'transparent',
    );
    expect(videoSettings({ ...base, output: { format: 'mov-alpha', path: 'a.mov' } }).background).toBe(
      'transparent',
    );
  });

  it.each<[Partial<RenderVideoOptions>, RegExp]>([
    [{ width: 513 }, /width/],
    [{ height: 8 }, /height/],
    [{ fps: 0 }, /fps/],
    [{ tailMs: -1 }, /tailMs/],
    [{ background: { color: 'green' } }, /#rrggbb/],
    [{ background: 'transparent' }, /no alpha/],
    [{ renderThreads: 0 }, /renderThreads/],
    [{ output: { format: 'mp4', path: '' } }, /path/],
  ])('refuses %o', (bad, message) => {
    expect(() => videoSettings({ ...base, output: { format: 'mp4', path: 'a.mp4' }, ...bad })).toThrow(
      message,
    );
  });
});
