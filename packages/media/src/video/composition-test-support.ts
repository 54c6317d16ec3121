// Helpers for the composition and clip tests: pictures made with ffmpeg, frames decoded to RGBA, pixel checks.
// Test code only (tsconfig excludes *-test-support.ts from the build).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes a still picture drawn by an ffmpeg lavfi source graph (e.g. `color=c=red:s=40x20`) to `path`. */
export async function makeImage(path: string, source: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', source, '-frames:v', '1', '-y', path]);
}

/** One width×height frame of `path` at `atSec`, as RGBA; `decoder` forces one (libvpx-vp9 keeps VP9's alpha). */
export async function frameAt(
  path: string,
  atSec: number,
  width: number,
  height: number,
  decoder?: string,
): Promise<Uint8Array> {
  const args = [...(decoder ? ['-c:v', decoder] : []), '-i', path, '-ss', String(atSec), '-frames:v', '1'];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    {
      encoding: 'buffer',
      maxBuffer: width * height * 4 + 1024,
    },
  );
  return new Uint8Array(stdout);
}

export type Rgba = [number, number, number, number];

export function pixelAt(rgba: Uint8Array, width: number, x: number, y: number): Rgba {
  const i = (Math.round(y) * width + Math.round(x)) * 4;
  return [rgba[i] ?? -1, rgba[i + 1] ?? -1, rgba[i + 2] ?? -1, rgba[i + 3] ?? -1];
}

/** Whether `pixel`'s colour is within `tolerance` (summed over R, G, B) of `#rrggbb`. */
export function near(pixel: Rgba, color: string, tolerance = 40): boolean {
  const want = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  return want.reduce((sum, value, i) => sum + Math.abs(value - (pixel[i] ?? 0)), 0) <= tolerance;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The smallest box around the pixels of rows [fromY, toY) for which `keep` holds; undefined when none does. */
export function boundingBox(
  rgba: Uint8Array,
  width: number,
  fromY: number,
  toY: number,
  keep: (pixel: Rgba) => boolean,
): Box | undefined {
  let box: Box | undefined;
  for (let y = fromY; y < toY; y++) {
    for (let x = 0; x < width; x++) {
      if (!keep(pixelAt(rgba, width, x, y))) continue;
      box = box
        ? {
            left: Math.min(box.left, x),
            top: Math.min(box.top, y),
            right: Math.max(box.right, x),
            bottom: Math.max(box.bottom, y),
          }
        : { left: x, top: y, right: x, bottom: y };
    }
  }
  return box;
}

/** How many pixels of rows [fromY, toY) satisfy `keep`. */
export function countPixels(
  rgba: Uint8Array,
  width: number,
  fromY: number,
  toY: number,
  keep: (pixel: Rgba) => boolean,
): number {
  let count = 0;
  for (let y = fromY; y < toY; y++) {
    for (let x = 0; x < width; x++) if (keep(pixelAt(rgba, width, x, y))) count++;
  }
  return count;
}
