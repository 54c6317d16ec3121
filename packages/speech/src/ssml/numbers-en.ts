import { parseDecimal } from './decimal.js';

/**
 * English number words for say-as. Inputs are digit strings rather than numbers so long values (ids, card
 * numbers read as cardinals) never lose precision.
 */

const ONES = [
  ...'zero one two three four five six seven eight nine'.split(' '),
  ...'ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'.split(' '),
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'];
const IRREGULAR_ORDINALS: Readonly<Record<string, string>> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};
export const ENGLISH_MONTHS =
  'January February March April May June July August September October November December'.split(' ');

/** Words of one digit character ('0'–'9'). */
export function englishDigit(digit: string): string {
  return ONES[Number(digit)] ?? digit;
}

/** "1234" → "one two three four". */
export function englishDigits(digits: string): string {
  return [...digits].map(englishDigit).join(' ');
}

function under1000(n: number): string {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) words.push(`${ONES[hundreds]} hundred`);
  if (rest >= 20) words.push(TENS[Math.floor(rest / 10)] + (rest % 10 ? `-${ONES[rest % 10]}` : ''));
  else if (rest > 0) words.push(ONES[rest] ?? '');
  return words.join(' ');
}

/**
 * A non-negative integer given as digits: "1234" → "one thousand two hundred thirty-four" (American style, no
 * "and"). Beyond the quadrillions nobody says the number; it is read digit by digit.
 */
export function englishCardinal(digits: string): string {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > SCALES.length * 3) return englishDigits(trimmed);
  if (/^0+$/.test(trimmed)) return 'zero';
  const words: string[] = [];
  const groups = Math.ceil(trimmed.length / 3);
  for (let g = groups - 1; g >= 0; g--) {
    const end = trimmed.length - g * 3;
    const value = Number(trimmed.slice(Math.max(0, end - 3), end));
    if (value > 0) words.push(under1000(value) + (SCALES[g] ? ` ${SCALES[g]}` : ''));
  }
  return words.join(' ');
}

/** "19" → "nineteenth", "21" → "twenty-first", "100" → "one hundredth". */
export function englishOrdinal(digits: string): string {
  const cardinal = englishCardinal(digits);
  const split = Math.max(cardinal.lastIndexOf(' '), cardinal.lastIndexOf('-')) + 1;
  const last = cardinal.slice(split);
  const ordinal = IRREGULAR_ORDINALS[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return cardinal.slice(0, split) + ordinal;
}

/**
 * A signed decimal like "-3.14" or "1,234.5" → "minus three point one four". Returns undefined for anything
 * that is not a plain number, so the caller can read the text as written.
 */
export function englishNumber(text: string): string | undefined {
  const parsed = parseDecimal(text);
  if (!parsed) return undefined;
  let words = englishCardinal(parsed.integer);
  if (parsed.fraction) words += ` point ${englishDigits(parsed.fraction)}`;
  return parsed.negative ? `minus ${words}` : words;
}

/** How years are said: 1999 "nineteen ninety-nine", 2024 "twenty twenty-four", 2005 "two thousand five". */
export function englishYear(year: number): string {
  const high = Math.floor(year / 100);
  const low = year % 100;
  if (year < 1000 || year > 9999 || year % 1000 < 10) return englishCardinal(String(year));
  const lead = englishCardinal(String(high));
  if (low === 0) return `${lead} hundred`;
  return `${lead} ${low < 10 ? `oh ${ONES[low]}` : englishCardinal(String(low))}`;
}
