// Helpers for tests that run real ffmpeg: probing its output, and a local `ffmpeg -listen 1` RTMP receiver.
// Kept out of the build (tsconfig excludes *-test-support.ts); the integration tests import it too.
import { execFile, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probe {
  streams: { codec_type: string; codec_name: string; duration?: string; sample_rate?: string }[];
  format: { duration: string };
}

export async function ffprobe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as Probe;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Waits until something LISTENs on 127.0.0.1:port, from /proc (a probe connection would use up `-listen 1`). */
export async function waitForListen(port: number, timeoutMs: number): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const table = readFileSync('/proc/net/tcp', 'utf8');
    if (table.split('\n').some((line) => line.includes(` ${local} `) && / 0A /.test(line))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Processes whose command line mentions `text` (an output path: only our ffmpeg's would). Linux only. */
export function processesMentioning(text: string): number {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    }).length;
}
