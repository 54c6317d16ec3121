import {
  CONTENT_TYPE,
  EVENT_TYPE,
  SPEAK_STATUS,
  VOICE_ACTIVITY,
  type DriveEventPayload,
} from '@dhuman/client';

/**
 * The demo page's conversation as the server's events tell it: the visitor's questions (final transcripts of
 * the voice channel, typed questions, or any question a Type 4 answer names), the avatar's answers assembled
 * from Type 4 clauses, Type 5 reasoning, Type 9 errors, the live transcript line and whether the avatar is
 * speaking. No DOM here: ConversationView draws it.
 *
 * Voice events reach the page twice (the voice channel and the command channel's session log), and a reconnect
 * may replay some, so applying an event twice changes nothing.
 */

/** Where a question came from. */
export type QuestionSource = 'voice' | 'typed' | 'other';

export interface Turn {
  readonly reqId: string;
  /** The question; '' while unknown (e.g. an utterance that failed before it became one). */
  question: string;
  source: QuestionSource;
  /** Reply clauses by their Seq (from 1). */
  readonly clauses: Map<number, string>;
  /** The answer's last clause has arrived. */
  answered: boolean;
  /** Reasoning pieces by their Seq. */
  readonly reasoning: Map<number, string>;
  readonly errors: string[];
}

/** The transcript of the utterance heard last: partial (shown greyed) until its final one arrives. */
export interface TranscriptLine {
  readonly reqId: string;
  readonly text: string;
  readonly final: boolean;
}

/** What an applied event changed, so the view redraws only that. */
export interface Change {
  /** Turns added or changed, by ReqId. */
  turns: string[];
  /** Turns dropped from the front because the history is bounded. */
  removed: string[];
  transcript: boolean;
  /** Whether the avatar is speaking or the visitor is heard changed. */
  activity: boolean;
}

/** Turns kept; older ones are dropped so a long session does not grow the page forever. */
export const MAX_TURNS = 50;
/** Utterances and drives remembered (for de-duplication and speaking state), bounded for the same reason. */
const MAX_REMEMBERED = 200;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The words of an SSML answer: tags dropped, entities decoded, spaces collapsed. Shown as text, never as HTML. */
export function ssmlToText(ssml: string): string {
  return ssml
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text of one reply clause to display: TextDisplay, else the spoken text (SSML reduced to its words). */
export function clauseText(event: DriveEventPayload): string {
  if (typeof event.TextDisplay === 'string' && event.TextDisplay.trim()) return event.TextDisplay.trim();
  const spoken = typeof event.TextPro === 'string' ? event.TextPro : '';
  return event.ContentType === CONTENT_TYPE.SSML ? ssmlToText(spoken) : spoken.trim();
}

/** The answer so far: its clauses in Seq order. */
export function answerText(turn: Turn): string {
  return [...turn.clauses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, text]) => text)
    .filter((text) => text !== '')
    .join(' ');
}

/** The reasoning so far: streamed pieces in Seq order, joined as they came (they carry their own spaces). */
export function reasoningText(turn: Turn): string {
  return [...turn.reasoning.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, text]) => text)
    .join('')
    .trim();
}

function errorText(event: DriveEventPayload): string {
  const message = event.ErrorMessage ?? event.ErrorMsg ?? '';
  return event.ErrorCode ? `Error ${event.ErrorCode}${message ? `: ${message}` : ''}` : message || 'Error';
}

