import { parseDecimal } from './decimal.js';

/**
 * Chinese number words for say-as, in the 万/亿 system (10 000 is 一万, 10⁸ is 一亿, 10¹² is 一万亿). Inputs are
 * digit strings, worked on as bigint, so long values never lose precision.
 */

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const SMALL_UNITS = ['', '十', '百', '千'];
const WAN = 10_000n;
const YI = 100_000_000n;
/** Past 10¹⁶ (一亿亿) the 万/亿 system runs out of everyday words; such values are read digit by digit. */
const MAX_DIGITS = 16;

/** "2024" → "二零二四"; with `phone`, 1 is 幺 as Chinese speakers read phone numbers (it cannot be misheard as 七). */
export function chineseDigits(digits: string, phone = false): string {
  return [...digits].map((d) => (phone && d === '1' ? '幺' : (DIGITS[Number(d)] ?? d))).join('');
}

/** 0–9999. `leading` drops the 一 of 一十 (10 → 十, but 一百一十, 一万零一十 inside a larger number). */
function under10000(n: number, leading: boolean): string {
  if (leading && n >= 10 && n < 20) return `十${n % 10 ? DIGITS[n % 10] : ''}`;
  let words = '';
  let gap = false;
  for (let place = 3; place >= 0; place--) {
    const digit = Math.floor(n / 10 ** place) % 10;
    if (digit === 0) {
      gap = words !== '';
      continue;
    }
    words += (gap ? '零' : '') + DIGITS[digit] + SMALL_UNITS[place];
    gap = false;
  }
  return words;
}

function integer(n: bigint, leading: boolean): string {
  if (n < WAN) return under10000(Number(n), leading);
  const [unit, divisor] = n >= YI ? ['亿', YI] : ['万', WAN];
  const high = n / divisor;
  const low = n % divisor;
  const words = integer(high, leading) + unit;
  if (low === 0n) return words;
  // A missing leading place inside the lower part is said as 零: 10001 → 一万零一, 100010000 → 一亿零一万.
  return words + (low < divisor / 10n ? '零' : '') + integer(low, false);
}

/** A non-negative integer given as digits: "1234" → "一千二百三十四", "0" → "零". */
export function chineseCardinal(digits: string): string {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > MAX_DIGITS) return chineseDigits(trimmed);
  const n = BigInt(trimmed);
  return n === 0n ? (DIGITS[0] ?? '零') : integer(n, true);
}

/** "3" → "第三". */
export function chineseOrdinal(digits: string): string {
  return `第${chineseCardinal(digits)}`;
}

/** A signed decimal like "-3.14" → "负三点一四"; undefined when the text is not a plain number. */
export function chineseNumber(text: string): string | undefined {
  const parsed = parseDecimal(text);
  if (!parsed) return undefined;
  let words = chineseCardinal(parsed.integer);
  if (parsed.fraction) words += `点${chineseDigits(parsed.fraction)}`;
  return parsed.negative ? `负${words}` : words;
}
