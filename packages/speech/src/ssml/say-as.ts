import { sayDate, sayTime } from './datetime.js';
import type { SpeechLanguage } from './language.js';
import { englishDigit, englishNumber, englishOrdinal } from './numbers-en.js';
import { chineseDigits, chineseNumber, chineseOrdinal } from './numbers-zh.js';
import { sayTelephone } from './telephone.js';

/**
 * The words for `<say-as interpret-as="…">text</say-as>`. Kinds the dialect names but that need no rewriting for
 * a TTS engine (address, id, punctuation, measure, currency), kinds it does not name, and text that does not fit
 * the kind (a "date" that is no date) are spoken as written: the client still hears its text.
 */
export function sayAs(interpretAs: string, text: string, language: SpeechLanguage): string {
  const trimmed = text.trim();
  return verbalize(interpretAs.trim().toLowerCase(), trimmed, language) ?? trimmed;
}

function verbalize(kind: string, text: string, language: SpeechLanguage): string | undefined {
  const zh = language === 'zh';
  switch (kind) {
    case 'cardinal':
    case 'number':
      return zh ? chineseNumber(text) : englishNumber(text);
    case 'ordinal': {
      const digits = /^(\d+)(?:st|nd|rd|th)?$/i.exec(text)?.[1];
      return digits === undefined ? undefined : zh ? chineseOrdinal(digits) : englishOrdinal(digits);
    }
    case 'digits':
      return sayDigits(text, language);
    case 'telephone':
      return sayTelephone(text, language);
    case 'date':
      return sayDate(text, language);
    case 'time':
      return sayTime(text, language);
    case 'characters':
    case 'spell-out':
      return [...text].filter((c) => c.trim() !== '').join(' ');
    default:
      return undefined;
  }
}

/** Each digit on its own; other characters stay where they are ("A12" → "A one two"). */
function sayDigits(text: string, language: SpeechLanguage): string {
  const chars = [...text].filter((c) => c.trim() !== '');
  if (language === 'zh') return chars.map((c) => (/\d/.test(c) ? chineseDigits(c) : c)).join('');
  return chars.map((c) => (/\d/.test(c) ? englishDigit(c) : c)).join(' ');
}
