// renderVideo with a composition, end to end: the real render worker and real ffmpeg, checked by decoding frames
// and looking at pixels where the background, the logo, the avatar and the subtitles must (and must not) be.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AvatarManifest } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { Path2D } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rgba } from './composition-test-support.js';
import { boundingBox, countPixels, frameAt, makeImage, near, pixelAt } from './composition-test-support.js';
import { renderVideo } from './render-video.js';
import { syntheticSpeech } from './video-test-support.js';
import type { VideoComposition, VideoFormat } from './video-types.js';

const SIZE = 256;
/** 1.5 s: 1.2 s of speech and the 300 ms tail. */
const SPEECH = syntheticSpeech('Hello there.').segments;

let manifest: AvatarManifest;
let root: string;
/** Where the videos go: a folder whose name needs every kind of escaping in an ffmpeg filter graph. */
let dir: string;
let picture: string;
let logo: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dhuman-composition-'));
  dir = join(root, "we:ird [dir], it's; 1");
  mkdirSync(dir);
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
  // 400×200: red, blue, yellow in vertical bands of 100, 200 and 100 px. Covering a square frame scales it to
  // 512×256 and crops the middle 256 columns: all blue. Stretched, red and yellow would show at the sides.
  picture = join(root, 'background.png');
  await makeImage(
    picture,
    'color=c=blue:s=400x200,drawbox=x=0:y=0:w=100:h=200:c=red:t=fill,drawbox=x=300:y=0:w=100:h=200:c=yellow:t=fill',
  );
  logo = join(root, 'logo.png');
  await makeImage(logo, 'color=c=magenta:s=30x20');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function render(
  name: string,
  format: VideoFormat,
  composition: VideoComposition,
  extra: { background?: { color: string } } = {},
): Promise<string> {
  const path = join(dir, name);
  await renderVideo({
    manifest,
    speech: SPEECH,
    output: { format, path },
    width: SIZE,
    height: SIZE,
    composition,
    ...extra,
  });
  return path;
}

/** The point between the eyes when the avatar fills a SIZE² frame. */
function eyesAt(): [number, number] {
  const eyes = new AvatarRenderer(manifest, { Path2D }).eyesBox(SIZE, SIZE);
  return [eyes.x + eyes.width / 2, eyes.y + eyes.height / 2];
}

const far = (color: string) => (p: Rgba) => !near(p, color, 90);
/** The avatar's top: teal, unlike every background used here. */
const teal = ([r, g, b]: Rgba) => g - r > 60 && b - r > 60 && Math.abs(g - b) < 40;
const outline = ([r, g, b]: Rgba) => Math.max(r, g, b) < 50;
/** The rows subtitles are drawn in: the bottom quarter. */
const BAND: [number, number] = [Math.round(SIZE * 0.75), SIZE];