/** A set that forgets its oldest members beyond `limit`. */
class BoundedSet {
  readonly #items = new Set<string>();
  constructor(readonly limit: number) {}
  add(item: string): void {
    this.#items.delete(item);
    this.#items.add(item);
    for (const oldest of this.#items) {
      if (this.#items.size <= this.limit) break;
      this.#items.delete(oldest);
    }
  }
  has(item: string): boolean {
    return this.#items.has(item);
  }
  delete(item: string): boolean {
    return this.#items.delete(item);
  }
  get size(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
}

const emptyChange = (): Change => ({ turns: [], removed: [], transcript: false, activity: false });

export class Conversation {
  /** In the order asked; a Map keeps insertion order. */
  readonly #turns = new Map<string, Turn>();
  /** ReqIds of utterances heard on the voice channel. */
  readonly #utterances = new BoundedSet(MAX_REMEMBERED);
  /** Utterances whose final transcript arrived: a late partial of one must not replace it. */
  readonly #finals = new BoundedSet(MAX_REMEMBERED);
  /** Drives between TextStart and TextOver. */
  readonly #speaking = new BoundedSet(MAX_REMEMBERED);
  #transcript: TranscriptLine | undefined;
  #hearing = false;

  get turns(): readonly Turn[] {
    return [...this.#turns.values()];
  }

  turn(reqId: string): Turn | undefined {
    return this.#turns.get(reqId);
  }

  get transcript(): TranscriptLine | undefined {
    return this.#transcript;
  }

  /** The avatar is saying something (between a drive's TextStart and its TextOver). */
  get avatarSpeaking(): boolean {
    return this.#speaking.size > 0;
  }

  /** The voice channel hears the visitor (between SpeechStart and SpeechEnd). */
  get hearing(): boolean {
    return this.#hearing;
  }

  /** A question typed on the page, sent under `reqId`. */
  ask(reqId: string, text: string): Change {
    const change = emptyChange();
    const turn = this.#ensure(reqId, 'typed', change);
    turn.question = text;
    turn.source = 'typed';
    return change;
  }

  /** Applies one downstream event; returns what it changed (nothing for events of no concern). */
  apply(event: DriveEventPayload): Change {
    const change = emptyChange();
    const reqId = typeof event.ReqId === 'string' ? event.ReqId : '';
    switch (event.Type) {
      case EVENT_TYPE.VOICE_ACTIVITY: {
        if (reqId) this.#utterances.add(reqId);
        const hearing = event.VoiceActivity === VOICE_ACTIVITY.SPEECH_START;
        if (hearing !== this.#hearing) {
          this.#hearing = hearing;
          change.activity = true;
        }
        break;
      }
      case EVENT_TYPE.TRANSCRIPT:
        this.#onTranscript(reqId, event, change);
        break;
      case EVENT_TYPE.INPUT_ECHO: {
        // Only for questions already known: SEND_TEXT echoes verbatim speech too, which is no question.
        const turn = this.#turns.get(reqId);
        if (turn && !turn.question && typeof event.Text === 'string' && event.Text.trim()) {
          turn.question = event.Text.trim();
          change.turns.push(reqId);
        }
        break;
      }
      case EVENT_TYPE.REPLY_CONTENT: {
        if (!reqId) break;
        const turn = this.#withQuestion(reqId, event.Text, change);
        const text = clauseText(event);
        if (turn.clauses.get(event.Seq) !== text) {
          turn.clauses.set(event.Seq, text);
          change.turns.push(reqId);
        }
        if (event.Final === true && !turn.answered) {
          turn.answered = true;
          change.turns.push(reqId);
        }
        break;
      }
      case EVENT_TYPE.THINKING_CONTENT: {
        if (!reqId || typeof event.Text !== 'string') break;
        // Here Text is a piece of the reasoning, not the question.
        const turn = this.#withQuestion(reqId, undefined, change);
        if (turn.reasoning.get(event.Seq) !== event.Text) {
          turn.reasoning.set(event.Seq, event.Text);
          change.turns.push(reqId);
        }
        break;
      }
      case EVENT_TYPE.DRIVE_ERROR:
      case EVENT_TYPE.ERROR_LEGACY:
        this.#onError(reqId, event, change);
        break;
      case EVENT_TYPE.SPEAK_STATUS:
        this.#onSpeakStatus(reqId, event, change);
        break;
      default:
        break;
    }
    change.turns = [...new Set(change.turns)];
    return change;
  }

  /** The microphone went off: nobody is heard any more, whatever the last voice activity said. */
  microphoneOff(): Change {
    const change = emptyChange();
    change.activity = this.#hearing;
    this.#hearing = false;
    return change;
  }

  /** Forgets the questions and the transcript line; who is speaking stays as it is. */
  clearHistory(): Change {
    const change = emptyChange();
    change.removed = [...this.#turns.keys()];
    change.transcript = this.#transcript !== undefined;
    this.#turns.clear();
    this.#transcript = undefined;
    return change;
  }

  /** Forgets everything (a new session). */
  clear(): void {
    this.#turns.clear();
    this.#utterances.clear();
    this.#finals.clear();
    this.#speaking.clear();
    this.#transcript = undefined;
    this.#hearing = false;
  }

  #onTranscript(reqId: string, event: DriveEventPayload, change: Change): void {
    if (!reqId) return;
    this.#utterances.add(reqId);
    const text = typeof event.Text === 'string' ? event.Text.trim() : '';
    const final = event.Final === true;
    if (!final && this.#finals.has(reqId)) return;
    const line = this.#transcript;
    if (!line || line.reqId !== reqId || line.text !== text || line.final !== final) {
      this.#transcript = { reqId, text, final };
      change.transcript = true;
    }
    if (!final) return;
    this.#finals.add(reqId);
    // An utterance that recognised nothing does not become a question.
    if (!text) return;
    const turn = this.#ensure(reqId, 'voice', change);
    if (turn.question !== text) {
      turn.question = text;
      turn.source = 'voice';
      change.turns.push(reqId);
    }
  }

  #onError(reqId: string, event: DriveEventPayload, change: Change): void {
    // Errors of a question, or of an utterance that failed to become one; other drives' errors are the log's.
    if (!reqId || !(this.#turns.has(reqId) || this.#utterances.has(reqId))) return;
    const turn = this.#ensure(reqId, 'voice', change);
    const text = errorText(event);
    if (!turn.errors.includes(text)) {
      turn.errors.push(text);
      change.turns.push(reqId);
    }
    if (this.#speaking.delete(reqId)) change.activity = true;
  }

  #onSpeakStatus(reqId: string, event: DriveEventPayload, change: Change): void {
    if (!reqId) return;
    const status = event.SpeakStatus;
    const before = this.#speaking.size;
    if (status === SPEAK_STATUS.TEXT_START || status === SPEAK_STATUS.AUDIO_START) this.#speaking.add(reqId);
    else if (
      status === SPEAK_STATUS.TEXT_OVER ||
      status === SPEAK_STATUS.AUDIO_OVER ||
      status === SPEAK_STATUS.ERROR
    ) {
      this.#speaking.delete(reqId);
    }
    if (this.#speaking.size !== before) change.activity = true;
  }

  /** The turn of `reqId`, made with the question a reply event names (its Text) when it is new. */
  #withQuestion(reqId: string, question: string | undefined, change: Change): Turn {
    const turn = this.#ensure(reqId, 'other', change);
    if (!turn.question && typeof question === 'string' && question.trim()) {
      turn.question = question.trim();
      change.turns.push(reqId);
    }
    return turn;
  }

  #ensure(reqId: string, source: QuestionSource, change: Change): Turn {
    let turn = this.#turns.get(reqId);
    if (turn) return turn;
    turn = {
      reqId,
      question: '',
      source,
      clauses: new Map(),
      answered: false,
      reasoning: new Map(),
      errors: [],
    };
    this.#turns.set(reqId, turn);
    change.turns.push(reqId);
    for (const oldest of this.#turns.keys()) {
      if (this.#turns.size <= MAX_TURNS) break;
      this.#turns.delete(oldest);
      change.removed.push(oldest);
    }
    return turn;
  }
}
