/** The parts of an `AudioContext` the clock reads (`outputLatency` is missing in some browsers). */
export interface ClockSource {
  readonly currentTime: number;
  readonly baseLatency?: number;
  readonly outputLatency?: number;
}

/** Latency figures above this are taken as bogus (a Bluetooth headset reports ~0.2 s; nothing reports 1 s). */
const MAX_LATENCY_SEC = 0.5;
/** A suspended context's clock stands still, so a wait re-checks at least this often. */
const MIN_RECHECK_MS = 20;

function latency(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The one clock of the player: the context time of the sample being heard now, i.e. `currentTime` minus the
 * latencies the browser reports. Sound is scheduled on the context timeline and the mouth is looked up at this
 * time, so both follow the same clock and stay within one video frame of each other.
 */
export class AudioClock {
  readonly #source: ClockSource;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(source: ClockSource) {
    this.#source = source;
  }

  /** Context time (seconds) of what is audible now. */
  now(): number {
    const { currentTime, baseLatency, outputLatency } = this.#source;
    const total = Math.min(MAX_LATENCY_SEC, latency(baseLatency) + latency(outputLatency));
    return currentTime - total;
  }

  /**
   * Calls `fn` once the audible time reaches `time`, with the `performance.now()` estimate of the moment it
   * did. Returns a function that cancels the call.
   */
  at(time: number, fn: (performanceMs: number) => void): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = this.now();
    const check = () => {
      if (timer !== undefined) this.#timers.delete(timer);
      const now = this.now();
      const ahead = time - now;
      if (ahead <= 0) {
        timer = undefined;
        fn(performance.now() + ahead * 1000);
        return;
      }
      // Timers may fire a little early; a clock that stood still (suspended context) is polled gently.
      const moved = now > last;
      last = now;
      timer = setTimeout(check, moved ? ahead * 1000 + 1 : MIN_RECHECK_MS);
      this.#timers.add(timer);
    };
    // The first check is deferred too, so `fn` never runs inside the caller's own call.
    timer = setTimeout(check, Math.max(0, (time - this.now()) * 1000));
    this.#timers.add(timer);
    return () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      this.#timers.delete(timer);
      timer = undefined;
    };
  }

  /** Cancels every pending `at`. */
  cancelAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
