import type { ClockListener, MediaFrame } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS } from '@dhuman/protocol';
import type { RenderFrame } from '../render/avatar-frame-renderer.js';
import { DEFAULT_VIDEO_FPS, videoFramePts, weightsAt } from '../render/frame-timing.js';

/** One audio chunk per clock tick: 20 ms, the media clock's period. */
export const STREAM_CHUNK_MS = 20;

/**
 * How far behind the session's clock the stream writes. The playout publishes a span's audio and blendshape
 * frames on the tick that plays it, possibly after the pump's own tick in the same round (listener order), and
 * `weightsAt` interpolates towards the *next* blendshape frame (40 ms later): 40 ms covers both, plus one 20 ms
 * tick of jitter. Negligible next to the encoder's and the player's own buffering.
 */
export const DEFAULT_STREAM_LATENCY_MS = 60;

/**
 * Encoder backlog bound, in ms of audio handed to the pump but not yet taken by ffmpeg. Beyond it the pump skips
 * whole 20 ms spans (no audio, no video owed) instead of queueing: the stream jumps forward, A/V stay in step.
 */
export const DEFAULT_MAX_BACKLOG_MS = 500;

/**
 * How many frame periods the oldest owed video frame waits for its render before the last frame is repeated in
 * its place. A 512² render takes a few ms on the worker; two periods (80 ms) absorb a GC pause or a busy core.
 */
export const RENDER_WAIT_FRAMES = 2;

/** Audio further ahead of the write position than this is not a live stream's; it is dropped, not held. */
const MAX_AHEAD_MS = 2_000;

/** The part of `MediaClock` the pump uses: it calls `tick(nowMs)` on its listeners every 20 ms. */
export interface StreamTickSource {
  add(listener: ClockListener): void;
  remove(listener: ClockListener): void;
}

/** The part of `AvatarFrameRenderer` the pump uses. */
export interface StreamFrameRenderer {
  readonly width: number;
  readonly height: number;
  render(frame: RenderFrame): Promise<Uint8Array>;
}

/** The part of `FfmpegEncoder` the pump uses (one write in flight per input). */
export interface StreamEncoderInput {
  writeFrame(rgba: Uint8Array): Promise<void>;
  writeAudio(pcm: Int16Array): Promise<void>;
}

export interface SessionStreamPumpOptions {
  /** Subscribes to the session's media bus; returns the unsubscribe function. */
  subscribe: (listener: (frame: MediaFrame) => void) => () => void;
  clock: StreamTickSource;
  renderer: StreamFrameRenderer;
  /** Started by the caller, who also ends or closes it after `stop()`. */
  encoder: StreamEncoderInput;
  /** Video frames per second; must match the encoder's (default 25). */
  fps?: number;
  /** Clock ms that is pts 0 on the session's media timeline (the playout's `originMs`). */
  originMs: number;
  /** Audio rate of the bus and of the encoder's audio input (default SESSION_SAMPLE_RATE). */
  sampleRate?: number;
  latencyMs?: number;
  maxBacklogMs?: number;
  /** Called once when an encoder write fails; the pump has then stopped itself. */
  onError?: (error: unknown) => void;
}

/** Counters for stats and health checks. All grow monotonically. */
export interface SessionStreamPumpStats {
  /** 20 ms chunks handed to the encoder (speech or silence). */
  audioChunks: number;
  /** Of those, chunks that held no speech at all. */
  silentChunks: number;
  /** Video frames handed to the encoder (rendered or repeated). */
  videoFrames: number;
  /** Frames written as a copy of the previous one because the render was refused, failed or late. */
  repeatedFrames: number;
  /** Rendered frames thrown away because they arrived after their slot was filled by a repeat. */
  droppedFrames: number;
  /** Stream time skipped because the encoder was backlogged beyond `maxBacklogMs`. */
  skippedMs: number;
  /** Speech audio that came too late (its span was already written) or too early to place. */
  droppedAudioMs: number;
}

/** Counters at zero. */
export function emptyPumpStats(): SessionStreamPumpStats {
  return {
    audioChunks: 0,
    silentChunks: 0,
    videoFrames: 0,
    repeatedFrames: 0,
    droppedFrames: 0,
    skippedMs: 0,
    droppedAudioMs: 0,
  };
}

/** Adds `more` into `into`, counter by counter (totals over several streams). */
export function addPumpStats(into: SessionStreamPumpStats, more: SessionStreamPumpStats): void {
  for (const key of Object.keys(into) as (keyof SessionStreamPumpStats)[]) into[key] += more[key];
}

