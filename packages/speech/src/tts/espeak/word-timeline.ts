import type { WordTiming } from '@dhuman/core';
import type { TextSegment } from '../../text/word-segments.js';
import { isWordBoundary, spokenWeight, textSegments } from '../../text/word-segments.js';
import type { EspeakEvent } from './espeak-worker.js';
import { isLanguageSwitch } from './espeak-worker.js';
import { splitSpan } from './split-span.js';

/** The text from one word event to the next, and what was heard in it. Indexes count code points. */
interface Group {
  /** Where the group's text starts: its word's start, or 0 for the first (words before espeak's first join it). */
  from: number;
  /** Where the word espeak reported starts (undefined until the first word event), and its segment. */
  anchor: number | undefined;
  segment: number;
  /** Where the event that began the word ends: a later event starting before this is the same word. */
  reach: number;
  startMs: number;
  /** Start times of the sounding phonemes since the group began. */
  phonemes: number[];
  /** Start of the pause that followed the last sounding phoneme, if any yet. */
  silenceMs: number | undefined;
}

/**
 * Turns espeak's word and phoneme events into WordTimings covering every word of the request text, once each,
 * in order: the words are the text's own (see `textSegments`), and espeak's events only time them. What espeak
 * reports, measured with espeak-ng-emscripten 0.3.5:
 * - `text_position` is 1-based and counts code points (not bytes, not UTF-16 units); `length` likewise.
 * - Some words get no event: "of the" comes as "of" alone (then ʌ v ð ə), as do "in the", "that the",
 *   "U.S.A. e.g." and the rest of "well-known" or "don't". A word without an event joins the one before it,
 *   and `splitSpan` shares that word's time among them by its phonemes.
 * - Mandarin words can be shorter than what is spoken: "你好世界" gives 你 (length 1, spoken "ni hao"), then 世,
 *   then 界. Text without spaces is split only where a word event starts, so 你好 is one word.
 * - Events repeat or overlap: "1234" gives 1234, then 234 (and the space after) once per part said; "12/05"
 *   gives 12, /, 05, 5/. Those are one word; "123个" gives 123, then 23个, then 个, which starts the next word.
 * - Punctuation, symbols and emoji are words only when espeak gives them an event ("&", "%", "😀").
 * - An emoji read as two words puts the second on the following space: an event on spaces only is not a word.
 * A word ends where a pause (an empty phoneme) follows its last sound, else where the next word starts, else at
 * the end of the audio. So a word is known only once the next one starts; until then it is held.
 */
export class WordTimeline {
  /** UTF-16 offset of each code point, plus the text length. */
  private readonly offsets: number[] = [];
  private readonly codePoints: string[] = [];
  private readonly segments: TextSegment[];
  /** The segment each code point is in, or -1 for spaces. */
  private readonly segmentAt: number[];
  /** Segments without letters or digits that espeak spoke. */
  private readonly spoken = new Set<number>();
  /** The first segment not yet handed out as words. */
  private nextSegment = 0;
  private lastEndMs = 0;
  private group: Group = newGroup(0, undefined, -1, 0, 0);

  constructor(private readonly text: string) {
    let offset = 0;
    for (const char of text) {
      this.offsets.push(offset);
      this.codePoints.push(char);
      offset += char.length;
    }
    this.offsets.push(offset);
    this.segments = textSegments(this.codePoints);
    this.segmentAt = this.codePoints.map(() => -1);
    this.segments.forEach((segment, index) => {
      for (let i = segment.start; i < segment.end; i++) this.segmentAt[i] = index;
    });
  }

  /** Feeds one chunk's events; returns the words that became complete. */
  push(events: readonly EspeakEvent[]): WordTiming[] {
    const done: WordTiming[] = [];
    for (const event of events) {
      if (event.kind === 'phoneme') this.onPhoneme(event.ms, event.ipa);
      else done.push(...this.onWord(event.ms, event.position - 1, event.length));
    }
    return done;
  }

  /** Closes the last words at the end of the audio. */
  finish(audioEndMs: number): WordTiming[] {
    return this.close(this.codePoints.length, audioEndMs);
  }

