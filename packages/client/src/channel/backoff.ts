/** Reconnect delays: exponential growth with jitter, capped. */
export interface BackoffOptions {
  /** The first delay's upper bound, default 250 ms. */
  initialMs?: number;
  /** The cap, default 10000 ms. */
  maxMs?: number;
}

export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 250, maxMs: 10_000 });

/**
 * Each delay is drawn from [base/2, base], with base doubling from `initialMs` up to `maxMs`. The jitter
 * spreads out clients that lost the same server at the same moment, and because consecutive ranges only touch
 * ([125, 250] then [250, 500] …) the delays never shrink while the base doubles; from the cap on they vary
 * within [maxMs/2, maxMs].
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #base: number;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    if (!(initialMs > 0 && Number.isFinite(initialMs))) {
      throw new TypeError(`backoff initialMs must be a positive number, got ${initialMs}`);
    }
    if (!(maxMs >= initialMs && Number.isFinite(maxMs))) {
      throw new TypeError(`backoff maxMs must be a number >= initialMs, got ${maxMs}`);
    }
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#random = random;
    this.#base = initialMs;
  }

  /** The longest delay this backoff hands out. */
  get maxMs(): number {
    return this.#maxMs;
  }

  next(): number {
    const base = this.#base;
    this.#base = Math.min(base * 2, this.#maxMs);
    return Math.round(base / 2 + (base / 2) * this.#random());
  }

  reset(): void {
    this.#base = this.#initialMs;
  }
}
