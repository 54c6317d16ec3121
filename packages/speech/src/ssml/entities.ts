import { ssmlError } from './position.js';

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Longest reference we look for a `;` in; `&#x10FFFF;` is the longest legal one. */
const MAX_REFERENCE = 12;

/**
 * Decodes the entity or character reference starting at `input[start]` (an `&`). Returns the text it stands for
 * and the offset just past its `;`. XML has no bare `&`, so anything else is an error at the `&`.
 */
export function decodeEntity(input: string, start: number): { text: string; end: number } {
  const semicolon = input.indexOf(';', start + 1);
  const body = semicolon < 0 ? '' : input.slice(start + 1, semicolon);
  if (semicolon < 0 || semicolon - start > MAX_REFERENCE || !/^#?[A-Za-z0-9]+$/.test(body)) {
    throw ssmlError(input, start, "unterminated entity (a literal '&' must be written &amp;)");
  }
  const end = semicolon + 1;
  if (body.startsWith('#')) return { text: characterReference(input, start, body.slice(1)), end };
  const named = NAMED[body];
  if (named === undefined) throw ssmlError(input, start, `unknown entity '&${body};'`);
  return { text: named, end };
}

function characterReference(input: string, start: number, digits: string): string {
  const hex = digits.startsWith('x') || digits.startsWith('X');
  const valid = hex ? /^[xX][0-9A-Fa-f]+$/.test(digits) : /^[0-9]+$/.test(digits);
  const code = valid ? parseInt(hex ? digits.slice(1) : digits, hex ? 16 : 10) : NaN;
  // Surrogates and 0 are not characters; XML forbids them in references too.
  if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
    throw ssmlError(input, start, `invalid character reference '&#${digits};'`);
  }
  return String.fromCodePoint(code);
}
