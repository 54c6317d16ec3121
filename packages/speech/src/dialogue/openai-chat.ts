import type { DialogueChunk, DialogueEngine, DialogueRequest } from '@dhuman/core';
import type { ProviderStatusError } from '../http/provider-errors.js';
import { ProviderConnectionError, ProviderError, ProviderTimeoutError } from '../http/provider-errors.js';
import { AnswerStream, streamKind } from './chat-answer-stream.js';
import { chatMessages } from './chat-messages.js';
import { delay, describeCause, readLimitedText } from '../http/http-util.js';
import { redactKey, vendorStatusError } from '../http/vendor-status-error.js';
import { TokenClock } from './token-clock.js';

export interface OpenAiChatOptions {
  /** API base, e.g. `http://127.0.0.1:11434/v1`; requests go to `${url}/chat/completions`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; never logged nor put in error messages. */
  apiKey?: string;
  systemPrompt?: string;
  /** Spoken by the caller when this engine fails. */
  fallbackAnswer: string;
  /** Earlier turns sent with each question, newest kept; default 8. */
  maxHistoryTurns?: number;
  /** Characters of earlier questions and answers sent, at most; default 8000. */
  maxHistoryChars?: number;
  /** Longest wait from sending the question to the first token (of answer or reasoning); default 15 s. */
  firstTokenTimeoutMs?: number;
  /** Longest wait between two tokens once the answer has started; default 15 s. */
  idleTimeoutMs?: number;
  /** Retries after a rate limit, server error, timeout or broken connection, before any output; default 2. */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each further one; default 500 ms. */
  retryDelayMs?: number;
  temperature?: number;
  /** Sent as `max_tokens`. */
  maxTokens?: number;
  fetch?: typeof fetch;
}

/** Error bodies are read up to this size: enough to quote, bounded against a vendor that never stops. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * A dialogue engine over any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Ollama, vLLM, llama.cpp,
 * LM Studio, LiteLLM, DeepSeek, …), streaming the answer as it is generated. Reasoning the model sends
 * (`reasoning_content`, `reasoning`, or a leading `<think>` block) becomes reasoning chunks, never spoken.
 *
 * Failures before any output are retried when retrying can help; once output was yielded a failure is thrown,
 * since a retry would say it again. Aborting the request's signal ends the iteration quietly.
 */
export class OpenAiChatDialogue implements DialogueEngine {
  readonly label = 'openai.chat';
  readonly fallbackAnswer: string;
  private readonly model: string;
  /** A #private field, so inspecting or serialising the engine never shows the key. */
  readonly #apiKey: string | undefined;
  private readonly endpoint: string;
  /** The endpoint without its query (which could hold a key), for error messages. */
  private readonly shownEndpoint: string;
  private readonly systemPrompt: string | undefined;
  private readonly maxHistoryTurns: number;
  private readonly maxHistoryChars: number;
  private readonly firstTokenTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly temperature: number | undefined;
  private readonly maxTokens: number | undefined;
  private readonly fetch: typeof fetch;
  /** Aborted by close(): ends every request and retry wait in flight. */
  private readonly closing = new AbortController();

