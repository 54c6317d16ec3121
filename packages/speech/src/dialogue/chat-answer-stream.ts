import type { DialogueChunk } from '@dhuman/core';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { ProviderConnectionError, ProviderError } from '../http/provider-errors.js';
import { readChatEvent, type ChatDelta } from './chat-events.js';
import { ThinkSplitter } from './think-splitter.js';

/** A whole answer, reasoning included, stays well under this; more means a runaway or hostile server. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** The longest single SSE event the parser buffers; a token event is a few hundred bytes. */
const MAX_EVENT_CHARS = 1024 * 1024;

export type StreamKind = 'sse' | 'json';

/** SSE as asked, or a whole JSON answer from servers that ignore `stream: true`; undefined for anything else. */
export function streamKind(response: Response): StreamKind | undefined {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type === undefined || type === 'text/event-stream') return 'sse';
  return type === 'application/json' ? 'json' : undefined;
}

/**
 * Turns the bytes of one response into dialogue chunks: SSE events (or one JSON answer) → deltas → text and
 * reasoning, with a leading `<think>` block moved to reasoning. Knows when the answer is complete.
 */
export class AnswerStream {
  /** `[DONE]` arrived: nothing more is read. */
  complete = false;
  /** Events that carried answer or reasoning text so far. */
  tokens = 0;
  private finished = false;
  private bytes = 0;
  private spoke = false;
  private readonly think = new ThinkSplitter();
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private json = '';
  private pending: { kind: 'text' | 'reasoning'; text: string }[] = [];
  private error: Error | undefined;

  constructor(
    private readonly label: string,
    private readonly endpoint: string,
    private readonly kind: StreamKind,
  ) {
    this.parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event) => {
        if (this.complete || this.error !== undefined) return;
        try {
          this.take(readChatEvent(event.data, label, endpoint));
        } catch (error) {
          this.error = asError(error);
        }
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') {
          this.error ??= this.invalid(`an event longer than ${MAX_EVENT_CHARS} characters`);
        }
      },
    });
  }

  /**
   * The chunks that `bytes` complete. A failure found in them (an error event, a malformed event) is kept for
   * throwIfFailed(), so that the text before it still reaches the caller first.
   */
  push(bytes: Uint8Array): DialogueChunk[] {
    this.bytes += bytes.byteLength;
    if (this.bytes > MAX_ANSWER_BYTES) throw this.invalid(`more than ${MAX_ANSWER_BYTES} bytes`);
    const text = this.decoder.decode(bytes, { stream: true });
    if (this.kind === 'json') this.json += text;
    else this.parser.feed(text);
    return this.drain();
  }

  /** The rest, once the body has ended; an incomplete or empty answer is a failure for throwIfFailed(). */
  end(): DialogueChunk[] {
    const text = this.decoder.decode();
    if (this.kind === 'json') {
      if (!this.complete) this.readJson(this.json + text);
    } else if (!this.complete) {
      this.parser.feed(text);
      // A last event without its blank line still counts.
      this.parser.reset({ consume: true });
    }
    if (this.error === undefined) {
      for (const piece of this.think.end()) this.add(piece.kind, piece.text);
      if (!this.complete && !this.finished) {
        this.error = new ProviderConnectionError(
          `${this.label}: the stream from ${this.endpoint} ended before the answer was complete`,
        );
      } else if (!this.spoke) {
        this.error = this.invalid('no answer text');
      }
    }
    return this.drain();
  }

  throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }

  private readJson(body: string): void {
    try {
      this.take(readChatEvent(body, this.label, this.endpoint));
    } catch (error) {
      this.error = asError(error);
    }
    this.complete = this.error === undefined;
  }

  private take(delta: ChatDelta): void {
    if (delta.done) {
      this.complete = true;
      return;
    }
    if (delta.reasoning || delta.content) this.tokens++;
    if (delta.reasoning) this.add('reasoning', delta.reasoning);
    for (const piece of this.think.push(delta.content)) this.add(piece.kind, piece.text);
    if (delta.finishReason) this.finished = true;
  }

  private add(kind: 'text' | 'reasoning', text: string): void {
    if (kind === 'text' && text.trim()) this.spoke = true;
    const last = this.pending.at(-1);
    // Pieces of one read are joined, so a burst of tokens is one chunk for the caller.
    if (last && last.kind === kind) last.text += text;
    else this.pending.push({ kind, text });
  }

  private drain(): DialogueChunk[] {
    const chunks = this.pending;
    this.pending = [];
    return chunks;
  }

  private invalid(what: string): ProviderError {
    return new ProviderError(`${this.label}: ${this.endpoint} answered ${what}`, 'invalid_response');
  }
}

/** readChatEvent throws ProviderErrors only; anything else would be a bug, still reported as an Error. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
