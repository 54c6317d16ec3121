import { ProviderError, statusCategory, type ProviderErrorCategory } from '../http/provider-errors.js';
import { errorText, quote } from '../http/http-util.js';

interface Source {
  label: string;
  endpoint: string;
}

/** What one streamed chat event (or a whole non-streamed answer) says. */
export interface ChatDelta {
  /** `data: [DONE]`: the stream is complete. */
  done: boolean;
  content: string;
  /** `reasoning_content` (DeepSeek, vLLM, SGLang) or `reasoning` (OpenRouter, Ollama). */
  reasoning: string;
  /** `finish_reason` of the first choice, once the model has finished. */
  finishReason: string | undefined;
}

/**
 * Reads the `data` of one event of a streamed `/chat/completions` answer, or a whole non-streamed answer
 * (`message` in place of `delta`). Throws ProviderError for an error the vendor put in the stream, and for
 * anything that is not the expected JSON (`invalid_response`). Messages start with `label` and name `endpoint`.
 */
export function readChatEvent(data: string, label: string, endpoint: string): ChatDelta {
  const where: Source = { label, endpoint };
  if (data.trim() === '[DONE]') return { done: true, content: '', reasoning: '', finishReason: undefined };
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    throw new ProviderError(
      `${label}: unreadable event from ${endpoint}: ${quote(data)}`,
      'invalid_response',
    );
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ProviderError(
      `${label}: unexpected event from ${endpoint}: ${quote(data)}`,
      'invalid_response',
    );
  }
  const record = event as Record<string, unknown>;
  if (record.error !== undefined && record.error !== null) throw streamError(record, label, endpoint);
  const choices = record.choices;
  if (choices !== undefined && !Array.isArray(choices)) {
    throw new ProviderError(
      `${label}: "choices" is not a list in an event from ${endpoint}`,
      'invalid_response',
    );
  }
  // Events without choices happen (usage reports, keep-alives); they say nothing.
  const choice = (choices as unknown[] | undefined)?.[0];
  if (choice === undefined || choice === null) {
    return { done: false, content: '', reasoning: '', finishReason: undefined };
  }
  const { delta, message, finish_reason: finish } = choice as Record<string, unknown>;
  const part = (delta ?? message ?? {}) as Record<string, unknown>;
  return {
    done: false,
    content: field(part, 'content', where),
    reasoning: field(part, 'reasoning_content', where) || field(part, 'reasoning', where),
    finishReason: typeof finish === 'string' ? finish : undefined,
  };
}

/** A text field of a delta; null and absent are empty (OpenAI sends `"content": null` with tool calls). */
function field(part: Record<string, unknown>, name: string, source: Source): string {
  const value = part[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new ProviderError(
      `${source.label}: "${name}" is not text in an event from ${source.endpoint}`,
      'invalid_response',
    );
  }
  return value;
}

/**
 * An error the vendor sent inside a 200 stream (vLLM, LiteLLM and OpenRouter do when a request fails after the
 * headers went out). Its code, when it is an HTTP status, decides whether a retry can help.
 */
function streamError(record: Record<string, unknown>, label: string, endpoint: string): ProviderError {
  const error = record.error as Record<string, unknown> | string;
  const message = quote(errorText(record) ?? 'no message');
  const code = typeof error === 'object' ? (error.code ?? error.status ?? error.type) : undefined;
  let category: ProviderErrorCategory = 'server';
  if (typeof code === 'number' && code >= 400 && code < 600) category = statusCategory(code);
  else if (typeof code === 'string' && /^\d{3}$/.test(code)) category = statusCategory(Number(code));
  else if (typeof code === 'string' && /quota/i.test(code)) category = 'quota';
  else if (typeof code === 'string' && /rate.?limit/i.test(code)) category = 'rate_limit';
  return new ProviderError(`${label}: ${endpoint} reported an error in the stream: ${message}`, category);
}
