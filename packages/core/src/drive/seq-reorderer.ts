export type SeqOutcome<T> =
  { kind: 'ready'; items: T[] } | { kind: 'duplicate' } | { kind: 'too-far'; expected: number };

/**
 * Puts numbered fragments (`Seq` from 1) back in order within a small window: fragments that arrive early
 * wait for the missing ones, repeats are ignored, and `skipGap` gives up on a missing number so a stream never
 * hangs on one lost packet.
 */
export class SeqReorderer<T> {
  private next = 1;
  private readonly pending = new Map<number, T>();

  constructor(private readonly window = 32) {}

  get expected(): number {
    return this.next;
  }

  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  accept(seq: number, item: T): SeqOutcome<T> {
    if (seq < this.next || this.pending.has(seq)) return { kind: 'duplicate' };
    if (seq >= this.next + this.window) return { kind: 'too-far', expected: this.next };
    this.pending.set(seq, item);
    return { kind: 'ready', items: this.drain() };
  }

  /** Skips the missing numbers up to the next buffered fragment; returns the skipped range and what is ready. */
  skipGap(): { missing: [number, number]; items: T[] } | undefined {
    if (this.pending.size === 0) return undefined;
    const first = Math.min(...this.pending.keys());
    const missing: [number, number] = [this.next, first - 1];
    this.next = first;
    return { missing, items: this.drain() };
  }

  private drain(): T[] {
    const items: T[] = [];
    for (let item = this.pending.get(this.next); item !== undefined; item = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      items.push(item);
      this.next++;
    }
    return items;
  }
}
