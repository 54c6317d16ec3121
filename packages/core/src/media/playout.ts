import { SESSION_SAMPLE_RATE } from '../speech/types.js';
import type { SpeechSegment } from '../speech/segment.js';
import type { MediaFrame } from './media-frames.js';
import type { ClockListener, MediaClock } from './media-clock.js';
import { PcmFifo } from './pcm-fifo.js';

const SAMPLES_PER_MS = SESSION_SAMPLE_RATE / 1000;

/** A named moment inside a segment (e.g. a sentence boundary), reported when it is played. */
export interface PlayCue {
  /** ms from the start of the segment it rides on. */
  offsetMs: number;
  name: string;
  data?: unknown;
}

export interface PlaySegment extends SpeechSegment {
  cues?: readonly PlayCue[];
}

/**
 * One utterance to play. Its segments may come faster than real time (TTS) or paced (uplink audio); their
 * `startMs` is ignored and each is played right after the previous one, so segments of separately rendered
 * sentences can be chained. Aborting `signal` interrupts it at once.
 */
export interface PlayableUtterance {
  id: string;
  /** The drive command's ReqId, repeated on the utterance-start/end frames so outputs can tell drives apart. */
  reqId?: string;
  signal: AbortSignal;
  segments: AsyncIterable<PlaySegment>;
  /** Audio to hold before the first sample plays: 0 for TTS, a jitter allowance for uplink audio. */
  prebufferMs: number;
}

export interface PlayoutHooks {
  /** The first sample of the utterance is being played. */
  started(utteranceId: string, pts: number): void;
  /** The last sample was played, or the utterance was interrupted (`interrupted`). */
  ended(utteranceId: string, pts: number, interrupted: boolean): void;
  cue(utteranceId: string, cue: PlayCue, pts: number): void;
  /** The segment source threw; the utterance ends after what was already buffered. */
  failed(utteranceId: string, error: unknown): void;
}

type Timed =
  | { at: number; frame: Exclude<MediaFrame, { kind: 'audio' | 'utterance-start' | 'utterance-end' }> }
  | { at: number; cue: PlayCue };

interface Active {
  utterance: PlayableUtterance;
  fifo: PcmFifo;
  /** Everything timed, in utterance ms, sorted by time as segments arrive in order. */
  timed: Timed[];
  receivedSamples: number;
  playedSamples: number;
  sourceDone: boolean;
  /** The source threw; with nothing received the utterance ends without ever starting. */
  sourceFailed: boolean;
  /** Clock ms at which utterance time 0 is played; undefined before start. */
  startClock: number | undefined;
  onAbort: () => void;
}

export interface PlayoutOptions {
  clock: MediaClock;
  /** Clock ms that is pts 0 for this session. */
  originMs: number;
  publish: (frame: MediaFrame) => void;
  hooks: PlayoutHooks;
  /** Queue bound: utterances waiting behind the current one. */
  maxQueued?: number;
}

/**
 * Plays a session's utterances in real time on the media clock, one after another, audio as master: every
 * published frame's pts comes from the count of samples played. When the source runs dry before it is done
 * (a slow stream), playback stalls instead of skipping, so timing stays consistent with the audio.
 */
export class SessionPlayout implements ClockListener {
  private readonly opts: PlayoutOptions;
  private readonly queue: PlayableUtterance[] = [];
  private active: Active | undefined;
  /** Where the next utterance may start, so back-to-back utterances are gapless. */
  private nextStartClock: number | undefined;
  private closed = false;

  constructor(options: PlayoutOptions) {
    this.opts = options;
  }

  get currentUtteranceId(): string | undefined {
    return this.active?.utterance.id;
  }

  /** ms of the current utterance already played. */
  get playedMs(): number {
    return this.active ? this.active.playedSamples / SAMPLES_PER_MS : 0;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.active !== undefined || this.queue.length > 0;
  }

  /** Adds an utterance after the ones already playing or queued. */
  enqueue(utterance: PlayableUtterance): void {
    if (this.closed) throw new Error('playout is closed');
    const max = this.opts.maxQueued ?? 16;
    if (this.queue.length >= max) throw new RangeError(`more than ${max} utterances queued`);
    this.queue.push(utterance);
    if (!this.active) this.activateNext();
    this.opts.clock.add(this);
  }

  tick(nowMs: number): void {
    const active = this.active;
    if (!active) return;
    if (active.startClock === undefined) {
      if (active.sourceFailed && active.receivedSamples === 0) {
        // Nothing will ever play (e.g. the TTS refused the job): no start, just the end.
        this.finish(active, nowMs, false);
        return;
      }
      const bufferedMs = active.receivedSamples / SAMPLES_PER_MS;
      if (bufferedMs < active.utterance.prebufferMs && !active.sourceDone) return;
      if (active.receivedSamples === 0 && !active.sourceDone) return;
      // Right after a previous utterance, start where it ended so the audio is gapless (the first tick then
      // catches up the few ms since); otherwise start now.
      const previousEnd = this.nextStartClock;
      active.startClock =
        previousEnd !== undefined && nowMs - previousEnd < 2 * this.opts.clock.tickMs ? previousEnd : nowMs;
      this.opts.hooks.started(active.utterance.id, this.pts(active.startClock));
      this.opts.publish({
        kind: 'utterance-start',
        utteranceId: active.utterance.id,
        pts: this.pts(active.startClock),
        ...(active.utterance.reqId !== undefined && { reqId: active.utterance.reqId }),
      });
    }
    const elapsedMs = nowMs - active.startClock;
    let due = Math.floor(elapsedMs * SAMPLES_PER_MS);
    if (due > active.receivedSamples && !active.sourceDone) {
      // Underrun: hold the timeline where the audio ends instead of skipping ahead.
      active.startClock += (due - active.receivedSamples) / SAMPLES_PER_MS;
      due = active.receivedSamples;
    }
    due = Math.min(due, active.receivedSamples);
    if (due > active.playedSamples) {
      const fromMs = active.playedSamples / SAMPLES_PER_MS;
      const pcm = active.fifo.take(due - active.playedSamples);
      this.opts.publish({
        kind: 'audio',
        utteranceId: active.utterance.id,
        pts: this.pts(active.startClock + fromMs),
        pcm,
      });
      active.playedSamples = due;
    }
    this.flushTimed(active);
    if (active.sourceDone && active.playedSamples >= active.receivedSamples) {
      this.finish(active, active.startClock + active.receivedSamples / SAMPLES_PER_MS, false);
    }
  }

