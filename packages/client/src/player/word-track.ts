import type { WordTiming } from './driver-frames.js';

/**
 * The timed words of one utterance (dhuman's `SpeechRsp.Words`), in start order. The current word is the last
 * one that has started: it stays current through the pause after it, until the next one starts.
 */
export class WordTrack {
  readonly #words: WordTiming[] = [];

  get words(): readonly WordTiming[] {
    return this.#words;
  }

  /** Adds words as they arrive (each SPEECH frame brings those starting in its audio). */
  add(words: readonly WordTiming[]): void {
    for (const word of words) {
      let at = this.#words.length;
      while (at > 0 && (this.#words[at - 1]?.StartMs ?? 0) > word.StartMs) at--;
      this.#words.splice(at, 0, word);
    }
  }

  /** Index of the current word at `ms` (from the start of the utterance's audio), or -1 before the first. */
  indexAt(ms: number): number {
    let low = 0;
    let high = this.#words.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.#words[mid]?.StartMs ?? 0) <= ms) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}
