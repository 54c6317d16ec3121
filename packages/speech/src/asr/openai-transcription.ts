import type { AsrProvider, AsrStream, AsrStreamHandlers } from '@dhuman/core';
import { ASR_SAMPLE_RATE } from '@dhuman/core';
import { wavFile } from '../audio/pcm.js';
import { delay, describeCause, readLimitedText } from '../http/http-util.js';
import type { ProviderStatusError } from '../http/provider-errors.js';
import { ProviderConnectionError, ProviderError, ProviderTimeoutError } from '../http/provider-errors.js';
import { redactKey, vendorStatusError } from '../http/vendor-status-error.js';

export interface OpenAiTranscriptionOptions {
  /** API base, e.g. `http://127.0.0.1:8000/v1`; requests go to `${url}/audio/transcriptions`. */
  url: string;
  /** e.g. `whisper-1`, `gpt-4o-mini-transcribe`, or a local server's model name. */
  model: string;
  /** Sent as `Authorization: Bearer …`; never logged nor put in error messages. */
  apiKey?: string;
  /** BCP 47 tag (`en-US`, `zh-CN`) or ISO 639-1 code sent as `language`; unset: the endpoint detects it. */
  language?: string;
  /** Longest wait for the answer to one utterance; default 30 s. */
  timeoutMs?: number;
  /** Retries after a rate limit, server error, timeout or broken connection; default 2. */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each further one; default 500 ms. */
  retryDelayMs?: number;
  /** Longest utterance kept; audio beyond it is dropped. Default 60 s (1.9 MB), well under OpenAI's 25 MB. */
  maxUtteranceMs?: number;
  fetch?: typeof fetch;
}

/**
 * Longest answer read: a transcript of `maxUtteranceMs` is a few kB, an error page's quotable part less; a
 * vendor sending more is not allowed to hold memory with it.
 */
const MAX_BODY_BYTES = 1 << 20;
/** OpenAI refuses audio shorter than 0.1 s ("audio too short"); such an utterance has no words anyway. */
const MIN_AUDIO_SAMPLES = ASR_SAMPLE_RATE / 10;

/**
 * Speech recognition through any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI, faster-whisper
 * servers, LocalAI, whisper.cpp's server, …). Each utterance is sent as one WAV file when it ends, so there are
 * no partial results; an utterance's final result comes one request later.
 */
export class OpenAiTranscriptionAsr implements AsrProvider {
  readonly label = 'openai.transcription';
  readonly capabilities: { readonly partials: false; readonly languages: readonly string[] };
  readonly #apiKey: string | undefined;
  private readonly endpoint: string;
  private readonly shownEndpoint: string;
  private readonly settings: RequestSettings;
  private readonly language: string | undefined;
  private readonly maxSamples: number;
  private readonly streams = new Set<TranscriptionStream>();
  private closed = false;

