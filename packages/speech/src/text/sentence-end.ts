import { hasCjk } from '../ssml/language.js';
import { matchActionTag } from './action-tags.js';

/** Punctuation that can end a sentence. `;`/`；` count: a clause after one is a natural place to start speaking. */
export const TERMINATORS = new Set(['.', '!', '?', ';', '…', '。', '！', '？', '；']);
/** Chinese terminators end a sentence whatever follows; there is no decimal point or abbreviation to mistake. */
const STRONG = new Set(['。', '！', '？', '；']);
/** Closing quotes and brackets after the punctuation belong to the sentence they close. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', '」', '』', '）', ')', ']', '】', '》', '〉', '}']);
/** Words that end in a period without ending the sentence: titles before a name, and a few common short forms. */
const ABBREVIATIONS = new Set([
  ...'mr mrs ms dr prof sr jr st mt vs etc approx fig vol dept est'.split(' '),
  ...'jan feb mar apr jun jul aug sep sept oct nov dec'.split(' '),
]);

export type EndDecision =
  /** The sentence ends just before `end` (its punctuation and closers included). */
  | { kind: 'end'; end: number }
  /** Not an end: carry on scanning at `next`, past the punctuation. */
  | { kind: 'continue'; next: number }
  /** Cannot tell until more text arrives. */
  | { kind: 'wait' };

export function isSpace(c: string | undefined): boolean {
  return c !== undefined && /\s/.test(c);
}

function isCjkAt(text: string, at: number): boolean {
  const code = text.codePointAt(at);
  return code !== undefined && hasCjk(String.fromCodePoint(code));
}

/**
 * Decides whether the punctuation at `text[at]` ends a sentence. `start` is where the sentence's text starts.
 * English punctuation must be followed by a space, a tag, CJK text or the end of the stream, which keeps 3.14,
 * example.com, a@b.co and "wait...what" whole; a period also does not end a sentence after an abbreviation, an
 * initial, a list number ("1. "), or when a lowercase word follows.
 */
export function sentenceEnd(text: string, at: number, start: number, final: boolean): EndDecision {
  let runEnd = at;
  while (runEnd < text.length && TERMINATORS.has(text[runEnd] ?? '')) runEnd++;
  let end = runEnd;
  while (end < text.length && CLOSERS.has(text[end] ?? '')) end++;
  // More punctuation, a closing quote or (for English) the next word may still arrive.
  if (end === text.length) return final ? { kind: 'end', end } : { kind: 'wait' };
  const run = text.slice(at, runEnd);
  if ([...run].some((c) => STRONG.has(c))) return { kind: 'end', end };
  const next = text[end];
  const glued = !isSpace(next) && next !== '<' && !isCjkAt(text, end);
  if (glued) return { kind: 'continue', next: runEnd };
  if (run === '.' && notAnEnd(text.slice(start, at))) return { kind: 'continue', next: runEnd };
  if (/^[.…]+$/.test(run)) {
    const word = nextVisible(text, end, final);
    if (word === WAIT) return { kind: 'wait' };
    if (word !== undefined && /\p{Ll}/u.test(word)) return { kind: 'continue', next: runEnd };
  }
  return { kind: 'end', end };
}

/** Whether `before`, the sentence up to a period, ends with an abbreviation, an initial or a list number. */
function notAnEnd(before: string): boolean {
  if (/^\d{1,3}$/.test(before.trim())) return true;
  const word = /(?:^|[^A-Za-z0-9.])([A-Za-z.]*[A-Za-z])$/.exec(before)?.[1];
  if (word === undefined) return false;
  return (
    ABBREVIATIONS.has(word.toLowerCase()) ||
    /^(?:[A-Za-z]\.)+[A-Za-z]$/.test(word) || // e.g, i.e, U.S, a.m
    /^[A-Z]$/.test(word) // an initial: J. K. Rowling
  );
}

const WAIT = Symbol('wait');

/** The first character after spaces and action tags from `at`; undefined at a newline or the end of the stream. */
function nextVisible(text: string, at: number, final: boolean): string | undefined | typeof WAIT {
  for (let i = at; ;) {
    const c = text[i];
    if (c === undefined) return final ? undefined : WAIT;
    if (c === '\n') return undefined;
    if (c === '<') {
      const tag = matchActionTag(text, i, final);
      if (tag?.kind === 'incomplete') return WAIT;
      if (tag) {
        i = tag.end;
        continue;
      }
    }
    if (!isSpace(c)) return c;
    i++;
  }
}
