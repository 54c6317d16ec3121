/**
 * Distinct English sentences for the drive bench, so no two sessions (and no two sentences of a run) ever say
 * the same thing and nothing can be answered from a cache. Sentence `i` picks one word from each list by the
 * digits of `i` in a mixed radix; the lists were chosen so every sentence is six words, about 2.0-2.6 s of
 * espeak-ng speech at the default rate, which fits a talker that speaks every 5 s.
 */

const OPENERS = [
  'Quiet',
  'Happy',
  'Clever',
  'Sleepy',
  'Brave',
  'Gentle',
  'Lucky',
  'Busy',
  'Tiny',
  'Proud',
  'Curious',
  'Friendly',
  'Patient',
  'Noisy',
  'Careful',
  'Hungry',
];
const SUBJECTS = [
  'pilots',
  'farmers',
  'robots',
  'sailors',
  'painters',
  'doctors',
  'students',
  'bakers',
  'drivers',
  'singers',
  'teachers',
  'hikers',
  'dancers',
  'writers',
  'rabbits',
  'tigers',
];
const VERBS = [
  'carry',
  'paint',
  'find',
  'sell',
  'build',
  'clean',
  'count',
  'bring',
  'share',
  'watch',
  'fold',
  'hide',
  'stack',
  'wash',
  'draw',
  'move',
];
const NUMBERS = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const COLOURS = [
  'bright',
  'yellow',
  'heavy',
  'little',
  'purple',
  'wooden',
  'silver',
  'shiny',
  'dusty',
  'golden',
  'orange',
  'simple',
  'green',
  'round',
  'soft',
  'old',
];
const OBJECTS = [
  'lamps',
  'boxes',
  'maps',
  'chairs',
  'boats',
  'books',
  'kites',
  'shells',
  'stones',
  'cups',
  'hats',
  'bells',
  'coins',
  'shoes',
  'flags',
  'baskets',
];

const LISTS = [OPENERS, SUBJECTS, VERBS, NUMBERS, COLOURS, OBJECTS] as const;
/** 16^5 * 8 = 2^23 distinct sentences. */
export const SENTENCE_COUNT = LISTS.reduce((n, list) => n * list.length, 1);
/** Odd, so multiplying by it modulo 2^23 is a bijection: consecutive counters give unrelated sentences. */
const SCRAMBLE = 0x2f9b1;

/** Sentence number `i` (0 <= i < SENTENCE_COUNT); different `i` always give different sentences. */
export function sentence(i: number): string {
  if (!(Number.isInteger(i) && i >= 0 && i < SENTENCE_COUNT)) throw new RangeError(`sentence ${i}`);
  let rest = Number((BigInt(i) * BigInt(SCRAMBLE)) % BigInt(SENTENCE_COUNT));
  const words = LISTS.map((list) => {
    const word = list[rest % list.length] ?? '';
    rest = Math.floor(rest / list.length);
    return word;
  });
  return `${words.join(' ')}.`;
}
