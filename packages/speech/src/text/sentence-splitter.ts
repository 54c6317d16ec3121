import { matchActionTag } from './action-tags.js';
import { renderSentence } from './render-sentence.js';
import { isSpace, sentenceEnd, TERMINATORS } from './sentence-end.js';

export interface SentenceSplitterOptions {
  /**
   * Once a sentence runs past this many characters with no end in sight, it is cut after its last comma (or,
   * with no comma late enough, its last space) so the avatar starts talking. Default 120.
   */
  maxChars?: number;
  /** A run with no comma or space either (long unpunctuated CJK) is cut at this length, between graphemes. Default 200. */
  hardMaxChars?: number;
  /**
   * The first clause of a stream is released at a comma as soon as it has this many characters, instead of
   * waiting for the whole first sentence: the first audio comes sooner, and later sentences are not cut early.
   * Default 12; Infinity turns it off.
   */
  firstClauseMinChars?: number;
}

/** Commas a clause can end at; an ASCII comma only when a space follows, so 1,000 stays whole. */
const COMMAS = new Set(['，', '、', ',']);
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Re-joins the fragments of a non-sentence SEND_STREAMTEXT (LLM tokens cut anywhere) into sentences for TTS.
 *
 * `push` returns the sentences completed so far and keeps the rest; `flush` returns the rest at the end of the
 * stream and makes the splitter ready for a new one. A sentence ends at Chinese 。！？；…, English . ! ? ; (see
 * sentence-end.ts for what does not count) or a newline; sentences of only punctuation are dropped. A sentence
 * whose end could still change with the next fragment (a closing quote, "3." before "14") waits for it.
 *
 * `<insert-action …/>` tags real clients put in fragments (spec §9.3) may arrive split across fragments; they are
 * kept at their place: a sentence with an action comes out as `<speak>` SSML (see render-sentence.ts), so
 * parseSpeechInput places the action and stripSsmlTags gives its subtitle. Lengths count UTF-16 units of text,
 * tags excluded.
 */
export class SentenceSplitter {
  private readonly maxChars: number;
  private readonly hardMaxChars: number;
  private readonly firstClauseMinChars: number;
  private buffer = '';
  /** Whether anything was released in this stream: only the first clause is released early. */
  private released = false;

  constructor(options: SentenceSplitterOptions = {}) {
    this.maxChars = options.maxChars ?? 120;
    this.hardMaxChars = options.hardMaxChars ?? 200;
    this.firstClauseMinChars = options.firstClauseMinChars ?? 12;
    if (!(this.maxChars >= 1 && this.hardMaxChars >= this.maxChars && this.firstClauseMinChars >= 1)) {
      throw new RangeError(
        'SentenceSplitter needs 1 <= maxChars <= hardMaxChars and firstClauseMinChars >= 1',
      );
    }
  }

  push(fragment: string): string[] {
    this.buffer += fragment;
    return this.drain(false);
  }

  flush(): string[] {
    const sentences = this.drain(true);
    const rest = renderSentence(this.buffer);
    if (rest !== undefined) sentences.push(rest);
    this.buffer = '';
    this.released = false;
    return sentences;
  }

  private drain(final: boolean): string[] {
    const sentences: string[] = [];
    for (let end = this.cut(final); end !== undefined; end = this.cut(final)) {
      const sentence = renderSentence(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end);
      if (sentence !== undefined) {
        sentences.push(sentence);
        this.released = true;
      }
    }
    return sentences;
  }

  /** Where the buffer's first sentence (or clause, or over-long run) ends, if that is already known. */
  private cut(final: boolean): number | undefined {
    const text = this.buffer;
    let start: number | undefined;
    let length = 0;
    let lastComma: { end: number; length: number } | undefined;
    let lastSpace: number | undefined;
    for (let i = 0; i < text.length;) {
      const c = text[i] ?? '';
      if (c === '<') {
        const tag = matchActionTag(text, i, final);
        if (tag?.kind === 'incomplete') return undefined;
        if (tag) {
          i = tag.end;
          continue;
        }
      }
      if (c === '\n') return i + 1;
      if (start === undefined && isSpace(c)) {
        i++;
        continue;
      }
      start ??= i;
      if (TERMINATORS.has(c)) {
        const decision = sentenceEnd(text, i, start, final);
        if (decision.kind === 'wait') return undefined;
        if (decision.kind === 'end') return decision.end;
        length += decision.next - i;
        i = decision.next;
        continue;
      }
      length++;
      if (isSpace(c)) lastSpace = i + 1;
      if (COMMAS.has(c) && (c !== ',' || isSpace(text[i + 1]))) {
        lastComma = { end: i + 1, length };
        if (!this.released && length >= this.firstClauseMinChars) return i + 1;
      }
      if (length > this.maxChars) {
        const at =
          lastComma && lastComma.length >= this.maxChars / 2 ? lastComma.end : (lastSpace ?? lastComma?.end);
        if (at !== undefined) return at;
      }
      if (length >= this.hardMaxChars) return graphemeEnd(text, i + 1, final);
      i++;
    }
    return undefined;
  }
}

/** The first grapheme boundary at or after `at`, so a cut never splits a surrogate pair or an emoji sequence. */
function graphemeEnd(text: string, at: number, final: boolean): number | undefined {
  for (const { index, segment } of graphemes.segment(text)) {
    const end = index + segment.length;
    if (end < at) continue;
    // The last grapheme may still grow (a ZWJ or skin tone in the next fragment).
    return end < text.length || final ? end : undefined;
  }
  return undefined;
}
