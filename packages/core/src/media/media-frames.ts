import type { ActionMark, BlendshapeFrame } from '../speech/segment.js';
import type { WordTiming } from '../speech/types.js';
import type { VisemeEvent } from '../speech/visemes.js';

/**
 * What a session's playout publishes to its outputs, in play order. `pts` is ms on the session's media
 * timeline (the media clock, origin = session start), the time at which the frame is being played. Every
 * frame names its utterance; after an utterance is interrupted none of its frames follow.
 */
export type MediaFrame =
  | { kind: 'audio'; utteranceId: string; pts: number; pcm: Int16Array }
  | { kind: 'viseme'; utteranceId: string; pts: number; event: VisemeEvent }
  | { kind: 'blendshape'; utteranceId: string; pts: number; frame: BlendshapeFrame }
  | { kind: 'word'; utteranceId: string; pts: number; word: WordTiming }
  | { kind: 'action'; utteranceId: string; pts: number; action: ActionMark }
  | { kind: 'utterance-start'; utteranceId: string; pts: number; reqId?: string }
  | { kind: 'utterance-end'; utteranceId: string; pts: number; interrupted: boolean; reqId?: string };

export type MediaFrameKind = MediaFrame['kind'];
