import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeInstallStamp,
  installStampMatches,
  missingCommands,
  requiredPackages,
  systemPackages,
  type SystemPackage,
} from '../scripts/setup.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dhuman-setup-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entry = (command: string, use: SystemPackage['for'] = 'build'): SystemPackage => ({
  command,
  pkg: `pkg-${command}`,
  for: use,
  why: `needed for ${use}`,
});

/** Writes a file under the temp dir, creating parent directories. */
function put(rel: string, content: string, mode = 0o644): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

describe('missingCommands', () => {
  it('reports commands absent from every PATH directory and not the executable ones', () => {
    put('bin/dhuman-present', '#!/bin/sh\n', 0o755);
    put('bin/dhuman-not-executable', 'data\n', 0o644);
    mkdirSync(path.join(dir, 'bin/dhuman-a-directory'));
    mkdirSync(path.join(dir, 'empty'));
    const pathEnv = [path.join(dir, 'empty'), '', path.join(dir, 'bin')].join(path.delimiter);

    const list = ['dhuman-present', 'dhuman-absent', 'dhuman-not-executable', 'dhuman-a-directory'].map((c) =>
      entry(c),
    );
    expect(missingCommands(list, pathEnv).map((e) => e.command)).toEqual([
      'dhuman-absent',
      'dhuman-not-executable',
      'dhuman-a-directory',
    ]);
  });

  it('reports everything when PATH is empty', () => {
    expect(missingCommands([entry('sh')], '')).toHaveLength(1);
  });
});

describe('requiredPackages', () => {
  const list = [entry('b', 'build'), entry('r', 'run'), entry('t', 'test')];

  it('requires build and run entries for npm start', () => {
    expect(requiredPackages(list, false).map((e) => e.command)).toEqual(['b', 'r']);
  });

  it('also requires test entries with --test', () => {
    expect(requiredPackages(list, true).map((e) => e.command)).toEqual(['b', 'r', 't']);
  });

  it('the real list is well formed', () => {
    expect(systemPackages.length).toBeGreaterThan(0);
    for (const e of systemPackages) {
      expect(['build', 'run', 'test']).toContain(e.for);
      expect(e.command).toMatch(/^[\w.+-]+$/);
      expect(e.pkg).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
      expect(e.why.length).toBeGreaterThan(0);
      if (e.file !== undefined) expect(e.file).toMatch(/^\//);
    }
  });

  it('checks a file entry by the file, not by PATH', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dhuman-setup-file-'));
    const present = path.join(dir, 'model.bin');
    writeFileSync(present, '');
    const entries = [
      { command: 'model.bin', file: present, pkg: 'p', for: 'run' as const, why: 'w' },
      { command: 'gone.bin', file: path.join(dir, 'gone.bin'), pkg: 'q', for: 'run' as const, why: 'w' },
    ];
    expect(missingCommands(entries, '').map((e) => e.command)).toEqual(['gone.bin']);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('install stamp', () => {
  beforeEach(() => {
    put('package.json', '{"name":"root"}');
    put('package-lock.json', '{"lockfileVersion":3}');
    put('packages/a/package.json', '{"name":"a"}');
    put('packages/b/package.json', '{"name":"b"}');
  });

  it('is a stable sha256', () => {
    expect(computeInstallStamp(dir)).toMatch(/^[0-9a-f]{64}$/);
    expect(computeInstallStamp(dir)).toBe(computeInstallStamp(dir));
  });

  it('changes when package-lock.json changes', () => {
    const before = computeInstallStamp(dir);
    put('package-lock.json', '{"lockfileVersion":3,"packages":{}}');
    expect(computeInstallStamp(dir)).not.toBe(before);
  });

  it('changes when a workspace package.json changes or is added', () => {
    const before = computeInstallStamp(dir);
    put('packages/b/package.json', '{"name":"b","dependencies":{"x":"1"}}');
    const afterEdit = computeInstallStamp(dir);
    expect(afterEdit).not.toBe(before);
    put('packages/c/package.json', '{"name":"c"}');
    expect(computeInstallStamp(dir)).not.toBe(afterEdit);
  });

  it('matches only a stamp written for the current files', () => {
    expect(installStampMatches(dir)).toBe(false); // no node_modules yet
    put('node_modules/.dhuman-install-stamp', `${computeInstallStamp(dir)}\n`);
    expect(installStampMatches(dir)).toBe(true);
    put('package-lock.json', '{"lockfileVersion":3,"changed":true}');
    expect(installStampMatches(dir)).toBe(false);
  });

  it('falls back to package.json when there is no lockfile', () => {
    rmSync(path.join(dir, 'package-lock.json'));
    const before = computeInstallStamp(dir);
    put('package.json', '{"name":"root","devDependencies":{"x":"1"}}');
    expect(computeInstallStamp(dir)).not.toBe(before);
  });
});
