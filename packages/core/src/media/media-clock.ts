/**
 * One process-wide clock that drives every session's playout. A single timer instead of one per session keeps
 * the cost of 200 talking sessions at one callback per tick; sessions with nothing to play are not registered
 * at all. Time is `performance.now()` in ms, and each tick hands listeners the current time, so a late tick
 * only makes a chunk later, never drops or stretches audio.
 */
export interface ClockListener {
  /** Called on every tick with the clock time in ms. */
  tick(nowMs: number): void;
}

export interface MediaClockOptions {
  /** Tick period. 20 ms keeps interrupt latency and pacing jitter well under one 40 ms video frame. */
  tickMs?: number;
  now?: () => number;
}

export class MediaClock {
  readonly tickMs: number;
  readonly now: () => number;
  private readonly listeners = new Set<ClockListener>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: MediaClockOptions = {}) {
    this.tickMs = options.tickMs ?? 20;
    this.now = options.now ?? (() => performance.now());
  }

  add(listener: ClockListener): void {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => this.tickAll(), this.tickMs);
  }

  remove(listener: ClockListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Runs one tick now; the timer calls it, and tests with a fake clock call it directly. */
  tickAll(): void {
    const now = this.now();
    for (const listener of [...this.listeners]) listener.tick(now);
  }

  get activeListeners(): number {
    return this.listeners.size;
  }

  close(): void {
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