interface AudioEntry {
  utteranceId: string;
  /** Session sample index of `pcm[0]`. */
  start: number;
  pcm: Int16Array;
}

interface UtteranceTrack {
  /** Session pts of the first blendshape frame; frame i describes `startMs + i * 40`. */
  startMs: number | undefined;
  frames: ArrayLike<number>[];
  /** Session pts of the utterance-end; from here on the mouth rests. */
  endMs: number | undefined;
}

interface VideoSlot {
  rgba: Uint8Array | undefined;
  rendering: boolean;
  /** Written as a repeat while still rendering; its render, when it comes, is dropped. */
  abandoned: boolean;
}

/**
 * Turns one session's media bus into a continuous, paced A/V feed for one encoder. Audio is master: each clock
 * tick writes the 20 ms spans that have become due (normally one), taking the session's speech audio for that
 * span or silence, so the stream never stalls between utterances. After every 40 ms of audio (at 25 fps) one
 * video frame is owed, drawn with the blendshape weights of the utterance covering its pts (rest otherwise).
 *
 * Policies, all bounded:
 * - **Renderer busy, failed or slow:** the owed frame is written as a repeat of the last one; video never falls
 *   behind the audio (ffmpeg stamps frames by count, so every owed frame is written exactly once).
 * - **Encoder write in flight:** audio chunks merge into one pending buffer, video frames queue in order; when
 *   the audio backlog passes `maxBacklogMs` (or the video queue the same span), whole spans are skipped for both.
 *
 * It owns neither the renderer nor the encoder: `stop()` flushes what is owed and leaves closing them to the
 * caller.
 */
export class SessionStreamPump implements ClockListener {
  readonly fps: number;
  readonly sampleRate: number;
  readonly latencyMs: number;
  readonly maxBacklogMs: number;

  readonly #options: SessionStreamPumpOptions;
  readonly #samplesPerChunk: number;
  readonly #stats: SessionStreamPumpStats = emptyPumpStats();

  #unsubscribe: (() => void) | undefined;
  #started = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #failed = false;

  /** Session sample at which the next chunk starts; undefined before the first tick. */
  #nextSessionSample: number | undefined;
  /** Samples written to the stream so far (stream time = this / rate). */
  #streamSamples = 0;
  #nextVideoIndex = 0;

  #audioEntries: AudioEntry[] = [];
  readonly #utterances = new Map<string, UtteranceTrack>();

  #audioQueue: Int16Array[] = [];
  #audioQueuedSamples = 0;
  #audioWriting = false;
  #videoSlots: VideoSlot[] = [];
  #videoWriting = false;
  #lastFrame: Uint8Array | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SessionStreamPumpOptions) {
    this.fps = options.fps ?? DEFAULT_VIDEO_FPS;
    this.sampleRate = options.sampleRate ?? SESSION_SAMPLE_RATE;
    this.latencyMs = options.latencyMs ?? DEFAULT_STREAM_LATENCY_MS;
    this.maxBacklogMs = options.maxBacklogMs ?? DEFAULT_MAX_BACKLOG_MS;
    if (!(this.fps > 0) || !Number.isFinite(this.fps))
      throw new RangeError(`fps must be > 0, got ${this.fps}`);
    this.#samplesPerChunk = (this.sampleRate * STREAM_CHUNK_MS) / 1000;
    if (!Number.isInteger(this.#samplesPerChunk) || this.#samplesPerChunk <= 0) {
      throw new RangeError(`sampleRate must give whole 20 ms chunks, got ${this.sampleRate}`);
    }
    this.#options = options;
  }

