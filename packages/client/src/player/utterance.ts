import type { DriveTarget } from './driver-frames.js';
import type { Utterance, UtteranceEnd } from './types.js';

interface SoundSettlers {
  resolve: (ms: number) => void;
  reject: (error: Error) => void;
}

/** The player's state of one utterance, from the first frame sent to its end. */
export class LiveUtterance {
  readonly target: DriveTarget;
  readonly kind: 'text' | 'stream';
  readonly handle: Utterance;
  /** `performance.now()` when its first frame was sent. */
  sentAt: number | undefined;
  firstFrame = false;
  /** Heard: the first sample was audible. */
  heard = false;
  /** Context time its audio starts, once scheduled. */
  startTime: number | undefined;
  /** Context time its last sample ends, once all of it is scheduled. */
  endTime: number | undefined;
  /** No more frames will come for it (Final, or an error). */
  final = false;
  /** Samples of its audio received so far. */
  samples = 0;
  state: 'active' | UtteranceEnd = 'active';
  /** Why it stopped early, if an error stopped it; `firstSound` rejects with it. */
  error: Error | undefined;
  unroute: () => void = () => undefined;
  readonly #cancels: Array<() => void> = [];
  readonly #sound: SoundSettlers;
  readonly #done: (end: UtteranceEnd) => void;

  constructor(target: DriveTarget, kind: 'text' | 'stream') {
    this.target = target;
    this.kind = kind;
    let sound!: SoundSettlers;
    let done!: (end: UtteranceEnd) => void;
    const firstSound = new Promise<number>((resolve, reject) => (sound = { resolve, reject }));
    // Rejecting is how "no sound" is reported; a caller who never asks should not get an unhandled rejection.
    firstSound.catch(() => undefined);
    this.handle = Object.freeze({
      reqId: target.reqId,
      firstSound,
      done: new Promise<UtteranceEnd>((resolve) => (done = resolve)),
    });
    this.#sound = sound;
    this.#done = done;
  }

  get reqId(): string {
    return this.target.reqId;
  }

  /** Cancels `cancel` when the utterance ends. */
  own(cancel: () => void): void {
    this.#cancels.push(cancel);
  }

  markHeard(ms: number): void {
    this.heard = true;
    this.#sound.resolve(ms);
  }

  /** Ends it once: later calls do nothing. Returns false when it had already ended. */
  settle(end: UtteranceEnd, reason?: Error): boolean {
    if (this.state !== 'active') return false;
    this.state = end;
    this.unroute();
    for (const cancel of this.#cancels.splice(0)) cancel();
    if (!this.heard) {
      const why = end === 'interrupted' ? 'interrupted before any sound' : 'the utterance had no audio';
      this.#sound.reject(reason ?? new Error(`${this.reqId}: ${why}`));
    }
    this.#done(end);
    return true;
  }
}
