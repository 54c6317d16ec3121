import { ENGLISH_MONTHS, englishCardinal, englishOrdinal, englishYear } from './numbers-en.js';
import { chineseCardinal, chineseDigits } from './numbers-zh.js';
import type { SpeechLanguage } from './language.js';

interface CalendarDate {
  year: number;
  month: number;
  day: number | undefined;
}

/**
 * Year first, as both ISO and Chinese writing put it: 2024-07-19, 2024/07/19, 2024.07.19, 20240719, 2024-07,
 * 2024年7月19日. Day-first and month-first forms are left alone: 03/04/2024 means different days to different readers.
 */
function parseDate(text: string): CalendarDate | undefined {
  const match =
    /^(\d{4})([-/.])(\d{1,2})(?:\2(\d{1,2}))?$/.exec(text) ??
    /^(\d{4})()(\d{2})(\d{2})$/.exec(text) ??
    /^(\d{4})(年)(\d{1,2})月(?:(\d{1,2})[日号])?$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[3]);
  const day = match[4] === undefined ? undefined : Number(match[4]);
  if (month < 1 || month > 12) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day !== undefined && (day < 1 || day > daysInMonth)) return undefined;
  return { year, month, day };
}

/** "2024-07-19" → "July nineteenth, twenty twenty-four" / "二零二四年七月十九日"; undefined if not a date. */
export function sayDate(text: string, language: SpeechLanguage): string | undefined {
  const date = parseDate(text);
  if (!date) return undefined;
  const { year, month, day } = date;
  if (language === 'zh') {
    // Years are read digit by digit (二零二四年), months and days as numbers.
    return `${chineseDigits(String(year))}年${chineseCardinal(String(month))}月${
      day === undefined ? '' : `${chineseCardinal(String(day))}日`
    }`;
  }
  const monthName = ENGLISH_MONTHS[month - 1] ?? '';
  return day === undefined
    ? `${monthName} ${englishYear(year)}`
    : `${monthName} ${englishOrdinal(String(day))}, ${englishYear(year)}`;
}

/** "10:30" → "ten thirty" / "十点三十分"; also h:mm:ss and a trailing am/pm. Undefined if not a time. */
export function sayTime(text: string, language: SpeechLanguage): string | undefined {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?$/i.exec(text);
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  const second = match[3] === undefined ? 0 : Number(match[3]);
  const half = match[4]?.toLowerCase() as 'a' | 'p' | undefined;
  const hourOk = half ? hour >= 1 && hour <= 12 : hour <= 23;
  if (!hourOk || minute > 59 || second > 59) return undefined;
  return language === 'zh'
    ? chineseTime(hour, minute, second, half)
    : englishTime(hour, minute, second, half);
}

function englishTime(hour: number, minute: number, second: number, half: 'a' | 'p' | undefined): string {
  const words = [englishCardinal(String(hour))];
  if (minute > 0)
    words.push(minute < 10 ? `oh ${englishCardinal(String(minute))}` : englishCardinal(String(minute)));
  else if (!half) words.push("o'clock");
  if (half) words.push(`${half} m`);
  if (second > 0) words.push(`and ${englishCardinal(String(second))} second${second === 1 ? '' : 's'}`);
  return words.join(' ');
}

function chineseTime(hour: number, minute: number, second: number, half: 'a' | 'p' | undefined): string {
  // Two o'clock is 两点, never 二点; 12 and 22 keep their 二.
  const hourWords = hour === 2 ? '两' : chineseCardinal(String(hour));
  let words = `${half === 'a' ? '上午' : half === 'p' ? '下午' : ''}${hourWords}点`;
  // Minutes under ten keep their 零 (十点零五分), and 零分 holds the place when only seconds follow.
  if (minute > 0 || second > 0)
    words += `${minute > 0 && minute < 10 ? '零' : ''}${chineseCardinal(String(minute))}分`;
  if (second > 0) words += `${chineseCardinal(String(second))}秒`;
  return words;
}
