import { faqTerms } from './faq-terms.js';

/** What the matcher needs of an intent: its example questions. */
export interface MatchableIntent {
  readonly questions: readonly string[];
}

export interface FaqMatch<T> {
  intent: T;
  /** 0–1: how much of the question and of the closest example question the shared terms make up. */
  score: number;
}

/** One example question, indexed. */
interface Example {
  intent: number;
  /** Sum of the weights of its terms. */
  weight: number;
}

export const DEFAULT_FAQ_THRESHOLD = 0.35;

/**
 * Finds the intent whose example questions are closest to a question, by the terms they share (see faqTerms).
 *
 * Each term is weighted by how few intents use it (BM25's inverse document frequency, an intent's examples
 * being one document), so "open" counts for more than "what". Counting intents rather than single examples
 * keeps a word that every example of one intent repeats ("open" in the opening-hours intent) as telling as
 * it is. The score against one example is the weighted Dice coefficient, 2·shared / (question + example): the
 * harmonic mean of how much of the question the example explains and how much of the example the question
 * covers, so neither a long question nor a long example wins by length alone. A term no example has gets the
 * highest weight: words the FAQ never heard of (weather, Paris) mean the question is likely about something
 * else, which is what the threshold is there to catch.
 *
 * An intent scores as its best example. Ties go to the intent listed first, so results are deterministic.
 */
export class FaqMatcher<T extends MatchableIntent> {
  private readonly examples: Example[] = [];
  /** term → indexes of the examples that contain it. */
  private readonly postings = new Map<string, number[]>();
  /** term → its weight; terms missing here weigh `unseenWeight`. */
  private readonly weights = new Map<string, number>();
  private readonly unseenWeight: number;

  constructor(
    private readonly intents: readonly T[],
    /** Best scores below this give no match. */
    readonly threshold = DEFAULT_FAQ_THRESHOLD,
  ) {
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError('threshold must be between 0 and 1');
    const termsOf: string[][] = [];
    const intentsUsing = new Map<string, number>();
    intents.forEach((intent, index) => {
      const ofIntent = new Set<string>();
      for (const question of intent.questions) {
        const terms = faqTerms(question);
        if (terms.length === 0) continue;
        for (const term of terms) {
          const list = this.postings.get(term);
          if (list) list.push(this.examples.length);
          else this.postings.set(term, [this.examples.length]);
          ofIntent.add(term);
        }
        termsOf.push(terms);
        this.examples.push({ intent: index, weight: 0 });
      }
      for (const term of ofIntent) intentsUsing.set(term, (intentsUsing.get(term) ?? 0) + 1);
    });
    const idf = (count: number) => Math.log(1 + (intents.length - count + 0.5) / (count + 0.5));
    for (const [term, count] of intentsUsing) this.weights.set(term, idf(count));
    this.unseenWeight = idf(0);
    this.examples.forEach((example, i) => {
      example.weight = (termsOf[i] ?? []).reduce((sum, term) => sum + this.weight(term), 0);
    });
  }

  /** The best intent for `question`, or undefined when none reaches the threshold. */
  match(question: string): FaqMatch<T> | undefined {
    const best = this.rank(question, 1)[0];
    return best && best.score >= this.threshold ? best : undefined;
  }

  /** Intents sharing any term with `question`, best first (ties in file order), at most `limit`. */
  rank(question: string, limit = 5): FaqMatch<T>[] {
    const terms = faqTerms(question);
    const questionWeight = terms.reduce((sum, term) => sum + this.weight(term), 0);
    if (questionWeight === 0) return [];
    const shared = new Map<number, number>();
    for (const term of terms) {
      const weight = this.weight(term);
      for (const example of this.postings.get(term) ?? []) {
        shared.set(example, (shared.get(example) ?? 0) + weight);
      }
    }
    const bestOfIntent = new Map<number, number>();
    for (const [index, overlap] of shared) {
      const example = this.examples[index];
      if (!example) continue;
      // Rounded so that float noise in the sums can never decide a comparison.
      const score = Math.round(((2 * overlap) / (questionWeight + example.weight)) * 1e6) / 1e6;
      if (score > (bestOfIntent.get(example.intent) ?? 0)) bestOfIntent.set(example.intent, score);
    }
    return [...bestOfIntent]
      .sort(([intentA, a], [intentB, b]) => b - a || intentA - intentB)
      .slice(0, limit)
      .flatMap(([index, score]) => {
        const intent = this.intents[index];
        return intent ? [{ intent, score }] : [];
      });
  }

  private weight(term: string): number {
    return this.weights.get(term) ?? this.unseenWeight;
  }
}
