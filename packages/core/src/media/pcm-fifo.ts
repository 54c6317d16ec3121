/** A queue of PCM pieces read by sample count, so playout can take exactly the samples a tick is due. */
export class PcmFifo {
  private readonly pieces: Int16Array[] = [];
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.pieces.push(pcm);
    this.size += pcm.length;
  }

  /** Removes and returns up to `count` samples. */
  take(count: number): Int16Array {
    const n = Math.min(count, this.size);
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.pieces[0];
      if (!piece) break;
      const available = piece.length - this.head;
      const used = Math.min(available, n - filled);
      out.set(piece.subarray(this.head, this.head + used), filled);
      filled += used;
      this.head += used;
      if (this.head === piece.length) {
        this.pieces.shift();
        this.head = 0;
      }
    }
    this.size -= n;
    return out;
  }

  clear(): void {
    this.pieces.length = 0;
    this.head = 0;
    this.size = 0;
  }
}
