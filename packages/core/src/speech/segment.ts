import type { WordTiming } from './types.js';
import type { VisemeEvent } from './visemes.js';

// The internal channel list lives next to the wire's ThFeat order (THFEAT_CHANNELS) in the protocol package.
export { BLENDSHAPE_NAMES, type BlendshapeName } from '@dhuman/protocol';

/** Face pose at `timeMs` (a multiple of BLENDSHAPE_FRAME_MS from the utterance start). */
export interface BlendshapeFrame {
  timeMs: number;
  weights: Float32Array;
}

/** A gesture requested by `<insert-action type="…"/>`, due at `timeMs`. */
export interface ActionMark {
  timeMs: number;
  action: string;
}

/**
 * A piece of an utterance ready to play: audio at SESSION_SAMPLE_RATE plus everything timed against it. All
 * times are ms from the start of the utterance; `startMs` is where `pcm` begins, and segments of one utterance
 * follow each other without gaps (a pause is a segment of silence).
 */
export interface SpeechSegment {
  startMs: number;
  pcm: Int16Array;
  visemes: VisemeEvent[];
  blendshapes: BlendshapeFrame[];
  /** `textOffset` indexes the utterance's original input text (before SSML parsing). */
  words: WordTiming[];
  actions: ActionMark[];
}
