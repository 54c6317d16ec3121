import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { visemePose } from '@dhuman/speech';
import { Path2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { AvatarManifest } from './format.js';
import { blinkAmount, idlePose } from './motion.js';
import { loadAvatarFile, renderAvatarRgba, builtinAvatarDir } from './node/index.js';
import type { AvatarFrame, PixelBox } from './renderer.js';
import { AvatarRenderer } from './renderer.js';

const SIZE = 256;
const manifests: Record<string, AvatarManifest> = {
  ava: await loadAvatarFile(`${builtinAvatarDir()}/ava/avatar.json`),
  leo: await loadAvatarFile(`${builtinAvatarDir()}/leo/avatar.json`),
};

const render = (manifest: AvatarManifest, frame: AvatarFrame, width = SIZE, height = SIZE) =>
  renderAvatarRgba(manifest, frame, width, height);

const weights = (entries: Partial<Record<(typeof BLENDSHAPE_NAMES)[number], number>>) =>
  Float32Array.from(BLENDSHAPE_NAMES, (name) => entries[name] ?? 0);

/** The RGB bytes of `box` (alpha left out: every pixel is opaque). */
function crop(rgba: Uint8Array, width: number, box: PixelBox): number[] {
  const out: number[] = [];
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * width + x) * 4;
      out.push(rgba[i] ?? 0, rgba[i + 1] ?? 0, rgba[i + 2] ?? 0);
    }
  }
  return out;
}

const meanAbsDiff = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, v, i) => sum + Math.abs(v - (b[i] ?? 0)), 0) / a.length;
/** How many pixels of RGB bytes `rgb` pass `test(r, g, b)`. */
function count(rgb: readonly number[], test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < rgb.length; i += 3) if (test(rgb[i] ?? 0, rgb[i + 1] ?? 0, rgb[i + 2] ?? 0)) n++;
  return n;
}
const dark = (r: number, g: number, b: number) => r + g + b < 3 * 100;
const white = (r: number, g: number, b: number) => Math.min(r, g, b) > 235;

/** The first time from `from` (10 ms steps) at which `test(blink)` holds. */
function findTime(manifest: AvatarManifest, from: number, test: (blink: number) => boolean): number {
  for (let t = from; t < from + 60; t += 0.01) if (test(blinkAmount(manifest, t))) return t;
  throw new Error('no such time in a minute');
}

