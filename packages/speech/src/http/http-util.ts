/** Helpers shared by the adapters that call a vendor over HTTP (TTS, chat, transcription). */

/** Error bodies are quoted in messages up to this length, enough for a vendor's explanation. */
export const MAX_QUOTED_CHARS = 300;

/** The human part of an error body: OpenAI's `{"error":{"message"}}`, `{"detail"}` (FastAPI), or the text. */
export function vendorMessage(body: string): string {
  let message = body;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; detail?: unknown; message?: unknown };
    message = errorText(parsed) ?? body;
  } catch {
    // Not JSON: quote the text as it is.
  }
  return quote(message);
}

/** The message of an `{"error": …}` object (or string), `detail` or `message`; undefined when there is none. */
export function errorText(value: {
  error?: unknown;
  detail?: unknown;
  message?: unknown;
}): string | undefined {
  const error = value.error;
  const candidate =
    typeof error === 'object' && error !== null
      ? (error as { message?: unknown }).message
      : (error ?? value.detail ?? value.message);
  if (candidate === undefined || candidate === null) return undefined;
  return typeof candidate === 'string' ? candidate : JSON.stringify(candidate);
}

/** One line, at most MAX_QUOTED_CHARS. */
export function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_QUOTED_CHARS ? `${oneLine.slice(0, MAX_QUOTED_CHARS)}…` : oneLine;
}

export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" or "terminated" and puts the useful part (ECONNREFUSED, …) in the cause.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * The body as text, at most `maxBytes` of it: enough of an error page to quote, without letting a vendor that
 * answers an error with an endless body hold memory.
 */
export async function readLimitedText(response: Response, maxBytes: number): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - bytes;
      bytes += value.byteLength;
      text += decoder.decode(value.subarray(0, Math.max(0, room)), { stream: true });
      if (bytes >= maxBytes) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text + decoder.decode();
}

/** Waits `ms`, or less if `signal` aborts first (the caller then checks `signal`). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
