import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FFMPEG_BT601_COLOURS } from './yuv420-test-support.js';
import { writeYuv420, yuv420Bytes } from './yuv420.js';

/** A width×height RGBA picture of 8×8 blocks, each one colour from `colourOf(blockX, blockY)`. */
function blocks(
  width: number,
  height: number,
  colourOf: (bx: number, by: number) => readonly number[],
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r = 0, g = 0, b = 0] = colourOf(Math.floor(x / 8), Math.floor(y / 8));
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

function convert(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const frame = new Uint8Array(yuv420Bytes(width, height));
  writeYuv420(rgba, { x: 0, y: 0, width, height }, frame, width, height);
  return frame;
}

/** [Y of the top-left pixel, U, V] of the 2×2 block at (x, y). */
function sampleAt(frame: Uint8Array, width: number, height: number, x: number, y: number): number[] {
  const chroma = (y / 2) * (width / 2) + x / 2;
  const plane = width * height;
  return [frame[y * width + x] ?? -1, frame[plane + chroma] ?? -1, frame[plane * 1.25 + chroma] ?? -1];
}

describe('writeYuv420', () => {
  it('gives BT.601 limited-range values for known colours', () => {
    const colours = FFMPEG_BT601_COLOURS;
    const rgba = blocks(16 * colours.length, 8, (bx) => colours[Math.floor(bx / 2)]?.[0] ?? []);
    const frame = convert(rgba, 16 * colours.length, 8);
    colours.forEach(([, want], i) => {
      const got = sampleAt(frame, 16 * colours.length, 8, i * 16 + 4, 4);
      got.forEach((value, c) => expect(Math.abs(value - (want[c] ?? 0)), `${i} ${c}`).toBeLessThanOrEqual(1));
    });
  });

  it("matches ffmpeg's own rgba → yuv420p conversion", async () => {
    const [width, height] = [64, 48];
    // Hashed colours, so every channel takes many values.
    const rgba = blocks(width, height, (bx, by) => {
      const h = Math.imul(bx * 7919 + by * 104729 + 1, 0x9e3779b1) >>> 0;
      return [h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
    });
    const theirs = await ffmpegYuv420(rgba, width, height);
    const ours = convert(rgba, width, height);
    expect(ours.length).toBe(theirs.length);
    // Luma everywhere; chroma in the middle of each 8×8 block only, since ffmpeg's chroma filter reaches a pixel
    // or two beyond the 2×2 block it stands for (into the next block, near an edge). ffmpeg's chroma from rgba
    // is itself up to 1.5 off the exact BT.601 value (its fixed point), so chroma may differ by two.
    for (let y = 0; y < height; y += 2) {
      for (let x = 0; x < width; x += 2) {
        const inside = x % 8 === 4 && y % 8 === 4;
        const [oy, ou, ov] = sampleAt(ours, width, height, x, y);
        const [ty, tu, tv] = sampleAt(theirs, width, height, x, y);
        expect(Math.abs((oy ?? 0) - (ty ?? 0)), `Y at ${x},${y}`).toBeLessThanOrEqual(1);
        if (inside) {
          expect(Math.abs((ou ?? 0) - (tu ?? 0)), `U at ${x},${y}`).toBeLessThanOrEqual(2);
          expect(Math.abs((ov ?? 0) - (tv ?? 0)), `V at ${x},${y}`).toBeLessThanOrEqual(2);
        }
      }
    }
  });

  it('writes only the region it is given, in place', () => {
    const [width, height] = [32, 16];
    const frame = new Uint8Array(yuv420Bytes(width, height)).fill(7);
    const red = blocks(8, 4, () => [255, 0, 0]);
    writeYuv420(red, { x: 10, y: 6, width: 8, height: 4 }, frame, width, height);
    expect(sampleAt(frame, width, height, 10, 6)).toEqual([81, 90, 240]);
    expect(sampleAt(frame, width, height, 16, 8)).toEqual([81, 90, 240]);
    expect(sampleAt(frame, width, height, 8, 6)).toEqual([7, 7, 7]);
    expect(sampleAt(frame, width, height, 18, 6)).toEqual([7, 7, 7]);
    expect(sampleAt(frame, width, height, 10, 10)).toEqual([7, 7, 7]);
    expect(frame.filter((v) => v !== 7).length).toBe(8 * 4 + 2 * 4 * 2);
  });

  it('refuses odd regions, regions outside the frame and short buffers', () => {
    const frame = new Uint8Array(yuv420Bytes(16, 16));
    const pixels = new Uint8Array(16 * 16 * 4);
    expect(() => writeYuv420(pixels, { x: 1, y: 0, width: 8, height: 8 }, frame, 16, 16)).toThrow(/even/);
    expect(() => writeYuv420(pixels, { x: 0, y: 0, width: 7, height: 8 }, frame, 16, 16)).toThrow(/even/);
    expect(() => writeYuv420(pixels, { x: 10, y: 0, width: 8, height: 8 }, frame, 16, 16)).toThrow(/outside/);
    expect(() =>
      writeYuv420(pixels.subarray(4), { x: 0, y: 0, width: 16, height: 16 }, frame, 16, 16),
    ).toThrow(/smaller/);
    expect(() => writeYuv420(pixels, { x: 0, y: 0, width: 8, height: 8 }, frame.subarray(1), 16, 16)).toThrow(
      /smaller/,
    );
  });
});

/** ffmpeg's swscale conversion of the same picture, for comparison. */
function ffmpegYuv420(rgba: Uint8Array, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      [
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgba',
        '-s',
        `${width}x${height}`,
        '-i',
        'pipe:0',
      ].concat(['-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']),
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`)),
    );
    child.stdin.end(rgba);
  });
}
