/**
 * Dialogue engines answer a visitor's question (a SEND_TEXT without `ChatCommand: NotUseChat`, a CHAT request,
 * or a final voice transcript) with a stream of reply text. One engine kind is bound per project; the session
 * keeps the conversation and passes it in, so engines hold no per-session state.
 */

/** One finished question and answer of a conversation. */
export interface DialogueTurn {
  question: string;
  /** What was answered, as plain text (SSML answers by their display text). */
  answer: string;
}

export interface DialogueRequest {
  question: string;
  /** Earlier turns of the same conversation (one `ChatRoundId`), oldest first; already bounded by the caller. */
  history: readonly DialogueTurn[];
  /** Aborted when a new question or an interrupt replaces this one: stop work and end the iteration. */
  signal: AbortSignal;
}

/** How a piece of the answer may be played (spec §4.6, Type 4 `Uninterrupt` and `Muted`). */
export interface DialogueDelivery {
  /** The visitor's speech does not stop it (barge-in is ignored); an explicit interrupt still does. */
  uninterruptible?: boolean;
  /** The client should close its microphone while it plays; voice input is ignored meanwhile. */
  muted?: boolean;
}

export type DialogueChunk =
  /** Reply text as it arrives (a token, a few words or a whole answer); the caller cuts it into sentences. */
  | ({ kind: 'text'; text: string } & DialogueDelivery)
  /** One complete clause in SSML, spoken as is (never cut); `display` is its text for the screen. */
  | ({ kind: 'ssml'; ssml: string; display: string } & DialogueDelivery)
  /** The model's reasoning ("thinking"), shown as Type 5 events and never spoken. */
  | { kind: 'reasoning'; text: string };

export interface DialogueEngine {
  /** For logs and metrics, e.g. `faq` or `openai.chat`. */
  readonly label: string;
  /** Spoken when the engine fails; the FAQ engine also answers it when no intent matches. */
  readonly fallbackAnswer: string;
  /**
   * Streams the answer. Throws (from the iteration) on failure: errors that carry a `category` string (see
   * `ProviderError` in @dhuman/speech) are reported with it. Ends quietly once `signal` is aborted.
   */
  reply(request: DialogueRequest): AsyncIterable<DialogueChunk>;
  close(): void;
}
