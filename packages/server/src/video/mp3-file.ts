import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';

/** ffmpeg's last lines are enough to say why it failed; the rest is its banner. */
const STDERR_KEEP = 2_000;

/**
 * Encodes mono PCM (SESSION_SAMPLE_RATE) to an MP3 file with the ffmpeg child (libmp3lame, 64 kbit/s: speech).
 * Abort kills ffmpeg; any failure removes the partial file.
 */
export async function writeMp3(
  pcm: Int16Array,
  path: string,
  options: { signal?: AbortSignal; ffmpegCommand?: string } = {},
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  args.push('-f', 's16le', '-ar', String(SESSION_SAMPLE_RATE), '-ac', '1', '-i', 'pipe:0');
  args.push('-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', path);
  const child = spawn(options.ffmpegCommand ?? 'ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEEP)));
  const onAbort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    // A closed stdin (ffmpeg died) is reported by the exit below, with ffmpeg's own reason.
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const code = await exit;
    signal?.throwIfAborted();
    if (code !== 0) throw new Error(`ffmpeg could not write the MP3 (exit ${code}): ${stderr.trim()}`);
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