  private flushTimed(active: Active): void {
    const playedMs = active.playedSamples / SAMPLES_PER_MS;
    const start = active.startClock ?? 0;
    let i = 0;
    while (i < active.timed.length) {
      const item = active.timed[i];
      if (!item || item.at > playedMs) break;
      if ('cue' in item) this.opts.hooks.cue(active.utterance.id, item.cue, this.pts(start + item.at));
      else this.opts.publish({ ...item.frame, pts: this.pts(start + item.at) });
      i++;
    }
    if (i > 0) active.timed.splice(0, i);
  }

  private activateNext(): void {
    const utterance = this.queue.shift();
    if (!utterance) {
      this.active = undefined;
      this.opts.clock.remove(this);
      return;
    }
    const active: Active = {
      utterance,
      fifo: new PcmFifo(),
      timed: [],
      receivedSamples: 0,
      playedSamples: 0,
      sourceDone: false,
      sourceFailed: false,
      startClock: undefined,
      onAbort: () => this.interrupt(utterance.id),
    };
    this.active = active;
    if (utterance.signal.aborted) {
      this.finish(active, this.opts.clock.now(), true);
      return;
    }
    utterance.signal.addEventListener('abort', active.onAbort, { once: true });
    void this.pull(active);
  }

  private async pull(active: Active): Promise<void> {
    const { utterance } = active;
    try {
      for await (const segment of utterance.segments) {
        if (this.active !== active || utterance.signal.aborted) return;
        this.append(active, segment);
      }
    } catch (error) {
      if (this.active === active && !utterance.signal.aborted) {
        active.sourceFailed = true;
        this.opts.hooks.failed(utterance.id, error);
      }
    }
    if (this.active === active) active.sourceDone = true;
  }

  /** Re-bases the segment to where the received audio ends and files its timed items. */
  private append(active: Active, segment: PlaySegment): void {
    const base = active.receivedSamples / SAMPLES_PER_MS;
    const rebase = (t: number) => base + (t - segment.startMs);
    const id = active.utterance.id;
    const items: Timed[] = [];
    for (const event of segment.visemes) {
      items.push({
        at: rebase(event.timeMs),
        frame: { kind: 'viseme', utteranceId: id, pts: 0, event: { ...event, timeMs: rebase(event.timeMs) } },
      });
    }
    for (const frame of segment.blendshapes) {
      const at = rebase(frame.timeMs);
      items.push({
        at,
        frame: { kind: 'blendshape', utteranceId: id, pts: 0, frame: { ...frame, timeMs: at } },
      });
    }
    for (const word of segment.words) {
      const at = rebase(word.startMs);
      items.push({
        at,
        frame: {
          kind: 'word',
          utteranceId: id,
          pts: 0,
          word: { ...word, startMs: at, endMs: rebase(word.endMs) },
        },
      });
    }
    for (const action of segment.actions) {
      const at = rebase(action.timeMs);
      items.push({
        at,
        frame: { kind: 'action', utteranceId: id, pts: 0, action: { ...action, timeMs: at } },
      });
    }
    for (const cue of segment.cues ?? []) items.push({ at: base + cue.offsetMs, cue });
    items.sort((a, b) => a.at - b.at);
    active.timed.push(...items);
    active.fifo.push(segment.pcm);
    active.receivedSamples += segment.pcm.length;
  }

  /** Stops an utterance now (the current one, or removes it from the queue). */
  interrupt(utteranceId: string): void {
    const queued = this.queue.findIndex((u) => u.id === utteranceId);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      this.opts.hooks.ended(utteranceId, this.pts(this.opts.clock.now()), true);
      return;
    }
    const active = this.active;
    if (active?.utterance.id !== utteranceId) return;
    this.finish(active, this.opts.clock.now(), true);
  }

  private finish(active: Active, endClock: number, interrupted: boolean): void {
    if (this.active !== active) return;
    active.utterance.signal.removeEventListener('abort', active.onAbort);
    active.fifo.clear();
    active.timed.length = 0;
    const pts = this.pts(endClock);
    this.opts.publish({
      kind: 'utterance-end',
      utteranceId: active.utterance.id,
      pts,
      interrupted,
      ...(active.utterance.reqId !== undefined && { reqId: active.utterance.reqId }),
    });
    this.opts.hooks.ended(active.utterance.id, pts, interrupted);
    this.nextStartClock = interrupted ? undefined : endClock;
    this.activateNext();
  }

  private pts(clockMs: number): number {
    return Math.round((clockMs - this.opts.originMs) * 1000) / 1000;
  }

  /** Interrupts everything and detaches from the clock. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const queued of this.queue.splice(0)) {
      this.opts.hooks.ended(queued.id, this.pts(this.opts.clock.now()), true);
    }
    if (this.active) this.finish(this.active, this.opts.clock.now(), true);
    this.opts.clock.remove(this);
  }
}
