import {
  BLENDSHAPE_FRAME_MS,
  BLENDSHAPE_NAMES,
  CLIENT_RENDER_SAMPLE_RATE,
  THFEAT_DIM,
  THFEAT_INDEX_OF_BLENDSHAPE,
} from '@dhuman/protocol';
import type { PlaybackPosition } from './audio-scheduler.js';

/** Maps a context time to the sample of whichever utterance plays then (the audio scheduler does). */
export interface PlaybackMap {
  positionAt(time: number): PlaybackPosition | null;
}

const CHANNELS = BLENDSHAPE_NAMES.length;

/** Where each internal channel sits in a ThFeat frame of `thDim` values (-1: not sent). */
function wireIndexes(thDim: number): readonly number[] {
  // 52 (or more) is the vendor order that dhuman sends; a narrower frame is the internal order of older
  // dhuman servers (ThDim 17), and channels it lacks are 0.
  if (thDim >= THFEAT_DIM) return THFEAT_INDEX_OF_BLENDSHAPE;
  return BLENDSHAPE_NAMES.map((_, c) => (c < thDim ? c : -1));
}

interface FaceTrack {
  /** Sample position (in the ReqId's audio) of each frame, ascending. */
  times: number[];
  frames: Float32Array[];
}

/**
 * The blendshape frames of each utterance, placed on its audio. A SPEECH frame's face frames start at the first
 * 40 ms grid point at or after where that frame's audio starts (dhuman puts frames on that grid from the
 * utterance's first sample), so face and sound share a timeline even when frame counts and audio lengths
 * differ by a little. `weightsAt(time)` asks the audio scheduler which sample plays at `time`: the mouth
 * follows the sound through jitter delays and underrun gaps, and is at rest (null) wherever nothing plays.
 */
export class FaceTimeline {
  readonly #playback: PlaybackMap;
  readonly #tracks = new Map<string, FaceTrack>();
  /** Samples per face frame. */
  readonly #stride: number;

  constructor(playback: PlaybackMap, sampleRate = CLIENT_RENDER_SAMPLE_RATE) {
    this.#playback = playback;
    this.#stride = (sampleRate * BLENDSHAPE_FRAME_MS) / 1000;
  }

  /**
   * Adds the face frames of one SPEECH frame of `reqId` whose audio starts `audioSample` samples into the
   * ReqId's audio. `thFeat` holds `thDim` weights per frame, in the vendor's `THFEAT_CHANNELS` order when
   * `thDim` is 52 or more (channels dhuman does not draw are ignored), else in the internal `BLENDSHAPE_NAMES` order
   * with missing channels at 0. Frames at or after the new ones' start replace what was there.
   */
  add(reqId: string, audioSample: number, thFeat: ArrayLike<number>, thDim: number): void {
    if (thDim <= 0) return;
    const count = Math.floor(thFeat.length / thDim);
    if (count === 0) return;
    let track = this.#tracks.get(reqId);
    if (!track) {
      track = { times: [], frames: [] };
      this.#tracks.set(reqId, track);
    }
    const first = Math.ceil(audioSample / this.#stride - 1e-9) * this.#stride;
    let keep = track.times.length;
    while (keep > 0 && (track.times[keep - 1] ?? 0) >= first) keep--;
    track.times.length = keep;
    track.frames.length = keep;
    const indexes = wireIndexes(thDim);
    for (let f = 0; f < count; f++) {
      const weights = new Float32Array(CHANNELS);
      for (let c = 0; c < CHANNELS; c++) {
        const index = indexes[c] ?? -1;
        if (index >= 0) weights[c] = thFeat[f * thDim + index] ?? 0;
      }
      track.times.push(first + f * this.#stride);
      track.frames.push(weights);
    }
  }

  /** Blendshape weights (BLENDSHAPE_NAMES order) at context time `time`, or null for the rest pose. */
  weightsAt(time: number): Float32Array | null {
    const position = this.#playback.positionAt(time);
    if (!position) return null;
    const track = this.#tracks.get(position.reqId);
    if (!track || track.times.length === 0) return null;
    const { times, frames } = track;
    const at = position.sample;
    const index = lastAtOrBefore(times, at);
    const before = frames[Math.max(0, index)];
    if (!before) return null;
    // Before the first frame (audio that starts off the grid): the first frame's pose.
    if (index < 0) return new Float32Array(before);
    const from = times[index] ?? 0;
    const gap = at - from;
    const nextTime = times[index + 1];
    const after = frames[index + 1];
    if (nextTime === undefined || after === undefined) {
      // Past the last frame: hold it for a frame, then no face data covers this audio.
      return gap <= this.#stride ? new Float32Array(before) : null;
    }
    const span = nextTime - from;
    if (span > 2 * this.#stride) return gap <= this.#stride ? new Float32Array(before) : null;
    const t = gap / span;
    const out = new Float32Array(CHANNELS);
    for (let c = 0; c < CHANNELS; c++) {
      const a = before[c] ?? 0;
      out[c] = a + ((after[c] ?? 0) - a) * t;
    }
    return out;
  }

  delete(reqId: string): void {
    this.#tracks.delete(reqId);
  }

  clear(): void {
    this.#tracks.clear();
  }
}

/** Index of the last value <= `x` in ascending `values`, or -1. */
function lastAtOrBefore(values: readonly number[], x: number): number {
  let low = 0;
  let high = values.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((values[mid] ?? 0) <= x) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