  /** A snapshot of the counters. */
  get stats(): SessionStreamPumpStats {
    return { ...this.#stats };
  }

  /** ms of audio written to the encoder so far (speech and silence). */
  get writtenMs(): number {
    return (this.#streamSamples * 1000) / this.sampleRate;
  }

  /** Subscribes to the bus and starts ticking. Once only. */
  start(): void {
    if (this.#started) throw new Error('SessionStreamPump.start() may be called only once');
    this.#started = true;
    this.#unsubscribe = this.#options.subscribe((frame) => this.#onFrame(frame));
    this.#options.clock.add(this);
  }

  tick(nowMs: number): void {
    if (this.#stopping) return;
    const dueMs = nowMs - this.#options.originMs - this.latencyMs;
    const due = Math.floor((dueMs * this.sampleRate) / 1000);
    this.#nextSessionSample ??= due;
    const maxBacklogSamples = (this.maxBacklogMs * this.sampleRate) / 1000;
    const maxVideoSlots = Math.max(1, Math.ceil((this.maxBacklogMs * this.fps) / 1000));
    while (this.#nextSessionSample + this.#samplesPerChunk <= due) {
      if (this.#audioQueuedSamples >= maxBacklogSamples || this.#videoSlots.length >= maxVideoSlots) {
        this.#nextSessionSample += this.#samplesPerChunk;
        this.#stats.skippedMs += STREAM_CHUNK_MS;
        this.#dropAudioBefore(this.#nextSessionSample);
        continue;
      }
      this.#emitChunk();
    }
    this.#pumpAudio();
    this.#pumpVideo();
  }

  /** Resolves when nothing is rendering, queued or being written (tests drive a manual clock with it). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Unsubscribes, stops ticking, and resolves once every owed frame and chunk has been written (or the encoder
   * failed). Idempotent; never rejects.
   */
  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#halt();
    this.#pumpVideo();
    this.#stopped = this.idle();
    return this.#stopped;
  }

  #halt(): void {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#options.clock.remove(this);
  }

  #onFrame(frame: MediaFrame): void {
    if (this.#stopping) return;
    switch (frame.kind) {
      case 'audio':
        this.#onAudio(frame.utteranceId, frame.pts, frame.pcm);
        break;
      case 'blendshape': {
        const track = this.#track(frame.utteranceId);
        track.startMs ??= frame.pts;
        const index = Math.max(0, Math.round((frame.pts - track.startMs) / BLENDSHAPE_FRAME_MS));
        // A gap (a dropped frame upstream) holds the previous pose rather than snapping to rest.
        while (track.frames.length < index) track.frames.push(track.frames.at(-1) ?? frame.frame.weights);
        track.frames[index] = frame.frame.weights;
        break;
      }
      case 'utterance-end': {
        const track = this.#track(frame.utteranceId);
        track.endMs = frame.pts;
        this.#cutAudio(frame.utteranceId, this.#toSample(frame.pts));
        break;
      }
      default:
        break;
    }
  }

  #track(utteranceId: string): UtteranceTrack {
    let track = this.#utterances.get(utteranceId);
    if (!track) {
      track = { startMs: undefined, frames: [], endMs: undefined };
      this.#utterances.set(utteranceId, track);
    }
    return track;
  }

  #toSample(ptsMs: number): number {
    return Math.round((ptsMs * this.sampleRate) / 1000);
  }

