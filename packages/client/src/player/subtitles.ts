import type { WordTiming } from './driver-frames.js';
import { WordTrack } from './word-track.js';

export interface WordEvent {
  reqId: string;
  index: number;
  text: string;
}

export interface SubtitlesOptions {
  /** Where the words go; without one, word events are still reported. */
  element?: HTMLElement | undefined;
  onWord: (event: WordEvent) => void;
  /** How long the last words stay up after their utterance ends or is interrupted. */
  holdMs?: number;
}

/** Long enough to read the last few words, short enough that stale text does not linger. */
const DEFAULT_HOLD_MS = 1200;
/** Characters of scripts written without spaces between words (CJK, kana, hangul, full-width forms). */
const NO_SPACE = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u;
/** Punctuation that sticks to the word before it. */
const CLOSING = /^[,.!?;:%)\]}'"’”…]/u;

interface Entry {
  /** What was sent, for servers that send no words. */
  text: string;
  track: WordTrack;
  /** Words reported so far (word events are sent once each, in order). */
  reported: number;
}

/** Text as shown when no words come: SSML tags dropped, whitespace collapsed. */
function plain(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function joinsWithSpace(previous: string, next: string): boolean {
  if (!previous || !next) return false;
  if (CLOSING.test(next)) return false;
  return !NO_SPACE.test(previous.slice(-1)) && !NO_SPACE.test(next.charAt(0));
}

/**
 * The subtitle line: the words of whichever utterance is audible, each a `<span>`, the current one with class
 * `current` (driven by the audio clock through `update`). With no `Words` from the server, the sent text is
 * shown without a highlight. The line is emptied a short hold after its utterance ends or is interrupted.
 */
export class Subtitles {
  readonly #element: HTMLElement | undefined;
  readonly #onWord: (event: WordEvent) => void;
  readonly #holdMs: number;
  readonly #entries = new Map<string, Entry>();
  #shown: string | undefined;
  /** Words (or -1 for plain text) in the element, to know when to redraw. */
  #renderedWords = -1;
  #renderedText = '';
  #current = -1;
  #hold: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SubtitlesOptions) {
    this.#element = options.element;
    this.#onWord = options.onWord;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  begin(reqId: string, text: string): void {
    this.#entries.set(reqId, { text, track: new WordTrack(), reported: 0 });
  }

  appendText(reqId: string, text: string): void {
    const entry = this.#entries.get(reqId);
    if (entry) entry.text += text;
  }

  addWords(reqId: string, words: readonly WordTiming[]): void {
    this.#entries.get(reqId)?.track.add(words);
  }

  /** Follows playback: `position` is the audible utterance and ms into its audio, or null in silence. */
  update(position: { reqId: string; ms: number } | null): void {
    if (!position) return;
    const entry = this.#entries.get(position.reqId);
    if (!entry) return;
    if (this.#shown !== position.reqId) {
      this.#cancelHold();
      this.#shown = position.reqId;
      this.#current = -1;
      this.#renderedWords = -1;
      this.#renderedText = '';
    }
    this.#render(entry);
    const index = entry.track.indexAt(position.ms);
    const words = entry.track.words;
    while (entry.reported <= index) {
      const at = entry.reported++;
      this.#onWord({ reqId: position.reqId, index: at, text: words[at]?.Text ?? '' });
    }
    if (index !== this.#current) this.#highlight(index);
  }

  /** The utterance is over: its line goes after the hold (if it is the one shown). */
  end(reqId: string): void {
    this.#entries.delete(reqId);
    if (this.#shown === reqId) this.#holdThenClear();
  }

  /** Every utterance is over (interrupt): the line goes after the hold. */
  endAll(): void {
    this.#entries.clear();
    if (this.#shown !== undefined) this.#holdThenClear();
  }

  /** Empties the line now and forgets everything. */
  dispose(): void {
    this.#cancelHold();
    this.#entries.clear();
    this.#clear();
  }

  #render(entry: Entry): void {
    const element = this.#element;
    if (!element) return;
    const words = entry.track.words;
    if (words.length > 0) {
      if (this.#renderedWords === words.length) return;
      const doc = element.ownerDocument;
      const nodes: Node[] = [];
      words.forEach((word, i) => {
        const previous = words[i - 1];
        if (previous && joinsWithSpace(previous.Text, word.Text)) nodes.push(doc.createTextNode(' '));
        const span = doc.createElement('span');
        span.textContent = word.Text;
        if (i === this.#current) span.className = 'current';
        nodes.push(span);
      });
      element.replaceChildren(...nodes);
      this.#renderedWords = words.length;
      return;
    }
    const text = plain(entry.text);
    if (this.#renderedWords === -1 && this.#renderedText === text && element.childNodes.length > 0) return;
    const span = element.ownerDocument.createElement('span');
    span.textContent = text;
    element.replaceChildren(span);
    this.#renderedText = text;
  }

  #highlight(index: number): void {
    this.#current = index;
    const element = this.#element;
    if (!element || this.#renderedWords < 0) return;
    const spans = element.getElementsByTagName('span');
    for (let i = 0; i < spans.length; i++) spans[i]?.classList.toggle('current', i === index);
  }

  #holdThenClear(): void {
    this.#cancelHold();
    this.#hold = setTimeout(() => {
      this.#hold = undefined;
      this.#clear();
    }, this.#holdMs);
  }

  #cancelHold(): void {
    if (this.#hold !== undefined) clearTimeout(this.#hold);
    this.#hold = undefined;
  }

  #clear(): void {
    this.#shown = undefined;
    this.#current = -1;
    this.#renderedWords = -1;
    this.#renderedText = '';
    this.#element?.replaceChildren();
  }
}
