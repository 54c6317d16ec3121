/** Pacing of SEND_AUDIO chunks (spec §4.4). */
export interface PacerOptions {
  /** Chunks sent back to back before pacing starts (spec: the first 6). */
  burst: number;
  /** Target gap between paced chunks: 120 ms for pre-recorded audio, 160 ms for a live source. */
  intervalMs: number;
  /** No two paced chunks closer than this: the spec's fastest allowed rate (160 ms of audio per 120 ms). */
  minGapMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const AUDIO_PACING = Object.freeze({
  burst: 6,
  intervalMs: 120,
  realtimeIntervalMs: 160,
  minGapMs: 120,
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Hands out send slots: the first `burst` at once, then one per `intervalMs` on a fixed schedule, so a late
 * timer is made up for on the next chunk. No two paced chunks go closer than `minGapMs`, though: a live
 * source that stalled catches up at the spec's fastest allowed rate instead of releasing its backlog in one
 * burst. At the 120 ms pre-recorded interval, which already is that rate, a late timer shifts the rest of the
 * schedule instead (a little slower, which the spec allows).
 */
export class Pacer {
  readonly #options: Required<PacerOptions>;
  #count = 0;
  /** When the next chunk is due by the fixed schedule. */
  #scheduledAt = 0;
  /** When the next chunk may actually go: the schedule, but never sooner than `minGapMs` after the last. */
  #nextAt = 0;

  constructor(options: PacerOptions) {
    this.#options = {
      now: () => performance.now(),
      sleep: defaultSleep,
      ...options,
    };
  }

  /** Resolves when the next chunk may be sent, and books that slot. */
  async slot(): Promise<void> {
    const { burst, intervalMs, minGapMs, now, sleep } = this.#options;
    if (this.#count >= burst) {
      const wait = this.#nextAt - now();
      if (wait > 0) await sleep(wait);
    }
    const sentAt = now();
    this.#count += 1;
    if (this.#count < burst) return;
    this.#scheduledAt = this.#count === burst ? sentAt + intervalMs : this.#scheduledAt + intervalMs;
    this.#nextAt = Math.max(this.#scheduledAt, sentAt + minGapMs);
  }
}
