import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import { FFMPEG_BT601_COLOURS } from '../yuv420-test-support.js';
import { writeYuv420, yuv420Bytes, type Yuv420Region } from '../yuv420.js';
import { YUV420_WASM_BASE64 } from './binary.js';
import { Yuv420Picture } from './picture.js';
import { yuv420Wat } from './wat.js';

/** Opaque RGBA of width × height: hashed colours in 4×4 blocks, with every fifth pixel hashed on its own. */
function picture(width: number, height: number, seed = 1): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const hash = (n: number) => Math.imul(n + seed * 7919, 0x9e3779b1) >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const h = i % 5 === 0 ? hash(i * 31) : hash((y >> 2) * 104729 + (x >> 2));
      rgba.set([h & 255, (h >>> 8) & 255, (h >>> 16) & 255, 255], i * 4);
    }
  }
  return rgba;
}

/** The same picture through `writeYuv420` (the JavaScript conversion). */
function expected(rgba: Uint8Array, region: Yuv420Region, width: number, height: number, base?: Uint8Array) {
  const frame = base ? base.slice() : new Uint8Array(yuv420Bytes(width, height));
  writeYuv420(rgba, region, frame, width, height);
  return frame;
}

/** Compares two I420 frames: chroma must be equal, luma within one step and equal in at least 99 %. */
function expectSameFrame(got: Uint8Array, want: Uint8Array, width: number, height: number): void {
  expect(got.length).toBe(want.length);
  const lumaBytes = width * height;
  let lumaOff = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs((got[i] ?? 0) - (want[i] ?? 0));
    if (i >= lumaBytes) {
      expect(d, `chroma byte ${i - lumaBytes}`).toBe(0);
    } else {
      expect(d, `luma at ${i % width},${Math.floor(i / width)}`).toBeLessThanOrEqual(1);
      if (d) lumaOff++;
    }
  }
  expect(lumaOff / lumaBytes).toBeLessThan(0.01);
}

function whole(width: number, height: number): Yuv420Region {
  return { x: 0, y: 0, width, height };
}

describe('Yuv420Picture (WebAssembly SIMD)', () => {
  it('is wat.ts compiled: binary.ts was regenerated after the last edit (npm run build:wasm)', async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat('yuv420.wat', yuv420Wat(), { simd: true });
    const { buffer } = module.toBinary({});
    module.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(YUV420_WASM_BASE64);
  });

  it('converts as writeYuv420 does, at widths that are and are not multiples of 16', () => {
    for (const [width, height] of [
      [16, 2],
      [64, 48],
      [18, 6],
      [130, 34],
      [1280, 8],
    ] as const) {
      const rgba = picture(width, height);
      const yuv = Yuv420Picture.create(width, height);
      expect(yuv, 'WebAssembly SIMD (Node 20 has it)').toBeDefined();
      yuv!.write(rgba, whole(width, height));
      const frame = new Uint8Array(yuv420Bytes(width, height));
      yuv!.copyRows(whole(width, height), frame);
      expectSameFrame(frame, expected(rgba, whole(width, height), width, height), width, height);
    }
  });

  it('gives the BT.601 values of flat colours within one step of ffmpeg', () => {
    for (const [rgb, yuv] of FFMPEG_BT601_COLOURS) {
      const rgba = new Uint8Array(32 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : (rgb[i % 4] ?? 0)));
      const converter = Yuv420Picture.create(32, 2)!;
      converter.write(rgba, whole(32, 2));
      const frame = new Uint8Array(yuv420Bytes(32, 2));
      converter.copyRows(whole(32, 2), frame);
      [frame[0], frame[64], frame[64 + 16]].forEach((value, c) =>
        expect(Math.abs((value ?? -9) - (yuv[c] ?? 0)), `${rgb.join(',')} channel ${c}`).toBeLessThanOrEqual(
          1,
        ),
      );
      expect(new Set(frame.subarray(0, 64)).size).toBe(1);
    }
  });

  it('writes a region into the kept picture; copyRows copies whole rows of it and nothing else', () => {
    const [width, height] = [96, 40];
    const background = picture(width, height, 2);
    const yuv = Yuv420Picture.create(width, height)!;
    yuv.write(background, whole(width, height));
    const base = new Uint8Array(yuv420Bytes(width, height));
    yuv.copyRows(whole(width, height), base);

    const box = { x: 22, y: 10, width: 34, height: 12 };
    const moving = picture(box.width, box.height, 3);
    yuv.write(moving, box);
    const frame = base.slice();
    frame.fill(0, 0, 10 * width); // rows above the box: copyRows must leave them as they are
    yuv.copyRows(box, frame);

    const want = expected(moving, box, width, height, base);
    want.fill(0, 0, 10 * width);
    expectSameFrame(frame, want, width, height);
  });

  it('converts regions narrower than 16 pixels with writeYuv420', () => {
    const [width, height] = [32, 8];
    const yuv = Yuv420Picture.create(width, height)!;
    const black = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : 0));
    yuv.write(black, whole(width, height));
    const box = { x: 4, y: 2, width: 6, height: 4 };
    const rgba = picture(box.width, box.height, 4);
    yuv.write(rgba, box);
    const frame = new Uint8Array(yuv420Bytes(width, height));
    yuv.copyRows(whole(width, height), frame);
    expect(frame).toEqual(
      expected(rgba, box, width, height, expected(black, whole(width, height), width, height)),
    );
  });

  it('refuses odd sizes, odd or outside regions, short pixels and a frame of another size', () => {
    expect(() => Yuv420Picture.create(33, 16)).toThrow(/even/);
    const yuv = Yuv420Picture.create(64, 16)!;
    const pixels = new Uint8Array(64 * 16 * 4);
    expect(() => yuv.write(pixels, { x: 1, y: 0, width: 32, height: 8 })).toThrow(/odd or outside/);
    expect(() => yuv.write(pixels, { x: 0, y: 0, width: 32, height: 7 })).toThrow(/odd or outside/);
    expect(() => yuv.write(pixels, { x: 40, y: 0, width: 32, height: 8 })).toThrow(/odd or outside/);
    expect(() => yuv.write(pixels.subarray(0, 100), { x: 0, y: 0, width: 32, height: 8 })).toThrow(/smaller/);
    expect(() => yuv.copyRows({ y: 0, height: 2 }, new Uint8Array(10))).toThrow(/expected/);
  });
});
