// One-command setup, run before `npm start`, `npm test` (with --test) and `npm run bench`, so that a fresh
// clone needs nothing but Node 20 and Debian:
//   1. system packages: install the missing ones (as root), or print the apt-get line to run;
//   2. npm packages: `npm ci` unless node_modules already matches package-lock.json;
//   3. build: `npm run build` (tsc -b is incremental, so this is cheap when nothing changed).
// It runs before node_modules exists, so it may only import node: builtins.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { systemPackages } from './system-packages.mjs';

/** @typedef {import('./system-packages.mjs').SystemPackage} SystemPackage */

export { systemPackages };

/** Repository root, whatever the caller's cwd. */
export const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const STAMP_FILE = path.join('node_modules', '.dhuman-install-stamp');

/** A failure we can explain in one message; anything else is a bug and keeps its stack trace. */
class SetupError extends Error {}

/** @param {string} message */
const log = (message) => process.stderr.write(`[setup] ${message}\n`);

/**
 * Entries needed by `npm start` ('build' and 'run'), plus the 'test' ones with --test.
 * @param {readonly SystemPackage[]} list
 * @param {boolean} withTest
 * @returns {SystemPackage[]}
 */
export function requiredPackages(list, withTest) {
  return list.filter((entry) => entry.for !== 'test' || withTest);
}

/**
 * Path of an executable file named `command` in one of the PATH directories. Scans PATH itself because
 * `which` is not guaranteed to exist on a minimal image.
 * @param {string} command
 * @param {string} [pathEnv]
 * @returns {string | undefined}
 */
export function findOnPath(command, pathEnv = process.env.PATH ?? '') {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue; // an empty entry means "cwd", which says nothing about the system
    const file = path.join(dir, command);
    try {
      if (!statSync(file).isFile()) continue; // statSync follows symlinks such as /usr/bin/g++ -> g++-12
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // absent or not executable: try the next directory
    }
  }
  return undefined;
}

/**
 * The entries of `list` that are missing: whose `file` does not exist, or (without one) whose command is not
 * on PATH.
 * @param {readonly SystemPackage[]} list
 * @param {string} [pathEnv]
 * @returns {SystemPackage[]}
 */
export function missingCommands(list, pathEnv = process.env.PATH ?? '') {
  return list.filter((entry) =>
    entry.file ? !existsSync(entry.file) : findOnPath(entry.command, pathEnv) === undefined,
  );
}

/**
 * sha256 over everything that decides what `npm ci` puts in node_modules: the lockfile (or package.json when
 * there is none) and every workspace package.json, plus the Node ABI, because better-sqlite3 is a native
 * addon that must be rebuilt when the Node major version changes.
 * @param {string} root
 * @returns {string}
 */
export function computeInstallStamp(root) {
  const hash = createHash('sha256');
  hash.update(`node-abi ${process.versions.modules} ${process.platform}-${process.arch}\n`);
  const manifest = existsSync(path.join(root, 'package-lock.json')) ? 'package-lock.json' : 'package.json';
  for (const file of [manifest, ...workspaceManifests(root)]) {
    const content = readFileSync(path.join(root, file));
    hash.update(`${file} ${content.length}\n`).update(content);
  }
  return hash.digest('hex');
}

/** @param {string} root */
function workspaceManifests(root) {
  const packagesDir = path.join(root, 'packages');
  if (!existsSync(packagesDir)) return [];
  return readdirSync(packagesDir)
    .sort()
    .map((name) => `packages/${name}/package.json`)
    .filter((file) => existsSync(path.join(root, file)));
}

/**
 * Whether node_modules was installed from the current lockfile and manifests.
 * @param {string} root
 * @returns {boolean}
 */
export function installStampMatches(root) {
  let stamp;
  try {
    stamp = readFileSync(path.join(root, STAMP_FILE), 'utf8').trim();
  } catch {
    return false; // no node_modules, or installed by something other than this script
  }
  return stamp === computeInstallStamp(root);
}

/**
 * Runs a command from the repo root with inherited stdio; throws if it does not exit 0.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  const shown = [command, ...args].join(' ');
  if (result.error) throw new SetupError(`could not start \`${shown}\`: ${result.error.message}`);
  if (result.status !== 0) {
    throw new SetupError(`\`${shown}\` failed (${result.signal ?? `exit code ${result.status}`})`);
  }
}

/** @param {boolean} withTest */
function ensureSystemPackages(withTest) {
  const missing = missingCommands(requiredPackages(systemPackages, withTest));
  if (missing.length === 0) {
    log('system packages present');
    return;
  }
  const pkgs = [...new Set(missing.map((entry) => entry.pkg))];
  // One reason per group of commands: "python3, make, g++ (node-gyp compiles ...), openssl (...)".
  /** @type {Map<string, string[]>} */
  const commandsByWhy = new Map();
  for (const e of missing) commandsByWhy.set(e.why, [...(commandsByWhy.get(e.why) ?? []), e.command]);
  const reasons = [...commandsByWhy].map(([why, commands]) => `${commands.join(', ')} (${why})`).join(', ');
  if (process.getuid?.() === 0 && findOnPath('apt-get')) {
    // Root on Debian (CI, containers): just install them.
    log(`installing ${pkgs.join(' ')}: missing ${reasons}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], env);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], env);
    const still = missingCommands(missing);
    if (still.length > 0) {
      throw new SetupError(`still missing after apt-get install: ${still.map((e) => e.command).join(', ')}`);
    }
    return;
  }
  // Not root: never sudo on the user's behalf, tell them the one command to run.
  throw new SetupError(
    `missing ${reasons}. Install them (Debian/Ubuntu) and re-run:\nsudo apt-get install -y ${pkgs.join(' ')}`,
  );
}

function ensureNpmPackages() {
  if (installStampMatches(repoRoot)) {
    log('npm packages up to date');
    return;
  }
  const hasLock = existsSync(path.join(repoRoot, 'package-lock.json'));
  log(hasLock ? 'installing npm packages (npm ci)' : 'no package-lock.json, running npm install');
  // node-gyp would download Node's headers from nodejs.org to compile better-sqlite3; Node installs
  // (NodeSource .deb, official tarballs) already ship them under <prefix>/include/node.
  const env = { ...process.env };
  const nodePrefix = path.dirname(path.dirname(process.execPath));
  const hasNodedir = env.npm_config_nodedir || env.NPM_CONFIG_NODEDIR;
  if (!hasNodedir && existsSync(path.join(nodePrefix, 'include', 'node', 'common.gypi'))) {
    env.npm_config_nodedir = nodePrefix;
  }
  run('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'], env);
  // Computed after installing: `npm install` may just have created the lockfile.
  writeFileSync(path.join(repoRoot, STAMP_FILE), `${computeInstallStamp(repoRoot)}\n`);
}

/** @param {string[]} argv */
function main(argv) {
  const unknown = argv.filter((arg) => arg !== '--test');
  if (unknown.length > 0) {
    throw new SetupError(`unknown argument ${unknown.join(' ')} (only --test is accepted)`);
  }
  ensureSystemPackages(argv.includes('--test'));
  ensureNpmPackages();
  log('building (npm run build)');
  run('npm', ['run', 'build']);
}

/** True when run as `node scripts/setup.mjs`, false when imported (by tests). */
function isMain() {
  try {
    // Node resolves symlinks in the main module's URL, so compare against the real path of argv[1].
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    log(`failed: ${error.message}`);
    process.exitCode = 1;
  }
}
