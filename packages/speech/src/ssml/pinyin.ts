import { ssmlError } from './position.js';
import type { ElementNode } from './tree.js';

/** One pinyin syllable: letters (ü may be written ü, v or u:) and a tone digit, 5 being the neutral tone. */
const SYLLABLE = /[a-zü:]+[1-5]/giy;
const GLUED_SYLLABLES = /^(?:[a-zü:]+[1-5])+$/i;

/**
 * The pronunciation of `<phoneme alphabet="py" ph="…">text</phoneme>`: one syllable per character of `text`,
 * separated by spaces or simply run together ("ni3hao3"). Returns undefined for another alphabet, whose
 * notation we cannot check or use; the text is then read the usual way.
 */
export function pinyinOf(
  element: ElementNode,
  text: string,
  input: string,
): { alphabet: 'py'; value: string } | undefined {
  const alphabet = element.attributes.get('alphabet')?.value.trim().toLowerCase();
  if (alphabet !== undefined && alphabet !== 'py' && alphabet !== 'pinyin') return undefined;
  const ph = element.attributes.get('ph');
  if (!ph) throw ssmlError(input, element.offset, '<phoneme> needs a ph attribute');
  const syllables: string[] = [];
  const chunk = /\S+/g;
  for (let m = chunk.exec(ph.value); m; m = chunk.exec(ph.value)) {
    if (!GLUED_SYLLABLES.test(m[0])) {
      throw ssmlError(
        input,
        ph.offset + m.index,
        `invalid pinyin "${m[0]}" in <phoneme> (each syllable needs a tone digit 1–5, e.g. chuan2)`,
      );
    }
    SYLLABLE.lastIndex = 0;
    for (let s = SYLLABLE.exec(m[0]); s; s = SYLLABLE.exec(m[0])) syllables.push(s[0].toLowerCase());
  }
  const characters = [...text].filter((c) => c.trim() !== '').length;
  if (syllables.length !== characters) {
    throw ssmlError(
      input,
      ph.offset,
      `<phoneme> has ${syllables.length} pinyin syllable(s) for ${characters} character(s)`,
    );
  }
  return { alphabet: 'py', value: syllables.join(' ') };
}
