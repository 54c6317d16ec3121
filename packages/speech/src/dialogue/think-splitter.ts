const OPEN = '<think>';
const CLOSE = '</think>';

export type ThinkPiece = { kind: 'text'; text: string } | { kind: 'reasoning'; text: string };

/**
 * Separates a `<think>…</think>` block at the start of a model's answer from the answer itself. Reasoning
 * models (Qwen3, DeepSeek-R1) served without a reasoning parser put their thinking in the content this way; it
 * must be shown as reasoning and never spoken. The tags may arrive split across chunks ("<thi", "nk>"), so
 * text that could still be the start of a tag is held back until the next chunk decides.
 */
export class ThinkSplitter {
  private state: 'start' | 'thinking' | 'after-think' | 'answer' = 'start';
  private held = '';

  push(text: string): ThinkPiece[] {
    const pieces: ThinkPiece[] = [];
    this.held += text;
    for (;;) {
      if (this.state === 'answer') {
        if (this.held) pieces.push({ kind: 'text', text: this.held });
        this.held = '';
        return pieces;
      }
      if (this.state === 'after-think') {
        // Models put a blank line after </think>; it is not part of the answer.
        this.held = this.held.trimStart();
        if (!this.held) return pieces;
        this.state = 'answer';
        continue;
      }
      if (this.state === 'start') {
        const trimmed = this.held.trimStart();
        if (trimmed.startsWith(OPEN)) {
          this.held = trimmed.slice(OPEN.length);
          this.state = 'thinking';
          continue;
        }
        if (OPEN.startsWith(trimmed)) return pieces;
        this.state = 'answer';
        continue;
      }
      const end = this.held.indexOf(CLOSE);
      if (end >= 0) {
        const reasoning = this.held.slice(0, end);
        if (reasoning) pieces.push({ kind: 'reasoning', text: reasoning });
        this.held = this.held.slice(end + CLOSE.length);
        this.state = 'after-think';
        continue;
      }
      const keep = partialTagLength(this.held);
      const reasoning = this.held.slice(0, this.held.length - keep);
      if (reasoning) pieces.push({ kind: 'reasoning', text: reasoning });
      this.held = this.held.slice(this.held.length - keep);
      return pieces;
    }
  }

  /** What is still held when the answer ends: an unclosed think block stays reasoning. */
  end(): ThinkPiece[] {
    const rest = this.held;
    this.held = '';
    if (!rest) return [];
    if (this.state === 'thinking') return [{ kind: 'reasoning', text: rest }];
    // A lone "<thi" or whitespace at the very end is an answer after all.
    return this.state === 'after-think' ? [] : [{ kind: 'text', text: rest }];
  }
}

/** Length of the longest end of `text` that is a start of `</think>`. */
function partialTagLength(text: string): number {
  for (let length = Math.min(CLOSE.length - 1, text.length); length > 0; length--) {
    if (CLOSE.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
