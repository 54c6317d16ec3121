import type {
  AnswerHandle,
  DialogueChunk,
  DialogueDelivery,
  DialogueEngine,
  DriveEvent,
  Question,
  SentenceSplitter,
} from '@dhuman/core';
import { CONTENT_TYPE, ERRORS, EVENT_TYPE, IvhError } from '@dhuman/protocol';
import { ConversationMemory } from './conversation-memory.js';
import { clauseOf } from './reply-text.js';

/** Said when the engine cannot even be loaded (a knowledge file gone missing), so the visitor hears something. */
export const UNAVAILABLE_ANSWER = "Sorry, I can't answer questions right now.";
/** Reasoning text is sent in pieces of about this size, or at a line or sentence end, not token by token. */
const REASONING_PIECE_CHARS = 80;

export interface ConversationOptions {
  /** The project's dialogue engine, loaded on first use. */
  engine: () => Promise<DialogueEngine>;
  openAnswer: (question: Question) => AnswerHandle;
  createSplitter: () => SentenceSplitter;
  emit: (event: DriveEvent) => void;
}

/**
 * The dialogue side of one session: a question goes to the project's engine, and its answer is cut into
 * sentences as it streams in, so the first sentence is spoken while the rest is still being written. Each clause
 * is also sent as a Type 4 event, reasoning as Type 5. A new question replaces the old answer (its AbortSignal
 * cancels the engine's request). An engine failure is a Type 9 event, then the engine's fallback answer is spoken.
 */
export class Conversation {
  readonly memory = new ConversationMemory();
  readonly #opts: ConversationOptions;

  constructor(options: ConversationOptions) {
    this.#opts = options;
  }

  /** Answers `question`; resolves when the answer has been produced (not played), never rejects. */
  async ask(question: Question): Promise<void> {
    const answer = this.#opts.openAnswer(question);
    const reply = new ReplyWriter(question, answer, this.#opts);
    let engine: DialogueEngine;
    try {
      engine = await this.#opts.engine();
    } catch (error) {
      reply.failed(
        new IvhError(ERRORS.DIALOGUE_FAILED, `the dialogue engine could not be loaded: ${messageOf(error)}`),
      );
      reply.fallback(UNAVAILABLE_ANSWER);
      reply.end();
      return;
    }
    const history = this.memory.history(question.roundId);
    try {
      for await (const chunk of engine.reply({ question: question.text, history, signal: answer.signal })) {
        if (answer.signal.aborted) break;
        reply.add(chunk);
      }
    } catch (error) {
      if (!answer.signal.aborted) {
        reply.failed(asDialogueError(engine.label, error));
        reply.fallback(engine.fallbackAnswer);
      }
    }
    reply.end();
    const said = reply.displayText;
    if (said) this.memory.record(question.roundId, { question: question.text, answer: said });
  }
}

/** Turns one answer's chunks into spoken clauses and Type 4/5 events. */
class ReplyWriter {
  readonly #question: Question;
  readonly #answer: AnswerHandle;
  readonly #emit: (event: DriveEvent) => void;
  readonly #splitter: SentenceSplitter;
  /** Delivery of the text chunks the splitter holds; the latest wins for the sentences it completes. */
  #delivery: DialogueDelivery = {};
  #reasoning = '';
  #reasoningSeq = 0;
  readonly #display: string[] = [];

  constructor(question: Question, answer: AnswerHandle, options: ConversationOptions) {
    this.#question = question;
    this.#answer = answer;
    this.#emit = options.emit;
    this.#splitter = options.createSplitter();
  }

  get displayText(): string {
    return this.#display.join(' ').trim();
  }

