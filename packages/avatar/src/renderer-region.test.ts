// Drawing part of the picture (a region, the underlay, the overlay) must give the pixels of the whole picture
// drawn the ordinary way. Not bit for bit: on a canvas of another size Skia puts a few antialiased edge pixels
// (the lip line, the rim of a clipped iris) a fraction of a pixel differently, so the bound is on how many
// pixels differ by more than 8 of 255 (at most 1 in 2000; measured: under 1 in 10 000) and on the mean.
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { createCanvas, Path2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { AvatarManifest } from './format.js';
import { blinkAmount } from './motion.js';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from './node/index.js';
import type { AvatarFrame, PixelBox } from './renderer.js';
import { AvatarRenderer } from './renderer.js';
import { unpremultiplyRgba } from './straight-alpha.js';

const ava = await loadAvatarFile(`${builtinAvatarDir()}/ava/avatar.json`);
const leo = await loadAvatarFile(`${builtinAvatarDir()}/leo/avatar.json`);

const weights = (entries: Partial<Record<(typeof BLENDSHAPE_NAMES)[number], number>>) =>
  Float32Array.from(BLENDSHAPE_NAMES, (name) => entries[name] ?? 0);

function blinkTime(manifest: AvatarManifest): number {
  for (let t = 0; t < 60; t += 0.01) if (blinkAmount(manifest, t) > 0.95) return t;
  throw new Error('no blink in a minute');
}

/** Rest, mid-blink, an open mouth and the tongue out, at different moments of the idle motion. */
const frames = (manifest: AvatarManifest): AvatarFrame[] => [
  { weights: null, timeSec: 0.4 },
  { weights: null, timeSec: blinkTime(manifest) },
  { weights: weights({ jawOpen: 0.8, mouthFunnel: 0.3 }), timeSec: 2.9 },
  { weights: weights({ jawOpen: 0.6, tongueOut: 1, mouthSmileLeft: 0.7 }), timeSec: 7.3 },
];

/** `box` of a width-wide RGBA image. */
function crop(rgba: Uint8Array, width: number, box: PixelBox): Uint8Array {
  const out = new Uint8Array(box.width * box.height * 4);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.y + y) * width + box.x) * 4;
    out.set(rgba.subarray(from, from + box.width * 4), y * box.width * 4);
  }
  return out;
}

/** The share of pixels with a channel more than 8 apart, and the mean difference per channel. */
function difference(a: Uint8Array, b: Uint8Array): { share: number; mean: number } {
  expect(a.length).toBe(b.length);
  let far = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    let worst = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0));
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst > 8) far++;
  }
  return { share: far / (a.length / 4), mean: sum / a.length };
}

function expectClose(a: Uint8Array, b: Uint8Array): void {
  const { share, mean } = difference(a, b);
  expect(share).toBeLessThan(1 / 2000);
  expect(mean).toBeLessThan(0.02);
}

/** Draws on a fresh region-sized canvas and returns its pixels, in straight alpha as `renderAvatarRgba` does. */
function drawRegion(
  renderer: AvatarRenderer,
  region: PixelBox,
  paint: (ctx: CanvasRenderingContext2D) => void,
) {
  const canvas = createCanvas(region.width, region.height);
  paint(canvas.getContext('2d') as unknown as CanvasRenderingContext2D);
  const pixels = new Uint8Array(canvas.data());
  unpremultiplyRgba(pixels);
  return pixels;
}

describe.each([
  ['ava', ava, '#00b140'],
  ['ava', ava, 'transparent'],
  ['leo', leo, 'manifest'],
])('AvatarRenderer regions and parts: %s, background %s', (_key, base, background) => {
  const manifest: AvatarManifest =
    background === 'manifest'
      ? base
      : { ...base, background: background === 'transparent' ? '#00000000' : background };
  const renderer = new AvatarRenderer(manifest, { Path2D });

  it.each([
    [512, 512],
    [1280, 720],
  ])(
    'at %i×%i the motion box drawn alone, or as underlay then overlay, is that part of the whole',
    (w, h) => {
      const box = renderer.motionBox(w, h);
      for (const frame of frames(manifest)) {
        const whole = crop(renderAvatarRgba(manifest, frame, w, h), w, box);
        expectClose(
          drawRegion(renderer, box, (ctx) => renderer.draw(ctx, frame, w, h, { region: box })),
          whole,
        );
        expectClose(
          drawRegion(renderer, box, (ctx) => {
            renderer.draw(ctx, frame, w, h, { region: box, part: 'underlay' });
            renderer.draw(ctx, frame, w, h, { region: box, part: 'overlay' });
          }),
          whole,
        );
      }
    },
  );

  it('the underlay is the same whatever the frame, and the overlay leaves the rest of the canvas clear', () => {
    const box = { x: 0, y: 0, width: 256, height: 256 };
    const [first, second] = frames(manifest);
    const under = (frame: AvatarFrame) =>
      drawRegion(renderer, box, (ctx) => renderer.draw(ctx, frame, 256, 256, { part: 'underlay' }));
    expect(Buffer.compare(under(first as AvatarFrame), under(second as AvatarFrame))).toBe(0);
    const over = drawRegion(renderer, box, (ctx) =>
      renderer.draw(ctx, first as AvatarFrame, 256, 256, { part: 'overlay' }),
    );
    // The top-left corner is background only: nothing of the overlay there.
    expect([...crop(over, 256, { x: 0, y: 0, width: 8, height: 8 })].every((v) => v === 0)).toBe(true);
  });
});

describe('AvatarRenderer on one context', () => {
  it('draws frame after frame the same as on fresh canvases (its cached gradients change nothing)', () => {
    const renderer = new AvatarRenderer(leo, { Path2D });
    const canvas = createCanvas(320, 320);
    const ctx = canvas.getContext('2d');
    for (const frame of frames(leo)) {
      ctx.clearRect(0, 0, 320, 320);
      renderer.draw(ctx, frame, 320, 320);
      expect(Buffer.compare(canvas.data(), renderAvatarRgba(leo, frame, 320, 320))).toBe(0);
    }
  });
});
