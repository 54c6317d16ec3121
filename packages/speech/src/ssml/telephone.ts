import { englishDigits } from './numbers-en.js';
import { chineseDigits } from './numbers-zh.js';
import type { SpeechLanguage } from './language.js';

/**
 * How an unbroken run of digits is grouped when read aloud: mobiles 3-4-4 (138 1234 5678), ten-digit numbers
 * 3-3-4, landlines 4-4 or 3-4, short numbers whole, anything else in fours.
 */
function groupDigits(digits: string): string[] {
  const sizes: Readonly<Record<number, number[]>> = { 11: [3, 4, 4], 10: [3, 3, 4], 8: [4, 4], 7: [3, 4] };
  const plan = sizes[digits.length] ?? (digits.length <= 6 ? [digits.length] : []);
  const groups: string[] = [];
  let at = 0;
  for (const size of plan) {
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  for (; at < digits.length; at += 4) groups.push(digits.slice(at, at + 4));
  return groups;
}

/**
 * "13812345678" → "one three eight, one two three four, five six seven eight" / "幺三八，幺二三四，五六七八". The
 * commas make the TTS pause between groups the way people read numbers out. Groups the client wrote with
 * spaces, dashes, dots or brackets are kept. Undefined when the text holds anything but a phone number.
 */
export function sayTelephone(text: string, language: SpeechLanguage): string | undefined {
  const match = /^(\+?)([\d\s\-.()]*\d[\d\s\-.()]*)$/.exec(text.trim());
  if (!match) return undefined;
  const written = (match[2] ?? '').split(/[\s\-.()]+/).filter(Boolean);
  const groups = written.length === 1 ? groupDigits(written[0] ?? '') : written;
  if (language === 'zh') {
    return (match[1] ? '加' : '') + groups.map((g) => chineseDigits(g, true)).join('，');
  }
  return (match[1] ? 'plus ' : '') + groups.map(englishDigits).join(', ');
}
