/**
 * Running ffprobe and ffmpeg on a downloaded remote file. The file's bytes are the customer's, so ffmpeg may only
 * treat it as one of the plain formats we expect: a playlist (HLS, concat, …) could otherwise make ffmpeg open
 * other URLs or other local files, such as another customer's video, and decode them into our output.
 */
import { spawn } from 'node:child_process';
import { fileUrl, inputGuards } from '@dhuman/media';
import { RemoteFileError } from './remote-file.js';

/** Enough of ffprobe's/ffmpeg's stderr to quote the reason, which is its last line. */
const STDERR_KEEP_CHARS = 4_000;
/** A quoted reason is cut here: it ends up in a task's FailMessage. */
const REASON_MAX_CHARS = 200;
/** Demuxers that claim a file by its extension, whatever it holds. */
const BY_NAME_ONLY = new Set(['image2', 'tty', 'bin']);

export interface ToolRun {
  code: number | null;
  stdout: Buffer;
  /** The tail of stderr. */
  stderr: string;
  /** stdout passed `maxStdoutBytes`, so the process was killed and `stdout` holds only that much. */
  overflow: boolean;
}

/**
 * Runs `command` to its end, collecting stdout up to `maxStdoutBytes` (past that it is killed: the output is
 * bounded however the input lies about itself). Aborting kills it (SIGKILL: it only reads a file, there is
 * nothing to finalise) and rejects with the signal's reason. A command that cannot start rejects with an Error.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { maxStdoutBytes: number; signal?: AbortSignal },
): Promise<ToolRun> {
  const { maxStdoutBytes, signal } = options;
  signal?.throwIfAborted();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stdoutBytes = 0;
  let overflow = false;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (overflow) return;
    const room = maxStdoutBytes - stdoutBytes;
    if (chunk.length > room) {
      overflow = true;
      chunks.push(chunk.subarray(0, room));
      stdoutBytes = maxStdoutBytes;
      child.kill('SIGKILL');
      return;
    }
    chunks.push(chunk);
    stdoutBytes += chunk.length;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP_CHARS);
  });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => {
        // A failed spawn (no 'close' follows); a failed kill also lands here but the process is gone then.
        if (child.pid === undefined) reject(new Error(`could not start ${command}: ${error.message}`));
      });
      child.once('close', (exitCode) => resolve(exitCode));
    });
    signal?.throwIfAborted();
    return { code, stdout: Buffer.concat(chunks, stdoutBytes), stderr, overflow };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export interface ProbeOptions {
  signal?: AbortSignal;
  ffprobeCommand?: string;
}

/** ffprobe's JSON is small (one entry per stream); a file with thousands of streams is not an input we want. */
const PROBE_MAX_BYTES = 1_000_000;

/**
 * ffprobe's JSON about `path` (what `showArgs` asks for), opened only with `demuxers`, and the tail of its stderr
 * (warnings). RemoteFileError('bad-content') when ffprobe cannot read it, quoting ffprobe's reason; `what` names
 * the input in messages.
 */
export async function probeFile(
  path: string,
  what: string,
  demuxers: readonly string[],
  showArgs: readonly string[],
  options: ProbeOptions,
): Promise<{ json: unknown; stderr: string }> {
  const args = ['-v', 'error', ...inputGuards(demuxers), ...showArgs, '-of', 'json', fileUrl(path)];
  const run = await runTool(options.ffprobeCommand ?? 'ffprobe', args, {
    maxStdoutBytes: PROBE_MAX_BYTES,
    signal: options.signal,
  });
  if (run.overflow)
    throw new RemoteFileError('bad-content', `${what} has too many streams to be a plain file`);
  if (run.code !== 0) {
    throw new RemoteFileError('bad-content', `${what} cannot be read: ${toolReason(run.stderr, path)}`);
  }
  try {
    return { json: JSON.parse(run.stdout.toString('utf8')) as unknown, stderr: run.stderr };
  } catch {
    throw new Error(`ffprobe printed no JSON for ${what}`);
  }
}

/**
 * The reason a tool gives, fit to show a customer: its last two stderr lines (the last is often a bare "Invalid
 * argument" after the demuxer's own explanation) without the local path (ours is nobody's business), on one
 * line, cut to REASON_MAX_CHARS.
 */
export function toolReason(stderr: string, path: string): string {
  // A demuxer outside the whitelist recognised the file: say what it is rather than quote our whitelist, unless
  // that demuxer goes by the file name alone (a text file called x.png is not "image2").
  const refused = /\[(\w+) @ 0x[0-9a-f]+\] Format not on whitelist/.exec(stderr)?.[1];
  if (refused !== undefined) {
    return BY_NAME_ONLY.has(refused)
      ? 'it is not in an accepted format'
      : `its format (${refused}) is not accepted`;
  }
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => tidyLine(line, path))
    .filter((line) => line !== '');
  const text = [...new Set(lines.slice(-2))].join('; ') || 'no reason given';
  return text.length > REASON_MAX_CHARS ? `${text.slice(0, REASON_MAX_CHARS)}…` : text;
}

function tidyLine(line: string, path: string): string {
  return line
    .split(fileUrl(path))
    .join('the file')
    .split(path)
    .join('the file')
    .replace(/\[(\w+) @ 0x[0-9a-f]+\]\s*/g, '$1: ')
    .replace(/^the file:\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
