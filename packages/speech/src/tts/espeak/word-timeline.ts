import type { WordTiming } from '@dhuman/core';
import type { EspeakEvent } from './espeak-worker.js';

interface OpenWord {
  /** Code-point indexes into the text, end exclusive. */
  start: number;
  end: number;
  startMs: number;
  /** Whether a voiced phoneme has been heard since the word began. */
  voiced: boolean;
  /** Start of the pause that followed the word's last voiced phoneme, if any yet. */
  silenceMs: number | undefined;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const SPACE_ONLY = /^\s*$/u;

/**
 * Turns espeak's word and phoneme events into WordTimings over the request text. What espeak reports, measured
 * with espeak-ng-emscripten 0.3.5:
 * - `text_position` is 1-based and counts code points (not bytes, not UTF-16 units); `length` likewise.
 * - Mandarin words can be shorter than what is spoken: "你好世界" gives 你 (length 1, spoken "ni hao"), then 世,
 *   then 界. So a word reaches over letters up to the next word's start.
 * - Events repeat or overlap ("𝒳" spelled out repeats its word; "123个" gives 123, then 23个, then 个): those
 *   are one word.
 * - An emoji read as two words puts the second on the following space: a word of only spaces is not a word.
 * A word ends where a pause (an empty phoneme) follows its last sound, else where the next word starts, else at
 * the end of the audio. So a word is known only once the next one starts; until then it is held.
 */
export class WordTimeline {
  /** UTF-16 offset of each code point, plus the text length. */
  private readonly offsets: number[] = [];
  private readonly codePoints: string[] = [];
  private open: OpenWord | undefined;

  constructor(private readonly text: string) {
    let offset = 0;
    for (const char of text) {
      this.offsets.push(offset);
      this.codePoints.push(char);
      offset += char.length;
    }
    this.offsets.push(offset);
  }

  /** Feeds one chunk's events; returns the words that became complete. */
  push(events: readonly EspeakEvent[]): WordTiming[] {
    const done: WordTiming[] = [];
    for (const event of events) {
      if (event.kind === 'phoneme') this.onPhoneme(event.ms, event.ipa);
      else {
        const word = this.onWord(event.ms, event.position - 1, event.length);
        if (word) done.push(word);
      }
    }
    return done;
  }

  /** Closes the last word at the end of the audio. */
  finish(audioEndMs: number): WordTiming[] {
    const open = this.open;
    this.open = undefined;
    return open ? [this.close(open, this.codePoints.length, audioEndMs)] : [];
  }

  private onPhoneme(ms: number, ipa: string): void {
    const open = this.open;
    if (!open) return;
    if (ipa === '') {
      if (open.voiced) open.silenceMs ??= ms;
    } else {
      open.voiced = true;
      open.silenceMs = undefined;
    }
  }

  private onWord(ms: number, position: number, length: number): WordTiming | undefined {
    const count = this.codePoints.length;
    const start = Math.min(Math.max(0, position), count);
    const end = Math.min(start + Math.max(0, length), count);
    const open = this.open;
    if (SPACE_ONLY.test(this.slice(start, end))) return undefined;
    if (open && start < open.end) {
      open.end = Math.max(open.end, end);
      return undefined;
    }
    this.open = { start, end, startMs: ms, voiced: false, silenceMs: undefined };
    return open ? this.close(open, start, ms) : undefined;
  }

  private close(word: OpenWord, nextStart: number, nextMs: number): WordTiming {
    let end = word.end;
    while (end < nextStart && WORD_CHAR.test(this.codePoints[end] ?? '')) end++;
    const textOffset = this.offsets[word.start] ?? 0;
    return {
      text: this.slice(word.start, end),
      textOffset,
      startMs: word.startMs,
      endMs: Math.max(word.startMs, word.silenceMs ?? nextMs),
    };
  }

  private slice(start: number, end: number): string {
    return this.text.slice(this.offsets[start] ?? 0, this.offsets[end] ?? this.text.length);
  }
}
