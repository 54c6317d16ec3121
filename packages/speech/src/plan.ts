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
      /** `<phoneme alphabet="py" ph="chuan2">传</phoneme>`: how to pronounce `text` instead of guessing. */
      pronunciation?: { alphabet: 'py'; value: string };
    }
  | { kind: 'pause'; ms: number }
  | { kind: 'action'; action: string };

export interface SpeechPlan {
  items: PlanItem[];
}
