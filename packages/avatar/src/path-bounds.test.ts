import { Path2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { AvatarManifest } from './format.js';
import { builtinAvatarDir, loadAvatarFile } from './node/index.js';
import type { Bounds } from './path-bounds.js';
import { pathBounds } from './path-bounds.js';

const manifests: AvatarManifest[] = await Promise.all(
  ['ava', 'leo'].map((key) => loadAvatarFile(`${builtinAvatarDir()}/${key}/avatar.json`)),
);

/** Skia's own tight bounds of the path, for checking that ours contain them. */
function skiaBounds(d: string): Bounds {
  return new Path2D(d).computeTightBounds();
}

function expectContains(outer: Bounds | null, inner: Bounds): void {
  expect(outer).not.toBeNull();
  const [x0, y0, x1, y1] = outer as Bounds;
  const slack = 1e-9;
  expect(x0).toBeLessThanOrEqual(inner[0] + slack);
  expect(y0).toBeLessThanOrEqual(inner[1] + slack);
  expect(x1).toBeGreaterThanOrEqual(inner[2] - slack);
  expect(y1).toBeGreaterThanOrEqual(inner[3] - slack);
}

describe('pathBounds', () => {
  it('is exact for straight lines, absolute and relative, with implicit linetos', () => {
    expect(pathBounds('M10 20 L30 40 L-5 25 Z')).toEqual([-5, 20, 30, 40]);
    expect(pathBounds('m10,20 20,20 h-35 v-15 z')).toEqual([-5, 20, 30, 40]);
    expect(pathBounds('M0 0H10V-4h-2.5e1')).toEqual([-15, -4, 10, 0]);
  });

  it('contains every curve: cubic, smooth, quadratic and arcs, including flags written without separators', () => {
    for (const d of [
      'M0,0 C40,-30 60,90 100,0',
      'M0 0 c10 -20 30 -20 40 0 s30 20 40 0',
      'M5 5 Q50 -40 95 5 T185 5',
      'M0 0 q10 10 20 0 t20 0 t20 0',
      'M10 10 A30 20 0 0 1 70 10',
      'M10 10 a30 20 45 1 0 60 0',
      'M10 10 a5 5 0 011 2 z',
      // Radii too small for the chord: SVG scales them up.
      'M0 0 A1 1 0 0 1 100 0',
      'M0 0 A50 5 30 1 1 40 40 L0 0',
    ]) {
      expectContains(pathBounds(d), skiaBounds(d));
    }
  });

  it("contains every built-in avatar layer's path", () => {
    for (const manifest of manifests) {
      for (const layer of manifest.layers) expectContains(pathBounds(layer.path), skiaBounds(layer.path));
    }
  });

  it('is null for path data it cannot read or that draws nothing', () => {
    expect(pathBounds('')).toBeNull();
    expect(pathBounds('M')).toBeNull();
    expect(pathBounds('M10 10 L20')).toBeNull();
    expect(pathBounds('L10 10')).toBeNull();
    expect(pathBounds('M0 0 Z 5 5')).toBeNull();
    expect(pathBounds('M0 0 A5 5 0 2 1 10 10')).toBeNull();
    expect(pathBounds('M0 0 X 5 5')).toBeNull();
  });
});
