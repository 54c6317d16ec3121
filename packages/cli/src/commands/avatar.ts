import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AvatarFormatError, type AvatarManifest } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarDir, loadAvatarFile, renderAvatarPng } from '@dhuman/avatar/node';
import { VISEMES, type Viseme } from '@dhuman/core';
import { visemePose } from '@dhuman/speech';
import { dataDirOf } from '../local-store.js';

interface RenderFlags {
  out: string;
  size: string;
  viseme?: string;
  weight: string;
  time: string;
  dataDir?: string;
}

const MAX_SIZE = 4096;

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * `ref` as a file (`x.json`), a folder holding avatar.json, or a key: first `<data dir>/avatars/<key>/`, then the
 * built-ins.
 */
async function resolveAvatar(ref: string, dataDir: string | undefined): Promise<string> {
  if (await isFile(ref)) return ref;
  if (await isDirectory(ref)) return join(ref, 'avatar.json');
  if (/^[a-z0-9][a-z0-9_-]{0,63}$/.test(ref)) {
    const own = join(dataDirOf(dataDir), 'avatars', ref, 'avatar.json');
    if (await isFile(own)) return own;
    const builtin = join(builtinAvatarDir(), ref, 'avatar.json');
    if (await isFile(builtin)) return builtin;
    const { manifests } = await loadAvatarDir(builtinAvatarDir());
    throw new Error(`no avatar ${ref} (built-in: ${manifests.map((m) => m.key).join(', ')}; or give a path)`);
  }
  throw new Error(`no such file: ${ref}`);
}

function numberFlag(value: string, flag: string, min: number, max: number, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

async function render(ref: string, flags: RenderFlags): Promise<void> {
  const size = numberFlag(flags.size, '--size', 16, MAX_SIZE, true);
  const weight = numberFlag(flags.weight, '--weight', 0, 1);
  const timeSec = numberFlag(flags.time, '--time', 0, 1e6);
  if (flags.viseme !== undefined && !(VISEMES as readonly string[]).includes(flags.viseme)) {
    throw new Error(`--viseme must be one of ${VISEMES.join(', ')}`);
  }
  const path = await resolveAvatar(ref, flags.dataDir);
  const manifest: AvatarManifest = await loadAvatarFile(path).catch((error: unknown) => {
    if (error instanceof AvatarFormatError) throw new Error(`${path}: ${error.message}`);
    throw error;
  });
  const weights = flags.viseme === undefined ? null : visemePose(flags.viseme as Viseme, weight);
  await writeFile(flags.out, await renderAvatarPng(manifest, { weights, timeSec }, size, size));
  process.stdout.write(
    `${flags.out}: ${manifest.name} (${manifest.key}), ${size}×${size}, ` +
      `${flags.viseme ?? 'rest'}, t=${timeSec}s\n`,
  );
}

/** Every problem of one avatar.json, each with its JSON path; [] when it is valid. */
async function problemsOf(file: string): Promise<string[]> {
  try {
    await loadAvatarFile(file);
    return [];
  } catch (error) {
    if (error instanceof AvatarFormatError) {
      return error.issues.map((issue) => `${file}: ${issue.path}: ${issue.message}`);
    }
    return [`${file}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/** Validates one avatar.json, or every <key>/avatar.json of a folder; prints each problem with its JSON path. */
async function check(path: string): Promise<void> {
  const ok: string[] = [];
  const problems: string[] = [];
  if ((await isDirectory(path)) && !(await isFile(join(path, 'avatar.json')))) {
    const { manifests, errors } = await loadAvatarDir(path);
    ok.push(...manifests.map((m) => `${join(path, m.key, 'avatar.json')}: ok (${m.name})`));
    for (const error of errors) {
      const file = join(error.dir, 'avatar.json');
      const found = await problemsOf(file);
      // A valid file can still fail in a folder (its key differs from the folder's name).
      problems.push(...(found.length > 0 ? found : [`${file}: ${error.message}`]));
    }
  } else {
    const file = (await isDirectory(path)) ? join(path, 'avatar.json') : path;
    const found = await problemsOf(file);
    if (found.length === 0) ok.push(`${file}: ok`);
    problems.push(...found);
  }
  for (const line of ok) process.stdout.write(`${line}\n`);
  for (const line of problems) process.stderr.write(`${line}\n`);
  if (ok.length === 0 && problems.length === 0) throw new Error(`no avatars in ${path}`);
  if (problems.length > 0) process.exitCode = 1;
}

export function registerAvatar(program: Command): void {
  const avatar = program
    .command('avatar')
    .description('preview and check 2D avatars (docs/reference/avatar-format.md)');

  avatar
    .command('render <avatar>')
    .description(
      'render one frame of an avatar to a PNG: a key (from <data dir>/avatars/ or the built-ins ava, leo), ' +
        'an avatar.json, or its folder',
    )
    .requiredOption('--out <file.png>', 'where to write the PNG')
    .option('--size <px>', 'width and height in pixels', '512')
    .option('--viseme <name>', `mouth pose (${VISEMES.join(' ')}); default the rest pose`)
    .option('--weight <0..1>', 'strength of --viseme', '1')
    .option('--time <seconds>', 'time for idle motion and blinks', '0')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((ref: string, flags: RenderFlags) => render(ref, flags));

  avatar
    .command('check <path>')
    .description(
      'validate an avatar.json, or every <key>/avatar.json in a folder; prints each problem with its JSON path ' +
        'and exits 1 if there is one',
    )
    .action((path: string) => check(path));
}
