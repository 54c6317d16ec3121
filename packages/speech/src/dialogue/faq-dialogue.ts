import type { DialogueChunk, DialogueEngine, DialogueRequest } from '@dhuman/core';
import { FaqMatcher } from './faq-matcher.js';
import { loadFaqFile, type FaqAnswer, type FaqIntent, type FaqKnowledge } from './faq-knowledge.js';

/**
 * The built-in dialogue engine: answers with the intent whose example questions are closest to the question
 * (see FaqMatcher), or with the file's fallback when none is close enough. It needs no network and answers in
 * one piece, so the caller can speak it at once. The conversation history is not used: an FAQ answer depends on
 * the question only.
 */
export class FaqDialogue implements DialogueEngine {
  readonly label = 'faq';
  readonly fallbackAnswer: string;
  readonly matcher: FaqMatcher<FaqIntent>;
  private closed = false;

  constructor(readonly knowledge: FaqKnowledge) {
    this.fallbackAnswer = knowledge.fallback;
    this.matcher = new FaqMatcher(knowledge.intents, knowledge.threshold);
  }

  /** Loads and checks `path` (YAML or JSON); throws FaqFileError naming what is wrong. */
  static async fromFile(path: string): Promise<FaqDialogue> {
    return new FaqDialogue(await loadFaqFile(path));
  }

  // Async only to fit the streaming interface; the answer is ready at once.
  // eslint-disable-next-line @typescript-eslint/require-await
  async *reply(request: DialogueRequest): AsyncGenerator<DialogueChunk, void, undefined> {
    if (this.closed) throw new Error(`${this.label} is closed`);
    if (request.signal.aborted) return;
    const intent = this.matcher.match(request.question)?.intent;
    if (!intent) {
      yield { kind: 'text', text: this.fallbackAnswer };
      return;
    }
    yield { ...contentOf(intent.answer), ...deliveryOf(intent) };
  }

  /** Later calls to reply() throw; there is nothing in flight to stop. */
  close(): void {
    this.closed = true;
  }
}

function contentOf(answer: FaqAnswer): Exclude<DialogueChunk, { kind: 'reasoning' }> {
  return answer.kind === 'ssml'
    ? { kind: 'ssml', ssml: answer.ssml, display: answer.display }
    : { kind: 'text', text: answer.text };
}

/** Only flags that are set, so chunks stay as small as the common case. */
function deliveryOf(intent: FaqIntent): { uninterruptible?: true; muted?: true } {
  return {
    ...(intent.uninterruptible && { uninterruptible: true }),
    ...(intent.muted && { muted: true }),
  };
}
