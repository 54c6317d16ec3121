import { describe, expect, it } from 'vitest';
import { compositionLayout, filterPath } from './composition-graph.js';
import type { CompositionSettings } from './composition-settings.js';

const video = { width: 640, height: 360, fps: 25, format: 'mp4' as const, background: { color: '#00b140' } };
const none: CompositionSettings = { logos: [], subtitles: [] };
const cue = [{ startMs: 0, endMs: 1000, text: 'hi' }];

describe('compositionLayout', () => {
  it('subtitles alone: the worker draws as usual, ffmpeg burns the script in', () => {
    const layout = compositionLayout({ ...none, subtitles: cue }, video, '/out/.v.mp4.ab.ass');
    expect(layout.layer).toEqual({ width: 640, height: 360 });
    expect(layout.layerBackground).toEqual({ color: '#00b140' });
    expect(layout.filter).toEqual({ images: [], graph: '[0:v]ass=filename=/out/.v.mp4.ab.ass[vout]' });
  });

  it('on an alpha format, subtitles write alpha too (opaque text on a transparent video)', () => {
    const layout = compositionLayout(
      { ...none, subtitles: cue },
      { ...video, format: 'webm-alpha' },
      '/s.ass',
    );
    expect(layout.filter.graph).toBe('[0:v]ass=filename=/s.ass:alpha=1[vout]');
  });

  it('logos: each an input after the frames and the audio, scaled and laid over in order', () => {
    const layout = compositionLayout(
      {
        ...none,
        logos: [
          { path: '/a.png', x: 10, y: -5, scale: 1 },
          { path: '/b.png', x: 600.5, y: 20, scale: 0.25 },
        ],
      },
      video,
    );
    expect(layout.filter.images).toEqual(['/a.png', '/b.png']);
    expect(layout.filter.graph.split(';')).toEqual([
      '[0:v][2:v]overlay=x=10:y=-5:format=yuv420[c0]',
      '[3:v]scale=max(1\\,round(iw*0.25)):max(1\\,round(ih*0.25))[logo2]',
      '[c0][logo2]overlay=x=600.5:y=20:format=yuv420[vout]',
    ]);
  });

  it('a background picture: covered and cropped once, looped under the avatar drawn on nothing', () => {
    const layout = compositionLayout({ ...none, backgroundImage: '/bg.jpg' }, video);
    expect(layout.layerBackground).toBe('transparent');
    expect(layout.layer).toEqual({ width: 640, height: 360 });
    expect(layout.filter.images).toEqual(['/bg.jpg']);
    expect(layout.filter.graph.split(';')).toEqual([
      'color=c=0x00b140:s=640x360,trim=end_frame=1[fill]',
      '[2:v]scale=640:360:force_original_aspect_ratio=increase,crop=640:360,setsar=1[picture]',
      '[fill][picture]overlay,format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/(25*TB)[base]',
      '[base][0:v]overlay=x=(W-w)/2+(0):y=(H-h)/2+(0):shortest=1:format=yuv420[vout]',
    ]);
  });

  it('an avatar scaled down is drawn small by the worker, and placed over the background colour', () => {
    const layout = compositionLayout(
      { ...none, avatar: { x: -30.25, y: 12, scale: 0.5, angleDeg: 0 } },
      { ...video, format: 'mov-alpha', background: 'transparent' },
    );
    expect(layout.layer).toEqual({ width: 320, height: 180 });
    expect(layout.filter.graph.split(';')).toEqual([
      'color=c=black@0:s=640x360:r=25,format=yuva444p[base]',
      '[base][0:v]overlay=x=(W-w)/2+(-30.25):y=(H-h)/2+(12):shortest=1:format=yuv444[vout]',
    ]);
  });

  it('an avatar scaled up and turned: ffmpeg enlarges and rotates the full-size layer', () => {
    const layout = compositionLayout({ ...none, avatar: { x: 0, y: 0, scale: 1.5, angleDeg: 90 } }, video);
    expect(layout.layer).toEqual({ width: 640, height: 360 });
    expect(layout.filter.graph.split(';')[1]).toBe(
      '[0:v]scale=960:540,rotate=1.570796:ow=rotw(1.570796):oh=roth(1.570796):c=none[avatar]',
    );
    expect(layout.filter.graph).toContain('[base][avatar]overlay=');
  });

  it('everything: base, avatar, logos, then subtitles on top', () => {
    const layout = compositionLayout(
      {
        backgroundImage: '/bg.png',
        logos: [{ path: '/l.png', x: 1, y: 2, scale: 1 }],
        avatar: { x: 5, y: 0, scale: 0.8, angleDeg: 0 },
        subtitles: cue,
      },
      video,
      '/s.ass',
    );
    expect(layout.filter.images).toEqual(['/bg.png', '/l.png']);
    expect(layout.filter.graph.split(';').slice(-3)).toEqual([
      '[base][0:v]overlay=x=(W-w)/2+(5):y=(H-h)/2+(0):shortest=1:format=yuv420[c0]',
      '[c0][3:v]overlay=x=1:y=2:format=yuv420[c1]',
      '[c1]ass=filename=/s.ass[vout]',
    ]);
  });
});

describe('filterPath', () => {
  it("escapes a path for the option parser, then for the graph parser (ffmpeg's two levels)", () => {
    expect(filterPath('/tmp/plain/file.ass')).toBe('/tmp/plain/file.ass');
    expect(filterPath("/tmp/we:ird [dir], it's; 1/s.ass")).toBe(
      "/tmp/we\\\\:ird \\[dir\\]\\, it\\\\\\'s\\; 1/s.ass",
    );
    expect(filterPath('C:\\x')).toBe('C\\\\:\\\\\\\\x');
  });
});
