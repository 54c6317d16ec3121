/**
 * Recorded speech (a video job's OriginalVoice audio) as the segments a TTS utterance would give, lip-synced from
 * the audio alone.
 */
import type { SpeechSegment } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { applyGain } from '../audio/pcm.js';
import { SegmentAssembler } from '../render/segment-assembler.js';
import { AudioVisemeEstimator } from './audio-estimator.js';

/** Segment length when none is asked for: the whole audio is known, so this only sets the pieces' size. */
const DEFAULT_SEGMENT_MS = 1_000;

export interface AudioSpeechOptions {
  /** IVH's −10..10 gain scale, 0 = unchanged (see `volumeGain`). */
  volume?: number;
  /** Length of each segment but the last; default 1000 ms. */
  segmentMs?: number;
}

/**
 * One utterance of recorded speech (mono PCM at SESSION_SAMPLE_RATE) as SpeechSegments back to back from 0 ms:
 * the audio at `volume`, visemes from the AudioVisemeEstimator and blendshape frames every BLENDSHAPE_FRAME_MS;
 * words and actions are empty (there is no transcript). The last segment may be empty, carrying the closed
 * mouth at the end. Segments' `pcm` may be views of `pcm` itself (when the gain is 1).
 */
export function speechFromAudio(pcm: Int16Array, options: AudioSpeechOptions = {}): SpeechSegment[] {
  const segmentMs = options.segmentMs ?? DEFAULT_SEGMENT_MS;
  if (!Number.isFinite(segmentMs) || segmentMs <= 0) throw new RangeError(`bad segmentMs ${segmentMs}`);
  const segmentSamples = Math.max(1, Math.round((segmentMs * SESSION_SAMPLE_RATE) / 1000));
  const audio = applyGain(pcm, options.volume ?? 0);

  // The estimator runs over the whole audio first: a viseme is confirmed up to 20 ms after it starts, which in
  // a stream can land in the next segment, after the frames that should have shown it were computed. Given all
  // of them up front the assembler's frames match a single pass, however the audio is cut.
  const track = new AudioVisemeEstimator().start();
  const assembler = new SegmentAssembler();
  assembler.addVisemes([...track.push(audio), ...track.end()]);

  const segments: SpeechSegment[] = [];
  for (let at = 0; at < audio.length; at += segmentSamples) {
    segments.push(assembler.segment(audio.subarray(at, at + segmentSamples)));
  }
  const last = assembler.finish();
  if (last) segments.push(last);
  return segments;
}
