// The render worker draws only inside AvatarRenderer.motionBox and keeps the rest of every frame from one still
// picture: these tests prove, on whole frames drawn the ordinary way, that nothing outside the box ever changes,
// whatever the time (blinks, idle motion) and the mouth weights (every channel at its extremes).
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { Path2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { AvatarManifest } from './format.js';
import { blinkAmount } from './motion.js';
import { motionBounds } from './motion-box.js';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from './node/index.js';
import type { PixelBox } from './renderer.js';
import { AvatarRenderer } from './renderer.js';

const manifests: Record<string, AvatarManifest> = {
  ava: await loadAvatarFile(`${builtinAvatarDir()}/ava/avatar.json`),
  leo: await loadAvatarFile(`${builtinAvatarDir()}/leo/avatar.json`),
};

const weights = (entries: Partial<Record<(typeof BLENDSHAPE_NAMES)[number], number>>) =>
  Float32Array.from(BLENDSHAPE_NAMES, (name) => entries[name] ?? 0);

/** Mouth poses at the edges of what mouthShape makes, and everything at once. */
const POSES: (Float32Array | null)[] = [
  null,
  Float32Array.from(BLENDSHAPE_NAMES, () => 1),
  weights({ jawOpen: 1, tongueOut: 1, mouthLowerDownLeft: 1, mouthLowerDownRight: 1 }),
  weights({ jawOpen: 1, mouthFunnel: 1, mouthUpperUpLeft: 1, mouthUpperUpRight: 1 }),
  weights({ mouthPucker: 1, mouthFunnel: 1, jawOpen: 0.6 }),
  weights({ mouthSmileLeft: 1, mouthSmileRight: 1, mouthStretchLeft: 1, mouthStretchRight: 1, jawOpen: 0.4 }),
  weights({ mouthRollLower: 1, mouthRollUpper: 1, mouthPressLeft: 1, mouthPressRight: 1 }),
];

/** Times spread over two minutes of idle motion, plus the middle of a blink. */
function times(manifest: AvatarManifest): number[] {
  const out = Array.from({ length: 24 }, (_, i) => i * 4.93 + 0.11);
  for (let t = 0; t < 60; t += 0.01) {
    if (blinkAmount(manifest, t) > 0.95) {
      out.push(t);
      break;
    }
  }
  return out;
}

/** Pixels outside `box` where two width-wide RGBA images differ. */
function changedOutside(a: Uint8Array, b: Uint8Array, width: number, box: PixelBox): number {
  let changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    const x = (i / 4) % width;
    const y = Math.floor(i / 4 / width);
    if (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height) continue;
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) changed++;
  }
  return changed;
}

describe.each(['ava', 'leo'])('AvatarRenderer.motionBox: %s', (key) => {
  const manifest = manifests[key] as AvatarManifest;
  const renderer = new AvatarRenderer(manifest, { Path2D });

  it.each([
    [512, 512, 0.85],
    [1280, 720, 0.5],
  ])('at %i×%i nothing outside it ever changes, and it is well under the frame', (width, height, share) => {
    const box = renderer.motionBox(width, height);
    expect(box.width * box.height).toBeLessThan(share * width * height);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(box.y + box.height).toBeLessThanOrEqual(height);
    const still = renderAvatarRgba(manifest, { weights: null, timeSec: 0 }, width, height);
    times(manifest).forEach((timeSec, i) => {
      const frame = { weights: POSES[i % POSES.length] ?? null, timeSec };
      expect(changedOutside(renderAvatarRgba(manifest, frame, width, height), still, width, box)).toBe(0);
    });
  });
});

describe('AvatarRenderer.motionBox', () => {
  it('cannot be told (the whole picture moves) when a moving layer has path data it cannot read', () => {
    const ava = manifests.ava as AvatarManifest;
    const odd: AvatarManifest = {
      ...ava,
      layers: [...ava.layers, { group: 'head', path: 'M0 0 L', fill: '#000000' }],
    };
    expect(motionBounds(ava)).not.toBeNull();
    expect(motionBounds(odd)).toBeNull();
  });

  it('ignores static layers, wherever they are', () => {
    const ava = manifests.ava as AvatarManifest;
    const frame: AvatarManifest = {
      ...ava,
      layers: [
        ...ava.layers,
        { group: 'static', path: 'M0 0 H512 V512 H0 Z', stroke: { paint: '#000', width: 8 } },
      ],
    };
    expect(new AvatarRenderer(frame, { Path2D }).motionBox(512, 512)).toEqual(
      new AvatarRenderer(ava, { Path2D }).motionBox(512, 512),
    );
  });
});