// Each test renders one or two short videos: seconds on a busy 2-core machine, more than the 10 s default allows.
describe('renderVideo with a composition', { timeout: 30_000 }, () => {
  it('MP4: the background picture covers the frame (aspect kept), the logo sits on top, the avatar is moved and scaled', async () => {
    const plain = join(dir, 'plain.mp4');
    await renderVideo({
      manifest,
      speech: SPEECH,
      output: { format: 'mp4', path: plain },
      width: SIZE,
      height: SIZE,
    });
    const composed = await render('composed.mp4', 'mp4', {
      backgroundImage: picture,
      logos: [{ path: logo, x: 10, y: 150, scale: 2 }],
      // Half size, centre moved from (128, 128) to (192, 192): the avatar fills the bottom-right quarter.
      avatar: { x: 64, y: 64, scale: 0.5, angleDeg: 0 },
    });
    const before = await frameAt(plain, 0.2, SIZE, SIZE);
    const after = await frameAt(composed, 0.2, SIZE, SIZE);

    for (const [x, y] of [
      [3, 3],
      [252, 3],
      [3, 252],
      [120, 120],
    ] as const) {
      expect(near(pixelAt(after, SIZE, x, y), '#0000ff'), `background at ${x},${y}`).toBe(true);
    }
    // The logo: 60×40 at (10, 150), nothing of it beyond.
    expect(near(pixelAt(after, SIZE, 40, 170), '#ff00ff')).toBe(true);
    expect(near(pixelAt(after, SIZE, 67, 187), '#ff00ff')).toBe(true);
    expect(near(pixelAt(after, SIZE, 75, 170), '#0000ff')).toBe(true);
    expect(near(pixelAt(after, SIZE, 40, 195), '#0000ff')).toBe(true);

    // The avatar: its box on the green screen, halved and moved into the bottom-right quarter.
    const plainBox = boundingBox(before, SIZE, 0, SIZE, far('#00b140'));
    const movedBox = boundingBox(after, SIZE, 0, SIZE, (p) => far('#0000ff')(p) && far('#ff00ff')(p));
    expect(plainBox).toBeDefined();
    const expected = {
      left: 128 + (plainBox?.left ?? 0) / 2,
      top: 128 + (plainBox?.top ?? 0) / 2,
      right: 128 + (plainBox?.right ?? 0) / 2,
      bottom: 128 + (plainBox?.bottom ?? 0) / 2,
    };
    for (const edge of ['left', 'top', 'right', 'bottom'] as const) {
      expect(Math.abs((movedBox?.[edge] ?? -99) - expected[edge]), edge).toBeLessThanOrEqual(4);
    }
    // The face is where the move put it, and gone from where it was.
    const [ex, ey] = eyesAt();
    expect(near(pixelAt(after, SIZE, 128 + ex / 2, 128 + ey / 2), '#0000ff', 120)).toBe(false);
    expect(near(pixelAt(after, SIZE, ex, ey), '#0000ff')).toBe(true);
  });

  it('MP4: subtitles are burned in at the bottom while a cue is on, in CJK too, and absent between cues', async () => {
    const path = await render('subtitles.mp4', 'mp4', {
      subtitles: [
        { startMs: 0, endMs: 500, text: '你好世界' },
        { startMs: 500, endMs: 1000, text: '谢谢大家' },
      ],
    });
    const first = await frameAt(path, 0.25, SIZE, SIZE);
    const second = await frameAt(path, 0.75, SIZE, SIZE);
    const none = await frameAt(path, 1.3, SIZE, SIZE);
    // The dark outline is nearly the only near-black in the band (the avatar there is teal, white and skin, with
    // a few dark pixels of its own: 8 measured; a cue adds over a hundred).
    const noFont = 'no CJK font for fontconfig? (Debian: fonts-noto-cjk)';
    expect(countPixels(first, SIZE, ...BAND, outline), noFont).toBeGreaterThan(80);
    expect(countPixels(second, SIZE, ...BAND, outline), noFont).toBeGreaterThan(80);
    expect(countPixels(none, SIZE, ...BAND, outline)).toBeLessThan(20);
    // Different characters draw differently: a missing CJK font would draw the same empty boxes for both.
    let differing = 0;
    for (let y = BAND[0]; y < BAND[1]; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (outline(pixelAt(first, SIZE, x, y)) !== outline(pixelAt(second, SIZE, x, y))) differing++;
      }
    }
    expect(differing, noFont).toBeGreaterThan(40);
    // The script beside the output is gone.
    expect(readdirSync(dir).filter((f) => f.endsWith('.ass'))).toEqual([]);
  });

  it('WebM with alpha: the moved avatar is opaque, everything else transparent, subtitles opaque', async () => {
    const path = await render('placed.webm', 'webm-alpha', {
      // Half size, centre moved to (64, 64): the avatar fills the top-left quarter.
      avatar: { x: -64, y: -64, scale: 0.5, angleDeg: 0 },
      subtitles: [{ startMs: 0, endMs: 600, text: 'Hello there' }],
    });
    const on = await frameAt(path, 0.2, SIZE, SIZE, 'libvpx-vp9');
    const off = await frameAt(path, 1.2, SIZE, SIZE, 'libvpx-vp9');
    const [ex, ey] = eyesAt();
    expect(pixelAt(on, SIZE, ex / 2, ey / 2)[3]).toBe(255);
    for (const [x, y] of [
      [250, 5],
      [200, 150],
      [5, 170],
      [ex, ey + 40],
    ] as const) {
      expect(pixelAt(on, SIZE, x, y)[3], `alpha at ${x},${y}`).toBe(0);
    }
    const opaque = ([, , , a]: Rgba) => a === 255;
    expect(countPixels(on, SIZE, ...BAND, opaque)).toBeGreaterThan(60);
    expect(countPixels(off, SIZE, ...BAND, opaque)).toBe(0);
  });

  it('MOV with alpha: logo and moved avatar opaque on nothing, in ProRes 4444', async () => {
    const path = await render('placed.mov', 'mov-alpha', {
      logos: [{ path: logo, x: 200, y: 10, scale: 1 }],
      avatar: { x: -64, y: 64, scale: 0.5, angleDeg: 0 },
    });
    const frame = await frameAt(path, 0.2, SIZE, SIZE);
    const [ex, ey] = eyesAt();
    expect(pixelAt(frame, SIZE, ex / 2, 128 + ey / 2)[3]).toBe(255);
    const magenta = pixelAt(frame, SIZE, 215, 20);
    expect(near(magenta, '#ff00ff') && magenta[3] === 255, `logo pixel ${magenta.join(',')}`).toBe(true);
    for (const [x, y] of [
      [5, 5],
      [ex, ey],
      [250, 250],
    ] as const) {
      expect(pixelAt(frame, SIZE, x, y)[3], `alpha at ${x},${y}`).toBe(0);
    }
  });

  it('turns the avatar about its centre: 90° clockwise puts its shoulders on the left', async () => {
    const background = { color: '#ff00ff' };
    const placement = { x: 0, y: 0, scale: 0.6 };
    const upright = await render(
      'upright.mp4',
      'mp4',
      { avatar: { ...placement, angleDeg: 0 } },
      { background },
    );
    const turned = await render(
      'turned.mp4',
      'mp4',
      { avatar: { ...placement, angleDeg: 90 } },
      { background },
    );
    const centroid = (rgba: Uint8Array): [number, number] => {
      let [sx, sy, n] = [0, 0, 0];
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          if (!teal(pixelAt(rgba, SIZE, x, y))) continue;
          [sx, sy, n] = [sx + x, sy + y, n + 1];
        }
      }
      return [sx / n, sy / n];
    };
    const [ux, uy] = centroid(await frameAt(upright, 0.2, SIZE, SIZE));
    const [tx, ty] = centroid(await frameAt(turned, 0.2, SIZE, SIZE));
    expect(Math.abs(ux - 128)).toBeLessThan(10);
    expect(uy).toBeGreaterThan(128 + 25);
    // Clockwise: what was below the centre is now left of it, at the same distance.
    expect(tx).toBeLessThan(128 - 25);
    expect(Math.abs(ty - 128)).toBeLessThan(10);
    expect(Math.abs(128 - tx - (uy - 128))).toBeLessThan(6);
  });

  it('refuses bad compositions before starting anything', async () => {
    const output = { format: 'mp4' as const, path: join(dir, 'never.mp4') };
    const base = { manifest, speech: SPEECH, output, width: SIZE, height: SIZE };
    await expect(
      renderVideo({
        ...base,
        output: { format: 'webm-alpha', path: output.path },
        composition: { backgroundImage: picture },
      }),
    ).rejects.toThrow(/composition\.backgroundImage needs an mp4/);
    await expect(
      renderVideo({
        ...base,
        composition: { logos: [{ path: join(root, 'missing.png'), x: 0, y: 0, scale: 1 }] },
      }),
    ).rejects.toThrow(/composition\.logos\[0\]\.path: no such file/);
    await expect(
      renderVideo({ ...base, composition: { avatar: { x: Number.NaN, y: 0, scale: 1, angleDeg: 0 } } }),
    ).rejects.toThrow(RangeError);
    expect(existsSync(output.path)).toBe(false);
  });

  it('abort: removes the partial file and the subtitle script', async () => {
    const path = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    const rendering = renderVideo(
      {
        manifest,
        speech: syntheticSpeech('Hello there. This is a longer video, cancelled early.').segments,
        output: { format: 'mp4', path },
        width: SIZE,
        height: SIZE,
        composition: { subtitles: [{ startMs: 0, endMs: 2000, text: 'cancelled' }] },
        signal: controller.signal,
      },
      (p) => {
        if (p.framesEncoded > 0) controller.abort(new Error('user cancelled'));
      },
    );
    await expect(rendering).rejects.toThrow('user cancelled');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('aborted'))).toEqual([]);
  });
});