  private onPhoneme(ms: number, ipa: string): void {
    const group = this.group;
    if (ipa === '') {
      if (group.phonemes.length > 0) group.silenceMs ??= ms;
    } else if (!isLanguageSwitch(ipa)) {
      group.phonemes.push(ms);
      group.silenceMs = undefined;
    }
  }

  private onWord(ms: number, position: number, length: number): WordTiming[] {
    const count = this.codePoints.length;
    const start = Math.min(Math.max(0, position), count);
    const end = Math.min(start + Math.max(0, length), count);
    const hit = this.locate(start, end);
    if (!hit) return [];
    const group = this.group;
    if (group.anchor === undefined) {
      // The first word: any words before it join it.
      this.group = { ...group, anchor: hit.at, segment: hit.segment, reach: end, startMs: ms };
      this.speak(hit.segment);
      return [];
    }
    const later =
      hit.segment > group.segment ||
      (hit.segment === group.segment && hit.at > group.anchor && hit.at >= group.reach);
    // A repeat or a later part of the same word (a number read in parts): its position can run one character
    // past the word ("1234" → "234 ", "2024年" → "024年"), so it does not move where the next word may start.
    if (!later) return [];
    const done = this.close(hit.at, ms);
    this.group = newGroup(hit.at, hit.at, hit.segment, end, Math.max(ms, this.lastEndMs));
    this.speak(hit.segment);
    return done;
  }

  /**
   * Where a word event's word starts: in the segment holding its first character, else in the first word it
   * overlaps, else in the punctuation run it starts on; undefined for an event on spaces. Inside a segment a
   * word starts at the segment's start, unless the text there has no spaces (Hanzi).
   */
  private locate(start: number, end: number): { segment: number; at: number } | undefined {
    let index = this.segmentAt[start] ?? -1;
    if (!this.segments[index]?.lexical) {
      for (let i = start; i < end; i++) {
        const other = this.segmentAt[i] ?? -1;
        if (this.segments[other]?.lexical) {
          index = other;
          break;
        }
      }
    }
    const segment = this.segments[index];
    if (!segment) return undefined;
    const inside = start > segment.start && start < segment.end && isWordBoundary(this.codePoints, start);
    return { segment: index, at: inside ? start : segment.start };
  }

  private speak(segment: number): void {
    if (!this.segments[segment]?.lexical) this.spoken.add(segment);
  }

  /** Hands out the current group's words, the text up to `until`, ending at a pause or at `nextMs`. */
  private close(until: number, nextMs: number): WordTiming[] {
    const group = this.group;
    const words: { start: number; end: number }[] = [];
    for (; this.nextSegment < this.segments.length; this.nextSegment++) {
      const segment = this.segments[this.nextSegment];
      if (!segment || segment.start >= until) break;
      if (segment.lexical || this.spoken.has(this.nextSegment)) {
        words.push({ start: Math.max(segment.start, group.from), end: Math.min(segment.end, until) });
      }
      // A segment cut at `until` (Hanzi) goes on in the next group.
      if (segment.end > until) break;
    }
    if (words.length === 0) return [];
    const span = {
      startMs: group.startMs,
      endMs: Math.max(group.startMs, group.silenceMs ?? nextMs),
    };
    this.lastEndMs = span.endMs;
    const weights = words.map((w) => spokenWeight(this.codePoints, w.start, w.end));
    return splitSpan(span, weights, group.phonemes).map((time, i) => {
      const word = words[i] ?? { start: 0, end: 0 };
      return {
        text: this.slice(word.start, word.end),
        textOffset: this.offsets[word.start] ?? 0,
        startMs: time.startMs,
        endMs: time.endMs,
      };
    });
  }

  private slice(start: number, end: number): string {
    return this.text.slice(this.offsets[start] ?? 0, this.offsets[end] ?? this.text.length);
  }
}

function newGroup(
  from: number,
  anchor: number | undefined,
  segment: number,
  reach: number,
  startMs: number,
): Group {
  return { from, anchor, segment, reach, startMs, phonemes: [], silenceMs: undefined };
}
