import type { TtsChunk, TtsProvider, TtsRequest, VoiceInfo } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { applyGain } from '../../audio/pcm.js';
import type { ProviderStatusError } from '../../http/provider-errors.js';
import { ProviderConnectionError, ProviderError, ProviderTimeoutError } from '../../http/provider-errors.js';
import { delay, describeCause, readLimitedText } from '../../http/http-util.js';
import { redactKey, vendorStatusError } from '../../http/vendor-status-error.js';
import { isSupportedSpeechType, SpeechBodyDecoder } from './speech-body.js';

export interface OpenAiTtsOptions {
  /** API base, e.g. `http://127.0.0.1:8880/v1`; requests go to `${url}/audio/speech`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; never logged nor put in error messages. */
  apiKey?: string;
  /** The voices offered; each `key` is sent as the vendor's `voice`. Default: OpenAI's six, as English. */
  voices?: VoiceInfo[];
  /** Longest wait for the response to start or for its next piece of audio; default 30 s. */
  timeoutMs?: number;
  /** Retries after a rate limit, server error, timeout or broken connection, before any audio; default 2. */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each further one; default 500 ms. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export const OPENAI_VOICES: readonly VoiceInfo[] = ['alloy', 'echo', 'fable', 'onyx', 'nova', 'shimmer'].map(
  (key) => ({ key, name: key, language: 'en-US' }),
);

/** OpenAI accepts speeds of 0.25–4. */
const MIN_SPEED = 0.25;
const MAX_SPEED = 4;

/**
 * Text to speech through any OpenAI-compatible `/audio/speech` endpoint (OpenAI, Kokoro-FastAPI, openedai-speech,
 * LocalAI, …), asking for raw 24 kHz PCM and streaming it as it arrives. These engines report no phoneme
 * timing, so their audio is lip-synced by the audio-to-viseme estimator.
 */
export class OpenAiCompatibleTts implements TtsProvider {
  readonly label = 'openai.tts';
  readonly capabilities = { phonemeTimings: false } as const;
  private readonly model: string;
  /** A #private field, so inspecting or serialising the provider never shows the key. */
  readonly #apiKey: string | undefined;
  private readonly endpoint: string;
  /** The endpoint without its query, for error messages. */
  private readonly shownEndpoint: string;
  private readonly voiceList: readonly VoiceInfo[];
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly fetch: typeof fetch;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(options: OpenAiTtsOptions) {
    const endpoint = new URL(options.url);
    if (endpoint.username || endpoint.password) {
      throw new RangeError(`${this.label}: put credentials in apiKey, not in the URL`);
    }
    endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/audio/speech`;
    this.endpoint = endpoint.href;
    this.shownEndpoint = `${endpoint.origin}${endpoint.pathname}`;
    this.model = options.model;
    this.#apiKey = options.apiKey;
    this.voiceList = options.voices ?? OPENAI_VOICES;
    if (this.voiceList.length === 0) throw new RangeError(`${this.label}: voices must not be empty`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Builds the provider from DHUMAN_TTS_URL, DHUMAN_TTS_MODEL and DHUMAN_TTS_KEY, or returns undefined when
   * DHUMAN_TTS_URL is unset (no external TTS configured). `overrides` win over the environment.
   */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    overrides: Partial<OpenAiTtsOptions> = {},
  ): OpenAiCompatibleTts | undefined {
    const url = overrides.url ?? (env.DHUMAN_TTS_URL || undefined);
    if (url === undefined) return undefined;
    const model = overrides.model ?? (env.DHUMAN_TTS_MODEL || undefined);
    if (model === undefined) {
      throw new Error(
        'DHUMAN_TTS_URL is set but DHUMAN_TTS_MODEL is not: set DHUMAN_TTS_MODEL to the speech model to use ' +
          '(e.g. tts-1 for OpenAI, kokoro for Kokoro-FastAPI), or unset DHUMAN_TTS_URL to use the built-in TTS',
      );
    }
    if (!URL.canParse(url)) throw new Error(`DHUMAN_TTS_URL is not a valid URL: ${JSON.stringify(url)}`);
    const apiKey = overrides.apiKey ?? (env.DHUMAN_TTS_KEY || undefined);
    return new OpenAiCompatibleTts({ ...overrides, url, model, ...(apiKey === undefined ? {} : { apiKey }) });
  }

  voices(): readonly VoiceInfo[] {
    return this.voiceList;
  }

  /**
   * Streams the speech for `request` as 24 kHz chunks. Failures before the first audio are retried when
   * retrying can help; after audio has been yielded a failure is thrown, since a retry would repeat it. Stops
   * without error when `signal` aborts.
   */
  async *synthesize(request: TtsRequest, signal: AbortSignal): AsyncGenerator<TtsChunk, void, undefined> {
    if (this.closed) throw new Error(`${this.label} is closed`);
    const body = JSON.stringify({
      model: this.model,
      input: request.text,
      voice: request.voice || this.voiceList[0]?.key,
      response_format: 'pcm',
      speed: Math.min(MAX_SPEED, Math.max(MIN_SPEED, request.speed || 1)),
    });
    let yielded = false;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        for await (const pcm of this.request(body, signal)) {
          yielded = true;
          yield {
            pcm: applyGain(pcm, request.volume),
            sampleRate: SESSION_SAMPLE_RATE,
            phonemes: [],
            words: [],
          };
        }
        return;
      } catch (error) {
        // close() ends streams the way an abort does.
        if (signal.aborted || this.closed) return;
        if (yielded || !(error instanceof ProviderError) || !error.retryable || attempt >= this.maxRetries) {
          throw error;
        }
      }
      await delay(this.retryDelayMs * 2 ** attempt, signal);
      if (this.closed) return;
    }
  }

  /** Aborts every request in flight; later calls to `synthesize` throw. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    return Promise.resolve();
  }

  /** One HTTP attempt, yielding samples as the body arrives. Throws ProviderError for every failure. */
  private async *request(body: string, signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const watchdog = new Watchdog(this.timeoutMs, () =>
      controller.abort(
        new ProviderTimeoutError(
          `${this.label}: no data from ${this.shownEndpoint} for ${this.timeoutMs} ms`,
        ),
      ),
    );
    const failure = (error: unknown): unknown => {
      // An abort by the timeout carries its ProviderTimeoutError; the caller's abort is not a failure.
      if (controller.signal.reason instanceof ProviderError) return controller.signal.reason;
      if (signal.aborted || error instanceof ProviderError) return error;
      return new ProviderConnectionError(
        `${this.label}: connection to ${this.shownEndpoint} failed: ${redactKey(describeCause(error), this.#apiKey)}`,
        {
          cause: error,
        },
      );
    };
    try {
      watchdog.arm();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'audio/pcm, audio/wav',
      };
      if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
      let response: Response;
      try {
        response = await this.fetch(this.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, controller.signal]),
        });
      } catch (error) {
        throw failure(error);
      }
      watchdog.arm();
      if (!response.ok) throw await this.statusError(response).catch(failure);
      const contentType = response.headers.get('content-type');
      if (!isSupportedSpeechType(contentType)) {
        throw new ProviderError(
          `${this.label}: ${this.shownEndpoint} answered ${contentType ?? 'no content type'}; ` +
            'it must honour response_format "pcm" or answer audio/wav',
          'invalid_response',
        );
      }
      const decoder = new SpeechBodyDecoder(contentType);
      // Node's fetch types leave the body's chunk type open; it is bytes.
      const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
      while (reader) {
        watchdog.arm();
        const { done, value } = await reader.read().catch((error: unknown) => {
          throw failure(error);
        });
        // The consumer's pace is not the vendor's silence.
        watchdog.disarm();
        if (done) break;
        const pcm = this.decode(() => decoder.push(value));
        if (pcm.length > 0) yield pcm;
      }
      const rest = this.decode(() => decoder.end());
      if (rest.length > 0) yield rest;
    } finally {
      watchdog.disarm();
      this.inFlight.delete(controller);
      // Releases the connection when the consumer stops early or a later step failed.
      controller.abort();
    }
  }

  private decode(step: () => Int16Array): Int16Array {
    try {
      return step();
    } catch (error) {
      throw new ProviderError(
        `${this.label}: unreadable audio from ${this.shownEndpoint}: ${describeCause(error)}`,
        'invalid_response',
        {
          cause: error,
        },
      );
    }
  }

  private async statusError(response: Response): Promise<ProviderStatusError> {
    return vendorStatusError({
      label: this.label,
      endpoint: this.shownEndpoint,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? undefined,
      // Enough of an error page to quote, without holding an endless body in memory.
      body: await readLimitedText(response, 64 * 1024),
      apiKey: this.#apiKey,
      keyHint: 'DHUMAN_TTS_KEY',
      authorizationScope: 'this model or voice',
    });
  }
}

/** A restartable timer for "no progress for timeoutMs"; one per attempt, so no timer outlives its request. */
class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  arm(): void {
    this.disarm();
    this.timer = setTimeout(this.onTimeout, this.ms);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