  add(chunk: DialogueChunk): void {
    if (chunk.kind === 'reasoning') {
      this.#reasoning += chunk.text;
      if (this.#reasoning.length >= REASONING_PIECE_CHARS || /[\n.!?。！？]\s*$/.test(this.#reasoning)) {
        this.#flushReasoning();
      }
      return;
    }
    this.#flushReasoning();
    if (chunk.kind === 'ssml') {
      // A complete clause: whatever text came before it is spoken first.
      for (const sentence of this.#splitter.flush()) this.#sayText(sentence, false);
      this.#say(chunk.ssml, chunk.display, CONTENT_TYPE.SSML, delivery(chunk), false);
      return;
    }
    this.#delivery = delivery(chunk);
    for (const sentence of this.#splitter.push(chunk.text)) this.#sayText(sentence, false);
  }

  failed(error: IvhError): void {
    this.#emit({
      Type: EVENT_TYPE.DRIVE_ERROR,
      ReqId: this.#question.reqId,
      Seq: 0,
      ErrorCode: error.code,
      ErrorMessage: error.message,
      ErrorMsg: error.message,
    });
  }

  /** Speaks the fallback after what was already said (a failure mid-answer keeps the sentences before it). */
  fallback(text: string): void {
    for (const sentence of this.#splitter.flush()) this.#sayText(sentence, false);
    this.#delivery = {};
    this.#sayText(text, false);
  }

  /** Says what the splitter still holds, marking the last clause Final (or sending an empty Final clause). */
  end(): void {
    this.#flushReasoning();
    const rest = this.#answer.signal.aborted ? [] : this.#splitter.flush();
    rest.forEach((sentence, i) => this.#sayText(sentence, i === rest.length - 1));
    if (rest.length === 0 && !this.#answer.signal.aborted) {
      // The answer ended on a clause boundary: an empty last clause tells clients it is complete.
      this.#emit(this.#event('', '', CONTENT_TYPE.PLAIN, {}, true, false));
    }
    this.#answer.end();
  }

  #sayText(sentence: string, final: boolean): void {
    const clause = clauseOf(sentence);
    if (!clause.spoken) return;
    this.#say(
      clause.spoken,
      clause.display,
      clause.ssml ? CONTENT_TYPE.SSML : CONTENT_TYPE.PLAIN,
      this.#delivery,
      final,
    );
  }

  #say(spoken: string, display: string, contentType: string, how: DialogueDelivery, final: boolean): void {
    if (this.#answer.signal.aborted) return;
    const seq = this.#answer.say(spoken, how);
    this.#display.push(display);
    this.#emit({ ...this.#event(spoken, display, contentType, how, final, true), Seq: seq });
  }

  #event(
    spoken: string,
    display: string,
    contentType: string,
    how: DialogueDelivery,
    final: boolean,
    tts: boolean,
  ): DriveEvent {
    return {
      Type: EVENT_TYPE.REPLY_CONTENT,
      ReqId: this.#question.reqId,
      Seq: 0,
      Text: this.#question.text,
      TextPro: spoken,
      TextDisplay: display,
      ContentType: contentType,
      TtsSupport: tts,
      Final: final,
      IsHighLight: false,
      Uninterrupt: how.uninterruptible === true,
      Muted: how.muted === true,
    };
  }

  #flushReasoning(): void {
    if (!this.#reasoning) return;
    this.#reasoningSeq += 1;
    this.#emit({
      Type: EVENT_TYPE.THINKING_CONTENT,
      ReqId: this.#question.reqId,
      Seq: this.#reasoningSeq,
      Text: this.#reasoning,
    });
    this.#reasoning = '';
  }
}

function delivery(chunk: DialogueDelivery): DialogueDelivery {
  return {
    ...(chunk.uninterruptible !== undefined && { uninterruptible: chunk.uninterruptible }),
    ...(chunk.muted !== undefined && { muted: chunk.muted }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An engine failure as the code clients see: timeouts apart, everything else "the engine failed". */
export function asDialogueError(label: string, error: unknown): IvhError {
  const category = (error as { category?: unknown } | null)?.category;
  const entry = category === 'timeout' ? ERRORS.DIALOGUE_TIMEOUT : ERRORS.DIALOGUE_FAILED;
  const kind = typeof category === 'string' ? ` (${category})` : '';
  return new IvhError(entry, `${label}${kind}: ${messageOf(error)}`);
}