describe.each(['ava', 'leo'])('AvatarRenderer on @napi-rs/canvas: %s', (key) => {
  const manifest = manifests[key] as AvatarManifest;
  const renderer = new AvatarRenderer(manifest, { Path2D });
  const mouth = renderer.mouthBox(SIZE, SIZE);
  const mouthOf = (frame: AvatarFrame) => crop(render(manifest, frame), SIZE, mouth);

  it('is deterministic: the same frame gives the same bytes', () => {
    const frame = { weights: visemePose('aa'), timeSec: 2.345 };
    expect(Buffer.compare(render(manifest, frame), render(manifest, frame))).toBe(0);
  });

  it('keeps the mouth box inside the picture, around the mouth', () => {
    expect(mouth.width).toBeGreaterThan(10);
    expect(mouth.height).toBeGreaterThan(10);
    expect(mouth.x + mouth.width).toBeLessThanOrEqual(SIZE);
    expect(mouth.y + mouth.height).toBeLessThanOrEqual(SIZE);
    const scale = SIZE / manifest.size.width;
    expect(mouth.x).toBeLessThan(manifest.mouth.center[0] * scale);
    expect(mouth.y).toBeLessThan(manifest.mouth.center[1] * scale);
  });

  it('opens the mouth: rest and jawOpen 0.8 differ in the mouth box', () => {
    const rest = mouthOf({ weights: null, timeSec: 0 });
    const open = mouthOf({ weights: weights({ jawOpen: 0.8 }), timeSec: 0 });
    expect(meanAbsDiff(rest, open)).toBeGreaterThan(8);
    // The inside of an open mouth is dark.
    expect(count(open, dark)).toBeGreaterThan(count(rest, dark) + 50);
  });

  it("shapes vowels: 'oh' and 'E' differ in the mouth box", () => {
    const oh = mouthOf({ weights: visemePose('oh'), timeSec: 0 });
    const e = mouthOf({ weights: visemePose('E'), timeSec: 0 });
    expect(meanAbsDiff(oh, e)).toBeGreaterThan(4);
  });

  it('draws the rest pose for null weights, the same as all-zero weights (and NaN reads as 0)', () => {
    const rest = render(manifest, { weights: null, timeSec: 1.25 });
    expect(Buffer.compare(rest, render(manifest, { weights: new Float32Array(17), timeSec: 1.25 }))).toBe(0);
    expect(
      Buffer.compare(rest, render(manifest, { weights: new Array<number>(17).fill(NaN), timeSec: 1.25 })),
    ).toBe(0);
  });

  it('blinks: the whites of the eyes disappear with the lids shut', () => {
    const shut = findTime(manifest, 0, (b) => b > 0.98);
    const open = findTime(manifest, shut, (b) => b === 0) + 0.3;
    expect(blinkAmount(manifest, open)).toBe(0);
    const eyes = renderer.eyesBox(SIZE, SIZE);
    const shutEyes = crop(render(manifest, { weights: null, timeSec: shut }), SIZE, eyes);
    const openEyes = crop(render(manifest, { weights: null, timeSec: open }), SIZE, eyes);
    expect(meanAbsDiff(shutEyes, openEyes)).toBeGreaterThan(3);
    expect(count(openEyes, white)).toBeGreaterThan(40);
    expect(count(shutEyes, white)).toBeLessThan(count(openEyes, white) / 10);
  });

  it('moves when idle: t = 0 and t = 1.5 differ', () => {
    const a = idlePose(manifest, 0);
    const b = idlePose(manifest, 1.5);
    expect([a.swayDeg, a.nod, a.breath]).not.toEqual([b.swayDeg, b.nod, b.breath]);
    const full = { x: 0, y: 0, width: SIZE, height: SIZE };
    const at0 = crop(render(manifest, { weights: null, timeSec: 0 }), SIZE, full);
    const at15 = crop(render(manifest, { weights: null, timeSec: 1.5 }), SIZE, full);
    expect(meanAbsDiff(at0, at15)).toBeGreaterThan(0.2);
  });

  it('paints the background around the avatar, letterbox included', () => {
    const bare: AvatarManifest = { ...manifest, layers: [] };
    const wide = { width: 320, height: 180 };
    const full = render(manifest, { weights: null, timeSec: 0.5 }, wide.width, wide.height);
    const background = render(bare, { weights: null, timeSec: 0.5 }, wide.width, wide.height);
    // The letterbox bands left and right, and the top corners of the square.
    for (const box of [
      { x: 0, y: 0, width: 60, height: 180 },
      { x: 260, y: 0, width: 60, height: 180 },
      { x: 70, y: 0, width: 12, height: 12 },
      { x: 238, y: 0, width: 12, height: 12 },
    ]) {
      expect(crop(full, wide.width, box)).toEqual(crop(background, wide.width, box));
    }
    // And that background is the manifest's: the top-left pixel has the first gradient stop's colour.
    const top =
      typeof manifest.background === 'string' ? manifest.background : manifest.background.stops[0]?.color;
    const expected = [1, 3, 5].map((i) => parseInt(top?.slice(i, i + 2) ?? '', 16));
    expect(
      Math.max(
        ...crop(full, wide.width, { x: 0, y: 0, width: 1, height: 1 }).map((v, i) =>
          Math.abs(v - (expected[i] ?? 0)),
        ),
      ),
    ).toBeLessThanOrEqual(2);
  });
});

describe('AvatarRenderer', () => {
  it('needs a Path2D: a host without one must pass its own', () => {
    const manifest = manifests.ava as AvatarManifest;
    expect(() => new AvatarRenderer(manifest)).toThrow(/Path2D/);
  });
});
