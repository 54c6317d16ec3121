import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, Path2D } from '@napi-rs/canvas';
import type { AvatarManifest } from '../format.js';
import { AvatarFormatError, parseAvatarManifest } from '../format.js';
import type { AvatarFrame } from '../renderer.js';
import { AvatarRenderer } from '../renderer.js';
import { unpremultiplyRgba } from '../straight-alpha.js';

/** The built-in avatars' folder (packages/avatar/avatars), from both src/node and dist/node. */
export function builtinAvatarDir(): string {
  return fileURLToPath(new URL('../../avatars', import.meta.url));
}

/** Reads and validates one avatar.json. Throws AvatarFormatError (bad content) or the file system's error. */
export async function loadAvatarFile(path: string): Promise<AvatarManifest> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AvatarFormatError([{ path: '(file)', message: `not JSON: ${(error as Error).message}` }]);
  }
  return parseAvatarManifest(json);
}

/**
 * Loads `<dir>/<key>/avatar.json` for every subfolder. A folder that fails (unreadable, not JSON, not the
 * format, or whose `key` is not its folder name) lands in `errors` and does not stop the others. Sorted by key.
 */
export async function loadAvatarDir(
  dir: string,
): Promise<{ manifests: AvatarManifest[]; errors: { dir: string; message: string }[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const manifests: AvatarManifest[] = [];
  const errors: { dir: string; message: string }[] = [];
  for (const name of folders) {
    const folder = join(dir, name);
    try {
      const manifest = await loadAvatarFile(join(folder, 'avatar.json'));
      if (manifest.key !== name) {
        throw new AvatarFormatError([
          { path: 'key', message: `"${manifest.key}" differs from its folder "${name}"` },
        ]);
      }
      manifests.push(manifest);
    } catch (error) {
      errors.push({ dir: folder, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { manifests, errors };
}

/**
 * Renders one frame and returns its pixels: width×height×4 bytes of RGBA, rows top down, in straight alpha (not
 * premultiplied), like PNG, `ImageData` and ffmpeg's `rgba`, and like the server's render worker hands frames to
 * ffmpeg. Wherever the picture is opaque these are exactly the canvas's own bytes.
 */
export function renderAvatarRgba(
  manifest: AvatarManifest,
  frame: AvatarFrame,
  width: number,
  height: number,
): Uint8Array {
  const canvas = createCanvas(width, height);
  new AvatarRenderer(manifest, { Path2D }).draw(canvas.getContext('2d'), frame, width, height);
  // canvas.data() views Skia's own buffer; copy it out before the canvas goes away.
  const rgba = new Uint8Array(canvas.data());
  unpremultiplyRgba(rgba);
  return rgba;
}

/** Renders one frame as a PNG. */
export async function renderAvatarPng(
  manifest: AvatarManifest,
  frame: AvatarFrame,
  width: number,
  height: number,
): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  new AvatarRenderer(manifest, { Path2D }).draw(canvas.getContext('2d'), frame, width, height);
  return canvas.encode('png');
}
