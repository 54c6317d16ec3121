import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AvatarFormatError } from '../format.js';
import {
  builtinAvatarDir,
  loadAvatarDir,
  loadAvatarFile,
  renderAvatarPng,
  renderAvatarRgba,
} from './index.js';

describe('@dhuman/avatar/node', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dhuman-avatars-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds the built-in avatars', async () => {
    const { manifests, errors } = await loadAvatarDir(builtinAvatarDir());
    expect(errors).toEqual([]);
    expect(manifests.map((m) => m.key)).toEqual(['ava', 'leo']);
  });

  it('loads a folder of avatars, reporting a bad one without stopping the others', async () => {
    const ava = await readFile(join(builtinAvatarDir(), 'ava', 'avatar.json'), 'utf8');
    const put = async (folder: string, text: string) => {
      await mkdir(join(dir, folder));
      await writeFile(join(dir, folder, 'avatar.json'), text);
    };
    await put('ava', ava);
    await put('broken', '{ not json');
    await put('wrong', JSON.stringify({ ...(JSON.parse(ava) as object), key: 'wrong', seed: 'x' }));
    await put('mismatch', ava);
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'README.txt'), 'files next to the folders are ignored');

    const { manifests, errors } = await loadAvatarDir(dir);
    expect(manifests.map((m) => m.key)).toEqual(['ava']);
    expect(errors).toEqual([
      { dir: join(dir, 'broken'), message: expect.stringMatching(/^\(file\): not JSON/) },
      { dir: join(dir, 'empty'), message: expect.stringMatching(/ENOENT/) },
      { dir: join(dir, 'mismatch'), message: 'key: "ava" differs from its folder "mismatch"' },
      { dir: join(dir, 'wrong'), message: expect.stringMatching(/^seed: /) },
    ]);
  });

  it('loadAvatarFile throws AvatarFormatError with the JSON path', async () => {
    await writeFile(join(dir, 'avatar.json'), JSON.stringify({ format: 'dhuman-avatar/1' }));
    const error: unknown = await loadAvatarFile(join(dir, 'avatar.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AvatarFormatError);
    expect((error as Error).message).toMatch(/^key: is required/);
  });

  it('renders RGBA bytes and PNG files', async () => {
    const manifest = await loadAvatarFile(join(builtinAvatarDir(), 'leo', 'avatar.json'));
    const rgba = renderAvatarRgba(manifest, { weights: null, timeSec: 0 }, 64, 48);
    expect(rgba).toBeInstanceOf(Uint8Array);
    expect(rgba.length).toBe(64 * 48 * 4);
    expect(rgba[3]).toBe(255);
    const png = await renderAvatarPng(manifest, { weights: null, timeSec: 0 }, 64, 48);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(64);
    expect(png.readUInt32BE(20)).toBe(48);
  });
});
