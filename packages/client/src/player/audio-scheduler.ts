import { CLIENT_RENDER_SAMPLE_RATE } from '@dhuman/protocol';

/** The parts of a `BaseAudioContext` the scheduler uses. */
export type SchedulerContext = Pick<BaseAudioContext, 'currentTime' | 'createBuffer' | 'createBufferSource'>;

export interface SchedulerOptions {
  /** How much audio to have queued ahead of the playhead before starting, and after an underrun. */
  jitterSec: number;
  /** Rate of the PCM pushed in (the channel's 24 kHz unless a test says otherwise). */
  sampleRate?: number;
  /** The first sample of `reqId` plays at context time `time`. */
  onStart?: (reqId: string, time: number) => void;
  /**
   * `reqId` is finished and all of it is scheduled: its last sample ends at `end` (context time), or it had no
   * audio at all (`end` undefined).
   */
  onDrained?: (reqId: string, end: number | undefined) => void;
}

/** Where a sample of an utterance's audio sits on the context timeline. */
export interface PlaybackPosition {
  reqId: string;
  /** Samples (at the PCM rate) from the start of the ReqId's audio. */
  sample: number;
}

/**
 * Time a chunk must be scheduled ahead of `currentTime` to be safe: the start message reaches the audio thread
 * within a render quantum or two (128 frames, 2.7 ms at 48 kHz); 15 ms also absorbs a short main-thread stall.
 */
export const SCHEDULE_MARGIN_SEC = 0.015;
/**
 * After an underrun a track's jitter buffer doubles (from at least 40 ms) up to this: audio that keeps coming
 * late (a server rendering slower than real time) then stutters a few times, not at every chunk.
 */
export const MAX_JITTER_SEC = 1;
/** Placements older than this (behind the playhead) are forgotten. */
const KEEP_PAST_SEC = 1;

interface Track {
  reqId: string;
  pending: Float32Array[];
  finished: boolean;
  started: boolean;
  /** Context time where the next chunk goes. */
  end: number;
  /** Samples of this ReqId scheduled so far. */
  samples: number;
  /** Its jitter buffer (seconds): the player's, grown by underruns. */
  jitter: number;
}

interface Placement {
  reqId: string;
  start: number;
  end: number;
  /** Sample position (in the ReqId's audio) of `start`. */
  sample: number;
}

/**
 * Plays the audio of utterances one after another on a Web Audio timeline, through one output node. Each ReqId
 * is a track; only the oldest unfinished track is scheduled, later ones buffer until it is finished, then follow
 * it back to back. Within a track chunks are placed end to end (no overlap, no gap); playback starts once at
 * least `jitterSec` is queued ahead of the playhead, counting the buffered audio, so a long first chunk plays at
 * once. A chunk that arrives after its slot has passed is an underrun: the track's jitter buffer doubles and it
 * restarts that much later.
 */
export class AudioScheduler {
  readonly #context: SchedulerContext;
  readonly #output: AudioNode;
  readonly #options: SchedulerOptions;
  readonly #rate: number;
  readonly #tracks: Track[] = [];
  readonly #placements: Placement[] = [];
  readonly #sources = new Set<AudioBufferSourceNode>();
  /** Where the audio scheduled so far ends (context time). */
  #lastEnd = 0;
  #underruns = 0;

  constructor(context: SchedulerContext, output: AudioNode, options: SchedulerOptions) {
    if (!(options.jitterSec >= 0 && Number.isFinite(options.jitterSec))) {
      throw new TypeError(`jitter must be a number >= 0, got ${options.jitterSec}`);
    }
    this.#context = context;
    this.#output = output;
    this.#options = options;
    this.#rate = options.sampleRate ?? CLIENT_RENDER_SAMPLE_RATE;
  }

  /** Chunks that came after their slot had passed. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Registers `reqId` as the next track; its audio plays after every track opened before it. */
  open(reqId: string): void {
    if (this.#track(reqId)) throw new Error(`ReqId ${reqId} is already playing`);
    const jitter = this.#options.jitterSec;
    this.#tracks.push({ reqId, pending: [], finished: false, started: false, end: 0, samples: 0, jitter });
  }

  /** Adds the next chunk of `reqId`'s audio (ignored once the track is finished or stopped). */
  push(reqId: string, samples: Float32Array): void {
    const track = this.#track(reqId);
    if (!track || track.finished || samples.length === 0) return;
    track.pending.push(samples);
    this.#pump();
  }

  /** No more audio will come for `reqId`. */
  finish(reqId: string): void {
    const track = this.#track(reqId);
    if (!track || track.finished) return;
    track.finished = true;
    this.#pump();
  }

  /** Which ReqId's sample plays at context time `time`, or null in silence. */
  positionAt(time: number): PlaybackPosition | null {
    const list = this.#placements;
    while (list.length > 0 && (list[0]?.end ?? 0) < time - KEEP_PAST_SEC) list.shift();
    // The last placement starting at or before `time` (placements are in time order).
    let low = 0;
    let high = list.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((list[mid]?.start ?? 0) <= time) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    const placement = list[found];
    if (!placement || time >= placement.end) return null;
    return { reqId: placement.reqId, sample: placement.sample + (time - placement.start) * this.#rate };
  }

  /** Silences everything now: every scheduled source stops and every track is dropped. */
  stopAll(): void {
    for (const source of this.#sources) {
      source.onended = null;
      source.stop();
      source.disconnect();
    }
    this.#sources.clear();
    this.#tracks.length = 0;
    this.#placements.length = 0;
    this.#lastEnd = 0;
  }

  #track(reqId: string): Track | undefined {
    return this.#tracks.find((track) => track.reqId === reqId);
  }

  /** Schedules what the head track has, and moves on to the next track when the head is done. */
  #pump(): void {
    for (;;) {
      const head = this.#tracks[0];
      if (!head) return;
      if (head.pending.length > 0) this.#schedule(head);
      if (!head.finished) return;
      this.#tracks.shift();
      this.#options.onDrained?.(head.reqId, head.started ? head.end : undefined);
    }
  }

  #schedule(track: Track): void {
    const now = this.#context.currentTime;
    const buffered = track.pending.reduce((sum, chunk) => sum + chunk.length, 0) / this.#rate;
    // Enough must be queued ahead of the playhead: the jitter buffer, less what is already in hand.
    const earliest = () => now + Math.max(SCHEDULE_MARGIN_SEC, track.jitter - buffered);
    if (!track.started) {
      track.started = true;
      track.end = Math.max(earliest(), this.#lastEnd);
      this.#options.onStart?.(track.reqId, track.end);
    } else if (track.end < now + SCHEDULE_MARGIN_SEC) {
      this.#underruns++;
      track.jitter = Math.min(MAX_JITTER_SEC, Math.max(2 * track.jitter, 0.04));
      track.end = earliest();
    }
    for (const samples of track.pending.splice(0)) this.#play(track, samples);
    this.#lastEnd = track.end;
  }

  #play(track: Track, samples: Float32Array): void {
    const buffer = this.#context.createBuffer(1, samples.length, this.#rate);
    buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
    const source = this.#context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.#output);
    source.onended = () => {
      this.#sources.delete(source);
      source.disconnect();
    };
    const start = track.end;
    source.start(start);
    this.#sources.add(source);
    const duration = samples.length / this.#rate;
    this.#placements.push({ reqId: track.reqId, start, end: start + duration, sample: track.samples });
    track.end = start + duration;
    track.samples += samples.length;
  }
}