  constructor(options: OpenAiTranscriptionOptions) {
    const endpoint = new URL(options.url);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')
      throw new RangeError(`${this.label}: the URL must be http or https`);
    if (endpoint.username || endpoint.password)
      throw new RangeError(`${this.label}: put credentials in apiKey, not in the URL`);
    if (!options.model) throw new RangeError(`${this.label}: model must not be empty`);
    endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/audio/transcriptions`;
    this.endpoint = endpoint.href;
    this.shownEndpoint = `${endpoint.origin}${endpoint.pathname}`;
    this.#apiKey = options.apiKey;
    const language = options.language === undefined ? undefined : isoLanguage(options.language);
    if (language === null) throw this.badLanguage(options.language);
    this.language = language;
    this.capabilities = {
      partials: false,
      // Whisper-family models recognise about 100 languages; these are the ones dhuman's voices speak.
      languages: options.language === undefined ? ['en-US', 'zh-CN'] : [options.language],
    };
    this.settings = {
      model: options.model,
      timeoutMs: positive(this.label, 'timeoutMs', options.timeoutMs ?? 30_000),
      maxRetries: Math.max(0, Math.floor(options.maxRetries ?? 2)),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? 500),
      fetch: options.fetch ?? globalThis.fetch,
    };
    this.maxSamples = Math.floor(
      (positive(this.label, 'maxUtteranceMs', options.maxUtteranceMs ?? 60_000) * ASR_SAMPLE_RATE) / 1000,
    );
  }

  /**
   * Builds the provider from DHUMAN_ASR_URL, DHUMAN_ASR_MODEL, DHUMAN_ASR_KEY and DHUMAN_ASR_LANGUAGE, or
   * returns undefined when DHUMAN_ASR_URL is unset. `overrides` win over the environment.
   */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    overrides: Partial<OpenAiTranscriptionOptions> = {},
  ): OpenAiTranscriptionAsr | undefined {
    const url = overrides.url ?? (env.DHUMAN_ASR_URL || undefined);
    if (url === undefined) return undefined;
    if (!URL.canParse(url)) throw new Error(`DHUMAN_ASR_URL is not a valid URL: ${JSON.stringify(url)}`);
    const model = overrides.model ?? (env.DHUMAN_ASR_MODEL || undefined);
    if (model === undefined)
      throw new Error(
        'DHUMAN_ASR_URL is set but DHUMAN_ASR_MODEL is not: set it to the transcription model to use ' +
          '(e.g. whisper-1 for OpenAI), or unset DHUMAN_ASR_URL to use pocketsphinx',
      );
    const apiKey = overrides.apiKey ?? (env.DHUMAN_ASR_KEY || undefined);
    const language = overrides.language ?? (env.DHUMAN_ASR_LANGUAGE || undefined);
    return new OpenAiTranscriptionAsr({
      ...overrides,
      url,
      model,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(language === undefined ? {} : { language }),
    });
  }

  open(handlers: AsrStreamHandlers, options: { language?: string } = {}): Promise<AsrStream> {
    if (this.closed) return Promise.reject(new Error(`${this.label} is closed`));
    const language = options.language === undefined ? this.language : isoLanguage(options.language);
    if (language === null) return Promise.reject(this.badLanguage(options.language));
    const stream = new TranscriptionStream(handlers, this.maxSamples, (pcm, signal) =>
      this.transcribe(pcm, language, signal),
    );
    stream.onClosed = () => this.streams.delete(stream);
    this.streams.add(stream);
    return Promise.resolve(stream);
  }

  /** Closes every stream (aborting its request); later `open` calls reject. */
  close(): Promise<void> {
    this.closed = true;
    for (const stream of [...this.streams]) stream.close();
    return Promise.resolve();
  }

  /** One utterance's text, retrying when retrying can help. Throws ProviderError, or the abort reason. */
  private async transcribe(
    pcm: Int16Array,
    language: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    // A fresh buffer, never a SharedArrayBuffer, as Blob requires.
    const wav = wavFile(pcm, ASR_SAMPLE_RATE) as Uint8Array<ArrayBuffer>;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(wav, language, signal);
      } catch (error) {
        if (signal.aborted || !(error instanceof ProviderError) || !error.retryable) throw error;
        if (attempt >= this.settings.maxRetries) throw error;
      }
      await delay(this.settings.retryDelayMs * 2 ** attempt, signal);
    }
  }

  private async request(
    wav: Uint8Array<ArrayBuffer>,
    language: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const body = new FormData();
    body.append('file', new Blob([wav], { type: 'audio/wav' }), 'utterance.wav');
    body.append('model', this.settings.model);
    if (language !== undefined) body.append('language', language);
    body.append('response_format', 'json');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new ProviderTimeoutError(
            `${this.label}: no answer from ${this.shownEndpoint} within ${this.settings.timeoutMs} ms`,
          ),
        ),
      this.settings.timeoutMs,
    );
    try {
      const response = await this.settings.fetch(this.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, timeout.signal]),
      });
      const text = await readLimitedText(response, MAX_BODY_BYTES);
      if (!response.ok) throw this.statusError(response, text);
      return this.parse(text);
    } catch (error) {
      // The timeout's abort carries its ProviderTimeoutError; the stream's own abort is no failure.
      if (timeout.signal.aborted && !signal.aborted) throw timeout.signal.reason;
      if (signal.aborted || error instanceof ProviderError) throw error;
      throw new ProviderConnectionError(
        `${this.label}: connection to ${this.shownEndpoint} failed: ${redactKey(describeCause(error), this.#apiKey)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private parse(text: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const transcript = (parsed as { text?: unknown } | undefined)?.text;
    if (typeof transcript !== 'string')
      throw new ProviderError(
        `${this.label}: ${this.shownEndpoint} answered without a JSON "text"; it must honour response_format "json"`,
        'invalid_response',
      );
    return transcript.trim();
  }

  private statusError(response: Response, text: string): ProviderStatusError {
    return vendorStatusError({
      label: this.label,
      endpoint: this.shownEndpoint,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? undefined,
      body: text,
      apiKey: this.#apiKey,
      keyHint: 'DHUMAN_ASR_KEY',
    });
  }

  private badLanguage(tag: string | undefined): RangeError {
    return new RangeError(`${this.label}: not a language tag: ${JSON.stringify(tag)}`);
  }
}

interface RequestSettings {
  model: string;
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  fetch: typeof fetch;
}

type Transcribe = (pcm: Int16Array, signal: AbortSignal) => Promise<string>;

/**
 * Collects each utterance's audio and transcribes it when it ends. Requests run one at a time, so finals
 * arrive in utterance order even when an earlier request is slower.
 */
class TranscriptionStream implements AsrStream {
  onClosed: (() => void) | undefined;
  private utterances = 0;
  private current: { n: number; chunks: Int16Array[]; samples: number } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly handlers: AsrStreamHandlers,
    private readonly maxSamples: number,
    private readonly transcribe: Transcribe,
  ) {}

  begin(): number {
    if (this.closed) throw new Error('openai.transcription: the stream is closed');
    if (this.current) this.end();
    this.current = { n: ++this.utterances, chunks: [], samples: 0 };
    return this.current.n;
  }

  write(pcm: Int16Array): void {
    if (!(pcm instanceof Int16Array))
      throw new TypeError('openai.transcription: audio must be an Int16Array');
    const utterance = this.current;
    if (this.closed || !utterance) return;
    const room = this.maxSamples - utterance.samples;
    if (room <= 0 || pcm.length === 0) return;
    // A copy: the caller may reuse its buffer once write() returns.
    const kept = pcm.slice(0, room);
    utterance.chunks.push(kept);
    utterance.samples += kept.length;
  }

  end(): void {
    const utterance = this.current;
    if (this.closed || !utterance) return;
    this.current = undefined;
    const pcm = new Int16Array(utterance.samples);
    let offset = 0;
    for (const chunk of utterance.chunks) {
      pcm.set(chunk, offset);
      offset += chunk.length;
    }
    this.queue = this.queue.then(() => this.finish(utterance.n, pcm));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current = undefined;
    this.abort.abort();
    this.onClosed?.();
  }

  private async finish(n: number, pcm: Int16Array): Promise<void> {
    if (this.closed) return;
    try {
      const text = pcm.length < MIN_AUDIO_SAMPLES ? '' : await this.transcribe(pcm, this.abort.signal);
      if (!this.closed) this.handlers.onResult({ utterance: n, text, final: true });
    } catch (error) {
      if (this.closed) return;
      this.close();
      this.handlers.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** `en-US` → `en`: the endpoint takes ISO 639 codes. null when `tag` is no language tag. */
function isoLanguage(tag: string): string | null {
  const code = tag.split(/[-_]/)[0]?.toLowerCase() ?? '';
  return /^[a-z]{2,3}$/.test(code) ? code : null;
}

function positive(label: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${label}: ${name} must be positive`);
  return value;
}
