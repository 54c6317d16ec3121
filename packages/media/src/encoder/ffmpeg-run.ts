import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FfmpegEncoderError } from './encoder-error.js';
import { StderrRing } from './stderr-ring.js';

export interface FfmpegRunOptions {
  /** The ffmpeg binary; default `ffmpeg` on PATH. */
  command?: string;
  /** Aborting kills ffmpeg (SIGKILL: the caller discards the output) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the number of frames ffmpeg has written so far, a few times a second. */
  onFrame?: (frames: number) => void;
  /** Bytes fed to ffmpeg's stdin (an input given as `pipe:0`), written whole and then closed. */
  input?: Uint8Array;
}

/** How often ffmpeg reports progress: often enough for a progress bar throttled to 100 ms, cheap for ffmpeg. */
const PROGRESS_PERIOD_SEC = '0.2';

/**
 * Runs one ffmpeg command that reads and writes files (or reads `input` from stdin) to its end. Progress comes from
 * ffmpeg's own `-progress` report on stdout (`frame=N` lines), added before `args`. Resolves when ffmpeg exits
 * 0; rejects with a {@link FfmpegEncoderError} (`spawn_failed`, `exited`, `killed`) carrying its last stderr
 * lines, or with the abort reason once the killed process has exited (so the caller may remove its output).
 */
export async function runFfmpeg(args: readonly string[], options: FfmpegRunOptions = {}): Promise<void> {
  const { signal, onFrame, input } = options;
  const command = options.command ?? 'ffmpeg';
  signal?.throwIfAborted();
  const progress = onFrame ? ['-progress', 'pipe:1', '-stats_period', PROGRESS_PERIOD_SEC] : [];
  const child = spawn(command, [...progress, ...args], {
    stdio: [input ? 'pipe' : 'ignore', onFrame ? 'pipe' : 'ignore', 'pipe'],
  });
  if (input && child.stdin) {
    // If ffmpeg dies early its stdin closes (EPIPE): the exit below reports that, with ffmpeg's own reason.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  }
  const ring = new StderrRing();
  const stderr = child.stderr as Readable;
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => ring.push(text));
  if (onFrame) readProgress(child.stdout as Readable, onFrame);
  const onAbort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  let exit: Exit;
  try {
    exit = await exitOf(child);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
  if (exit.spawnError) {
    throw new FfmpegEncoderError('spawn_failed', `could not start ${command}`, { cause: exit.spawnError });
  }
  const stderrLines = ring.snapshot();
  if (exit.signal !== null) {
    throw new FfmpegEncoderError('killed', `ffmpeg was killed by ${exit.signal}`, {
      signal: exit.signal,
      stderr: stderrLines,
    });
  }
  if (exit.code !== 0) {
    throw new FfmpegEncoderError('exited', `ffmpeg exited with code ${exit.code}`, {
      exitCode: exit.code,
      stderr: stderrLines,
    });
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

/** How the child ended: its exit, or the error that kept it from starting (then no 'close' may follow). */
function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.on('error', (error) => {
      // Also emitted for a failed kill of a process already gone: harmless, its 'close' comes as usual.
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Calls `onFrame` for each `frame=N` line of ffmpeg's `-progress` report. */
function readProgress(stdout: Readable, onFrame: (frames: number) => void): void {
  let partial = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const frame = /^frame=(\d+)/.exec(line.trim());
      if (frame) onFrame(Number(frame[1]));
    }
  });
}
