/**
 * Speak latency of one page session: from the text leaving the browser to the first audible sample, as the
 * player measures it. Keeps every sample (a demo session is short) so the median is exact.
 */
export class LatencyStats {
  readonly #samples: number[] = [];
  #sorted: number[] | undefined;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#samples.push(ms);
    this.#sorted = undefined;
  }

  get count(): number {
    return this.#samples.length;
  }

  get last(): number | undefined {
    return this.#samples.at(-1);
  }

  get median(): number | undefined {
    const n = this.#samples.length;
    if (n === 0) return undefined;
    this.#sorted ??= [...this.#samples].sort((a, b) => a - b);
    const mid = Math.floor(n / 2);
    const upper = this.#sorted[mid] ?? 0;
    return n % 2 === 1 ? upper : ((this.#sorted[mid - 1] ?? 0) + upper) / 2;
  }

  clear(): void {
    this.#samples.length = 0;
    this.#sorted = undefined;
  }
}

/** Whole milliseconds, or an em dash when there is nothing yet. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : String(Math.round(ms));
}