  constructor(options: OpenAiChatOptions) {
    if (!URL.canParse(options.url)) throw new RangeError(`${this.label}: url is not a valid URL`);
    const endpoint = new URL(options.url);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new RangeError(`${this.label}: url must be http: or https:`);
    }
    if (endpoint.username || endpoint.password) {
      throw new RangeError(`${this.label}: put credentials in apiKey, not in the URL`);
    }
    endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/chat/completions`;
    this.endpoint = endpoint.href;
    this.shownEndpoint = `${endpoint.origin}${endpoint.pathname}`;
    if (!options.model.trim()) throw new RangeError(`${this.label}: model must not be empty`);
    this.model = options.model;
    if (!options.fallbackAnswer.trim())
      throw new RangeError(`${this.label}: fallbackAnswer must not be empty`);
    this.fallbackAnswer = options.fallbackAnswer;
    this.#apiKey = options.apiKey || undefined;
    this.systemPrompt = options.systemPrompt;
    this.maxHistoryTurns = count(options.maxHistoryTurns, 8, 'maxHistoryTurns', this.label);
    this.maxHistoryChars = count(options.maxHistoryChars, 8000, 'maxHistoryChars', this.label);
    this.firstTokenTimeoutMs = count(
      options.firstTokenTimeoutMs,
      15_000,
      'firstTokenTimeoutMs',
      this.label,
      1,
    );
    this.idleTimeoutMs = count(options.idleTimeoutMs, 15_000, 'idleTimeoutMs', this.label, 1);
    this.maxRetries = count(options.maxRetries, 2, 'maxRetries', this.label);
    this.retryDelayMs = count(options.retryDelayMs, 500, 'retryDelayMs', this.label);
    if (options.temperature !== undefined && !(options.temperature >= 0 && options.temperature <= 2)) {
      throw new RangeError(`${this.label}: temperature must be between 0 and 2`);
    }
    this.temperature = options.temperature;
    this.maxTokens =
      options.maxTokens === undefined ? undefined : count(options.maxTokens, 0, 'maxTokens', this.label, 1);
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async *reply(request: DialogueRequest): AsyncGenerator<DialogueChunk, void, undefined> {
    if (this.closing.signal.aborted) throw new Error(`${this.label} is closed`);
    const { signal } = request;
    const body = JSON.stringify({
      model: this.model,
      stream: true,
      messages: chatMessages(this.systemPrompt, request.history, request.question, {
        maxTurns: this.maxHistoryTurns,
        maxChars: this.maxHistoryChars,
      }),
      ...(this.temperature !== undefined && { temperature: this.temperature }),
      ...(this.maxTokens !== undefined && { max_tokens: this.maxTokens }),
    });
    const stopped = AbortSignal.any([signal, this.closing.signal]);
    let yielded = false;
    for (let attempt = 0; !stopped.aborted; attempt++) {
      try {
        for await (const chunk of this.attempt(body, stopped)) {
          yielded = true;
          yield chunk;
        }
        return;
      } catch (error) {
        // An abort (a new question, or close()) is not a failure.
        if (stopped.aborted) return;
        if (yielded || !(error instanceof ProviderError) || !error.retryable || attempt >= this.maxRetries) {
          throw error;
        }
      }
      await delay(this.retryDelayMs * 2 ** attempt, stopped);
    }
  }

  /** Aborts every request in flight (their iterations end quietly); later calls to reply() throw. */
  close(): void {
    this.closing.abort();
  }

  /** One HTTP attempt, yielding chunks as the stream arrives. Throws ProviderError for every failure. */
  private async *attempt(body: string, stopped: AbortSignal): AsyncGenerator<DialogueChunk, void, undefined> {
    const controller = new AbortController();
    const clock = new TokenClock(this.firstTokenTimeoutMs, this.idleTimeoutMs, (message) =>
      controller.abort(new ProviderTimeoutError(`${this.label}: ${message} from ${this.shownEndpoint}`)),
    );
    const failure = (error: unknown): unknown => {
      // An abort by the clock carries its ProviderTimeoutError; the caller's abort is not a failure.
      if (controller.signal.reason instanceof ProviderError) return controller.signal.reason;
      if (stopped.aborted || error instanceof ProviderError) return error;
      return new ProviderConnectionError(
        `${this.label}: connection to ${this.shownEndpoint} failed: ${redactKey(describeCause(error), this.#apiKey)}`,
        { cause: error },
      );
    };
    try {
      clock.arm();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'text/event-stream, application/json',
      };
      if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
      let response: Response;
      try {
        response = await this.fetch(this.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([stopped, controller.signal]),
        });
      } catch (error) {
        throw failure(error);
      }
      if (!response.ok) throw await this.statusError(response).catch(failure);
      const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
      if (!reader) throw this.invalid('an empty body');
      const kind = streamKind(response);
      if (!kind) throw this.invalid(`${response.headers.get('content-type')}, not an event stream`);
      const stream = new AnswerStream(this.label, this.shownEndpoint, kind);
      while (!stream.complete) {
        clock.arm();
        const { done, value } = await reader.read().catch((error: unknown) => {
          throw failure(error);
        });
        // The consumer's pace is not the vendor's silence.
        clock.disarm();
        if (done) break;
        const tokensBefore = stream.tokens;
        const chunks = stream.push(value);
        // Only tokens count as progress: a server that sends keep-alive comments forever still times out.
        if (stream.tokens > tokensBefore) clock.tokenArrived();
        for (const chunk of chunks) yield chunk;
        if (chunks.length > 0) clock.tokenArrived();
        stream.throwIfFailed();
      }
      for (const chunk of stream.end()) yield chunk;
      stream.throwIfFailed();
    } finally {
      clock.disarm();
      // Releases the connection when the consumer stops early or a later step failed.
      controller.abort();
    }
  }

  private invalid(what: string): ProviderError {
    return new ProviderError(`${this.label}: ${this.shownEndpoint} answered ${what}`, 'invalid_response');
  }

  private async statusError(response: Response): Promise<ProviderStatusError> {
    return vendorStatusError({
      label: this.label,
      endpoint: this.shownEndpoint,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? undefined,
      body: await readLimitedText(response, MAX_ERROR_BODY_BYTES),
      apiKey: this.#apiKey,
      keyHint: 'DHUMAN_LLM_KEY or the project’s key',
      notFoundHint: 'check the URL (it should end in /v1 or the like) and the model name',
    });
  }
}

/** A whole number option ≥ `min`, or its default. */
function count(value: number | undefined, fallback: number, name: string, label: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${label}: ${name} must be a whole number of at least ${min}`);
  }
  return value;
}
