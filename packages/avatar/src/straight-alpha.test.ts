import { join } from 'node:path';
import { createCanvas, Path2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from './node/index.js';
import { AvatarRenderer } from './renderer.js';
import { isOpaqueRgba, unpremultiplyRgba } from './straight-alpha.js';

describe('unpremultiplyRgba', () => {
  it("gives a canvas's translucent pixels back the colour they were painted with", () => {
    const canvas = createCanvas(4, 1);
    const ctx = canvas.getContext('2d');
    const painted = [
      [200, 100, 50, 0.5],
      [255, 255, 255, 0.2],
      [10, 240, 130, 0.9],
    ] as const;
    painted.forEach(([r, g, b, a], x) => {
      ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${a})`;
      ctx.fillRect(x, 0, 1, 1);
    });
    const pixels = new Uint8Array(canvas.data());
    // The canvas holds them premultiplied: half alpha, half the colour.
    expect(pixels[0]).toBeLessThan(110);
    unpremultiplyRgba(pixels);
    painted.forEach(([r, g, b, a], x) => {
      const [pr = 0, pg = 0, pb = 0, pa = 0] = pixels.subarray(x * 4, x * 4 + 4);
      expect(Math.abs(pa - a * 255)).toBeLessThanOrEqual(0.5);
      // Premultiplied to 8 bits, a channel loses up to half a step of alpha: 0.5 / alpha on the way back.
      for (const [got, want] of [
        [pr, r],
        [pg, g],
        [pb, b],
      ]) {
        expect(Math.abs((got ?? 0) - (want ?? 0))).toBeLessThanOrEqual(Math.ceil(0.5 / a) + 1);
      }
    });
    // The fourth pixel was never painted: transparent, and left so.
    expect([...pixels.subarray(12, 16)]).toEqual([0, 0, 0, 0]);
  });

  it('leaves opaque and fully transparent pixels alone, so an opaque picture keeps its bytes', async () => {
    const manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
    const draw = (background?: string): Uint8Array => {
      const canvas = createCanvas(160, 120);
      const of = background === undefined ? manifest : { ...manifest, background };
      new AvatarRenderer(of, { Path2D }).draw(
        canvas.getContext('2d'),
        { weights: null, timeSec: 0 },
        160,
        120,
      );
      return new Uint8Array(canvas.data());
    };

    const opaque = draw();
    expect(isOpaqueRgba(opaque)).toBe(true);
    const converted = opaque.slice();
    unpremultiplyRgba(converted);
    expect(Buffer.compare(converted, opaque)).toBe(0);
    expect(Buffer.compare(renderAvatarRgba(manifest, { weights: null, timeSec: 0 }, 160, 120), opaque)).toBe(
      0,
    );

    const premultiplied = draw('#00000000');
    expect(isOpaqueRgba(premultiplied)).toBe(false);
    const straight = premultiplied.slice();
    unpremultiplyRgba(straight);
    let translucent = 0;
    for (let i = 0; i < straight.length; i += 4) {
      const a = premultiplied[i + 3] ?? 0;
      expect(straight[i + 3]).toBe(a);
      const before = [...premultiplied.subarray(i, i + 3)];
      const after = [...straight.subarray(i, i + 3)];
      if (a === 0 || a === 255) {
        expect(after).toEqual(before);
      } else {
        translucent++;
        after.forEach((value, c) => expect(value).toBeGreaterThanOrEqual(before[c] ?? 0));
      }
    }
    // The outline's antialiasing.
    expect(translucent).toBeGreaterThan(50);
  });
});
