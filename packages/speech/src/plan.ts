/**
 * What to say, after SSML (or plain text) has been read: runs of text, pauses and action marks, in order. It
 * is engine-independent; the speech renderer turns each item into audio with whatever TTS engine is chosen.
 */
export type PlanItem =
  | {
      kind: 'speak';
      text: string;
      /** UTF-16 offset of `text` in the original input, so word timings point back into what the client sent. */
      sourceOffset: number;
      /**
       * Where each stretch of `text` is in the input, when `text` is not a copy of the input from `sourceOffset`
       * on: entities were decoded, unknown tags dropped, or the text replaces the input (an alias, a say-as
       * reading). See `sourceOffsetOf`.
       */
      sourceMap?: SourceSpan[];
      /** `<phoneme alphabet="py" ph="chuan2">传</phoneme>`: how to pronounce `text` instead of guessing. */
      pronunciation?: { alphabet: 'py'; value: string };
    }
  | { kind: 'pause'; ms: number }
  | { kind: 'action'; action: string };

export interface SpeechPlan {
  items: PlanItem[];
}

/** A stretch of a speak item's text and where it is in the input (UTF-16 offsets). */
export interface SourceSpan {
  /** Where the stretch starts in the item's text; it runs to the next stretch, or to the end of the text. */
  textOffset: number;
  /** Where its first character is in the input. */
  sourceOffset: number;
  /**
   * The stretch is the input's own characters, one for one. Otherwise (a decoded entity, an alias, a say-as
   * reading) all of it stands for the input at `sourceOffset`.
   */
  verbatim: boolean;
}

/** The input offset of the character at `index` of a speak item's text. */
export function sourceOffsetOf(item: Extract<PlanItem, { kind: 'speak' }>, index: number): number {
  const map = item.sourceMap;
  if (!map) return item.sourceOffset + index;
  let span: SourceSpan | undefined;
  for (const candidate of map) {
    if (candidate.textOffset > index) break;
    span = candidate;
  }
  if (!span) return item.sourceOffset;
  return span.verbatim ? span.sourceOffset + index - span.textOffset : span.sourceOffset;
}