  #onAudio(utteranceId: string, pts: number, pcm: Int16Array): void {
    const start = this.#toSample(pts);
    const next = this.#nextSessionSample;
    const track = this.#utterances.get(utteranceId);
    const ended = track?.endMs !== undefined && start >= this.#toSample(track.endMs);
    const late = next !== undefined && start + pcm.length <= next;
    const tooFar = next !== undefined && start > next + (MAX_AHEAD_MS * this.sampleRate) / 1000;
    if (ended || late || tooFar) {
      this.#stats.droppedAudioMs += (pcm.length * 1000) / this.sampleRate;
      return;
    }
    this.#audioEntries.push({ utteranceId, start, pcm });
  }

  /** Drops an utterance's audio from `fromSample` on (an interrupt: nothing of it may play after its end). */
  #cutAudio(utteranceId: string, fromSample: number): void {
    this.#audioEntries = this.#audioEntries.flatMap((entry) => {
      if (entry.utteranceId !== utteranceId || entry.start + entry.pcm.length <= fromSample) return [entry];
      if (entry.start >= fromSample) return [];
      return [{ ...entry, pcm: entry.pcm.subarray(0, fromSample - entry.start) }];
    });
  }

  /** Writes the next 20 ms span to the audio queue and owes the video frames whose pts it reaches. */
  #emitChunk(): void {
    const from = this.#nextSessionSample ?? 0;
    const to = from + this.#samplesPerChunk;
    const chunk = new Int16Array(this.#samplesPerChunk);
    let speech = false;
    for (const entry of this.#audioEntries) {
      const a = Math.max(from, entry.start);
      const b = Math.min(to, entry.start + entry.pcm.length);
      if (a >= b) continue;
      chunk.set(entry.pcm.subarray(a - entry.start, b - entry.start), a - from);
      speech = true;
    }
    this.#dropAudioBefore(to);
    this.#audioQueue.push(chunk);
    this.#audioQueuedSamples += chunk.length;
    this.#stats.audioChunks++;
    if (!speech) this.#stats.silentChunks++;

    // Stream time ↔ session time, as it stands for this chunk (skips move the session side forward).
    const offsetMs = ((from - this.#streamSamples) * 1000) / this.sampleRate;
    this.#streamSamples += chunk.length;
    this.#nextSessionSample = to;
    const writtenMs = this.writtenMs;
    while (videoFramePts(this.#nextVideoIndex, this.fps) < writtenMs) {
      const streamPts = videoFramePts(this.#nextVideoIndex, this.fps);
      this.#nextVideoIndex++;
      this.#oweFrame(streamPts + offsetMs);
    }
  }

  /** Forgets speech audio that ends before session sample `sample` (written, or skipped). */
  #dropAudioBefore(sample: number): void {
    this.#audioEntries = this.#audioEntries.filter((entry) => entry.start + entry.pcm.length > sample);
  }

  #oweFrame(sessionPts: number): void {
    const slot: VideoSlot = { rgba: undefined, rendering: true, abandoned: false };
    this.#videoSlots.push(slot);
    const weights = this.#weightsAt(sessionPts);
    this.#pruneUtterances(sessionPts);
    this.#options.renderer.render({ weights, timeSec: sessionPts / 1000 }).then(
      (rgba) => {
        slot.rendering = false;
        if (slot.abandoned) {
          this.#stats.droppedFrames++;
          this.#settle();
          return;
        }
        slot.rgba = rgba;
        this.#pumpVideo();
      },
      () => {
        // RENDER_BUSY / RENDER_FAILED / RENDER_CLOSED: the slot becomes a repeat; the session hears of a
        // failure through the renderer's own onFault.
        slot.rendering = false;
        this.#pumpVideo();
      },
    );
  }

  #weightsAt(sessionPts: number): Float32Array | null {
    for (const track of this.#utterances.values()) {
      if (track.startMs === undefined) continue;
      if (track.endMs !== undefined && sessionPts >= track.endMs) continue;
      const weights = weightsAt({ startMs: track.startMs, frames: track.frames }, sessionPts);
      if (weights) return weights;
    }
    return null;
  }

  /** Forgets utterances the video has passed the end of. */
  #pruneUtterances(sessionPts: number): void {
    for (const [id, track] of this.#utterances) {
      if (track.endMs !== undefined && track.endMs <= sessionPts) this.#utterances.delete(id);
    }
  }

  #pumpAudio(): void {
    if (this.#audioWriting || this.#failed || this.#audioQueue.length === 0) return;
    const chunks = this.#audioQueue;
    this.#audioQueue = [];
    this.#audioQueuedSamples = 0;
    let pcm: Int16Array;
    if (chunks.length === 1 && chunks[0]) {
      pcm = chunks[0];
    } else {
      pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        pcm.set(c, at);
        at += c.length;
      }
    }
    this.#audioWriting = true;
    this.#options.encoder.writeAudio(pcm).then(
      () => {
        this.#audioWriting = false;
        this.#pumpAudio();
        this.#settle();
      },
      (error: unknown) => {
        this.#audioWriting = false;
        this.#fail(error);
      },
    );
  }

  #pumpVideo(): void {
    if (this.#videoWriting || this.#failed) return;
    const head = this.#videoSlots[0];
    if (!head) {
      this.#settle();
      return;
    }
    if (head.rendering && (this.#stopping || this.#videoSlots.length <= RENDER_WAIT_FRAMES)) return;
    this.#videoSlots.shift();
    let rgba = head.rgba;
    if (rgba) {
      this.#lastFrame = rgba;
    } else {
      head.abandoned = head.rendering;
      this.#stats.repeatedFrames++;
      rgba =
        this.#lastFrame ?? new Uint8Array(this.#options.renderer.width * this.#options.renderer.height * 4);
    }
    this.#stats.videoFrames++;
    this.#videoWriting = true;
    this.#options.encoder.writeFrame(rgba).then(
      () => {
        this.#videoWriting = false;
        this.#pumpVideo();
      },
      (error: unknown) => {
        this.#videoWriting = false;
        this.#fail(error);
      },
    );
  }

  #fail(error: unknown): void {
    if (this.#failed) {
      this.#settle();
      return;
    }
    this.#failed = true;
    this.#halt();
    this.#audioQueue = [];
    this.#audioQueuedSamples = 0;
    this.#videoSlots = [];
    try {
      this.#options.onError?.(error);
    } catch {
      // A throwing listener must not become an unhandled rejection here.
    }
    this.#settle();
  }

  #isIdle(): boolean {
    const rendering = this.#videoSlots.some((slot) => slot.rendering);
    return (
      !this.#audioWriting &&
      !this.#videoWriting &&
      !rendering &&
      this.#audioQueue.length === 0 &&
      this.#videoSlots.length === 0
    );
  }

  #settle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
