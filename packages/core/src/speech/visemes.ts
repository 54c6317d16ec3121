/**
 * The 15 Oculus-style visemes every lip-sync source produces and every renderer draws. `sil` is the closed,
 * resting mouth.
 */
export const VISEMES = [
  'sil',
  'PP',
  'FF',
  'TH',
  'DD',
  'kk',
  'CH',
  'SS',
  'nn',
  'RR',
  'aa',
  'E',
  'ih',
  'oh',
  'ou',
] as const;

export type Viseme = (typeof VISEMES)[number];

/** A viseme that starts at `timeMs` (from the start of its utterance) and holds until the next one. */
export interface VisemeEvent {
  timeMs: number;
  viseme: Viseme;
  /** How open/strong the shape is, 0..1 (1 for phoneme-derived visemes; estimated from loudness otherwise). */
  weight: number;
}

export { BLENDSHAPE_FRAME_MS } from '@dhuman/protocol';
