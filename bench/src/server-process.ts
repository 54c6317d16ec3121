import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Runs `dhuman serve` as a child process, the way operators run it, so the bench measures the real start-up
 * path, config and logging rather than an in-process app that shares the load generator's event loop.
 */

/** The committed CLI entry, relative to bench/dist/ (its dist/ must be built: `npm run build`). */
const CLI = fileURLToPath(new URL('../../packages/cli/bin/dhuman.js', import.meta.url));
/** The banner's one plain-text line among the pino JSON lines on stdout. */
const BANNER = /^dhuman \S+ listening on (https?:\/\/\S+)\s*$/;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 20;

export interface ServerOptions {
  /** Added to the inherited environment (credential, quota, ...). */
  env?: Readonly<Record<string, string>>;
  /** Node flags for the child, e.g. `--cpu-prof` when profiling by hand. */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}

export interface ServerProcess {
  /** Base URL from the banner, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The child's pid, for CPU accounting. */
  pid: number | undefined;
  /** Its temporary data dir (a bench may add projects to it with the CLI). */
  dataDir: string;
  /** SIGTERM (SIGKILL after a grace period), then removes the temp data dir. Safe to call twice. */
  stop(): Promise<void>;
}

interface Live {
  child: ChildProcess;
  dataDir: string;
}

/**
 * Children still running. The bench may end by an exception or Ctrl-C (run.ts exits on SIGINT) before a
 * `finally` gets to `stop()`; this last-chance hook must be synchronous, so it SIGKILLs and removes the dirs.
 */
const live = new Set<Live>();
process.on('exit', () => {
  for (const { child, dataDir } of live) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dhuman-bench-'));
  const args = ['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry: Live = { child, dataDir };
  live.add(entry);

  // 'error' (spawn failed) may come without 'exit'; either one means there is nothing left to wait for.
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });

  // Both pipes are read until the end: a child blocks once a pipe's buffer is full, and the last lines explain
  // a failed start.
  const tail: string[] = [];
  let onLine: (line: string) => void = () => {};
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(line);
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && !spawnError) {
        child.kill('SIGTERM');
        const timer = new Promise<'timeout'>((resolve) =>
          setTimeout(resolve, STOP_GRACE_MS, 'timeout').unref(),
        );
        if ((await Promise.race([exited, timer])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      live.delete(entry);
      await rm(dataDir, { recursive: true, force: true });
    })());

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within ${timeoutMs} ms`)), timeoutMs);
      onLine = (line) => {
        const match = BANNER.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      void exited.then(() => {
        clearTimeout(timer);
        const why = spawnError?.message ?? `exit code ${child.exitCode ?? child.signalCode}`;
        reject(new Error(`server stopped before listening (${why})`));
      });
    });
    onLine = () => {};
    return { url, pid: child.pid, dataDir, stop };
  } catch (error) {
    await stop();
    const output = tail.length > 0 ? `; its last output:\n${tail.join('\n')}` : '';
    throw new Error(`${(error as Error).message}${output}`, { cause: error });
  }
}
