import { rm } from 'node:fs/promises';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { runFfmpeg } from '@dhuman/media';

/**
 * Encodes mono PCM (SESSION_SAMPLE_RATE) to an MP3 file with an ffmpeg child (libmp3lame, 64 kbit/s: speech).
 * Abort kills ffmpeg; any failure removes the partial file.
 */
export async function writeMp3(
  pcm: Int16Array,
  path: string,
  options: { signal?: AbortSignal; ffmpegCommand?: string } = {},
): Promise<void> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  args.push('-f', 's16le', '-ar', String(SESSION_SAMPLE_RATE), '-ac', '1', '-i', 'pipe:0');
  args.push('-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', path);
  try {
    await runFfmpeg(args, {
      input: new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      ...(options.signal && { signal: options.signal }),
      ...(options.ffmpegCommand !== undefined && { command: options.ffmpegCommand }),
    });
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
