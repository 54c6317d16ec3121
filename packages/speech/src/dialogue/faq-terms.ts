/**
 * Turns a question into the terms the FAQ matcher compares: English (and other alphabetic) words, lowercased,
 * without their most common endings and without words that say nothing about the topic; Chinese, Japanese and
 * Korean text as single characters plus character pairs, because those scripts do not mark words with spaces
 * and a pair (营业, 开门) is the cheapest stand-in for a word that needs no dictionary. Mixed text yields both.
 */

/** Words so common in questions that matching on them would pair unrelated questions. Deliberately short:
 * question words (what, when, where, who, how) and verbs stay, since they tell "where is" from "when is". */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'am',
  'was',
  'were',
  'be',
  'been',
  'do',
  'does',
  'did',
  'have',
  'has',
  'had',
  'there',
  'here',
  'any',
  'some',
  'about',
  'to',
  'of',
  'and',
  'or',
  'in',
  'on',
  'at',
  'for',
  'with',
  'please',
  'i',
  'me',
  'my',
  'you',
  'your',
  'yours',
  'we',
  'us',
  'our',
  'it',
  'its',
  'this',
  'that',
  'can',
  'could',
  'would',
  'will',
  'shall',
  'should',
  'just',
  'so',
  'um',
  'uh',
]);

/** Sentence particles that carry tone, not topic; dropped as single characters but kept inside pairs. */
const CJK_PARTICLES: ReadonlySet<string> = new Set([
  '的',
  '了',
  '吗',
  '呢',
  '吧',
  '啊',
  '呀',
  '嘛',
  '哦',
  '么',
]);

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const CJK = new RegExp(`[${CJK_CLASS}]`, 'u');
/**
 * A run of CJK characters, or a run of other letters and digits (CJK characters are letters too, hence the
 * lookahead: "dhuman支持中文" is a word and a CJK run); everything else separates terms.
 */
const PIECES = new RegExp(`[${CJK_CLASS}]+|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])+`, 'gu');

/**
 * The distinct terms of `text`, in first-seen order. English words are prefixed `w:`, CJK characters `c:` and
 * character pairs `p:`, so a pair can never collide with a word.
 */
export function faqTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const piece of normalise(text).match(PIECES) ?? []) {
    if (CJK.test(piece)) {
      const chars = [...piece];
      chars.forEach((char, i) => {
        if (!CJK_PARTICLES.has(char)) terms.add(`c:${char}`);
        const next = chars[i + 1];
        if (next !== undefined) terms.add(`p:${char}${next}`);
      });
    } else if (!STOP_WORDS.has(piece)) {
      terms.add(`w:${stem(piece)}`);
    }
  }
  return [...terms];
}

/**
 * Lowercase, full-width forms folded (ＡＢＣ → abc), accents removed (café → cafe), and English contractions
 * opened so "what's" and "what is" give the same terms.
 */
function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/n['’]t\b/g, ' not')
    .replace(/['’](s|re|ll|ve|d|m)\b/g, '');
}

/**
 * A light stemmer: plural and -ing/-ed endings go, so "opening", "opens" and "opened" all meet "open". Only
 * words long enough that the rest is still a word lose an ending, and a doubled final consonant left behind is
 * undone ("stopped" → "stop"). It errs towards leaving words alone: a missed match costs less than a false one.
 */
export function stem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  let base = word;
  if (base.length > 4 && base.endsWith('ies')) return `${base.slice(0, -3)}y`;
  if (base.endsWith('sses')) return base.slice(0, -2);
  if (base.length > 3 && base.endsWith('s') && !/(ss|us|is)$/.test(base)) base = base.slice(0, -1);
  if (base.length > 5 && base.endsWith('ing')) base = undouble(base.slice(0, -3));
  else if (base.length > 4 && base.endsWith('ed')) base = undouble(base.slice(0, -2));
  return base;
}

function undouble(base: string): string {
  const last = base.at(-1);
  if (base.length > 3 && last === base.at(-2) && last !== undefined && !'aeioulsz'.includes(last)) {
    return base.slice(0, -1);
  }
  return base;
}
