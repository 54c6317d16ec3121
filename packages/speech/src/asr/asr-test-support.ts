// Helpers for speech-recognition tests. Kept out of the build (files ending in -test-support.ts); the
// integration round-trip tests import it too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASR_SAMPLE_RATE } from '@dhuman/core';
import { parseWav } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';

/** Debian flite's voices. kal is 8 kHz (resampled here); the others are 16 kHz. slt is the clearest for ASR. */
export type FliteVoice = 'slt' | 'kal' | 'kal16' | 'awb' | 'rms';

/**
 * `text` spoken by Debian `flite` as 16 kHz mono samples. Tests use flite (or another classic TTS), not espeak:
 * pocketsphinx cannot read espeak's formant voice. Synchronous; about 15 ms per second of speech with slt.
 */
export function fliteSpeech(text: string, voice: FliteVoice = 'slt'): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'dhuman-flite-'));
  try {
    const file = join(dir, 'speech.wav');
    // Arguments, not a shell: the text needs no quoting.
    execFileSync('flite', ['-voice', voice, '-t', text, '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const { pcm, sampleRate } = parseWav(readFileSync(file));
    return sampleRate === ASR_SAMPLE_RATE ? pcm : resample(pcm, sampleRate, ASR_SAMPLE_RATE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ms` of digital silence at 16 kHz. */
export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms * ASR_SAMPLE_RATE) / 1000));
}

/** The arrays one after another. */
export function concatPcm(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `pcm` cut into pieces of `samples` (the last may be shorter). */
export function chunks(pcm: Int16Array, samples: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < pcm.length; i += samples) out.push(pcm.subarray(i, i + samples));
  return out;
}

/** Lower-case words without punctuation (apostrophes kept: "o'clock", "what's"). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/**
 * Word error rate: word-level edit distance (substitutions, insertions, deletions) over the number of reference
 * words, after `words()` normalisation. An empty reference gives 0 for an empty hypothesis and 1 otherwise.
 */
export function wer(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  // One row of the edit-distance table at a time.
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return (previous[hyp.length] ?? 0) / ref.length;
}
