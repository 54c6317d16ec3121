import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A question spoken by Debian's flite (voice slt), as 16 kHz mono s16le: the visitor of the conversation
 * benchmark. pocketsphinx reads flite's voices well and espeak's badly (components.md), hence flite.
 */
export async function spokenQuestion(text: string): Promise<Int16Array> {
  const dir = await mkdtemp(join(tmpdir(), 'dhuman-flite-'));
  try {
    const wav = join(dir, 'q.wav');
    await run('flite', ['-voice', 'slt', '-t', text, '-o', wav]);
    return pcmOfWav(await readFile(wav));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The samples of a 16-bit mono WAV; throws unless it is 16 kHz (what flite's slt voice writes). */
function pcmOfWav(wav: Buffer): Int16Array {
  let at = 12;
  let rate = 0;
  while (at + 8 <= wav.length) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = wav.readUInt32LE(at + 12);
    if (id === 'data') {
      if (rate !== 16_000) throw new Error(`flite wrote ${rate} Hz, expected 16000`);
      const bytes = wav.subarray(at + 8, at + 8 + Math.min(size, wav.length - at - 8));
      return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in the WAV flite wrote');
}

/** Index just after the last sample louder than `threshold`: where the speech ends. */
export function speechEnd(pcm: Int16Array, threshold = 500): number {
  for (let i = pcm.length - 1; i >= 0; i--) if (Math.abs(pcm[i]!) > threshold) return i + 1;
  return 0;
}
