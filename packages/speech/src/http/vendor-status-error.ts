/** The ProviderStatusError of a vendor's HTTP error answer, shared by the adapters (TTS, chat, transcription). */

import { vendorMessage } from './http-util.js';
import { ProviderStatusError, statusCategory } from './provider-errors.js';

export interface VendorStatusErrorOptions {
  /** The adapter's name, which starts the message. */
  label: string;
  /** The endpoint as shown to people (without credentials). */
  endpoint: string;
  status: number;
  /** The vendor's `x-request-id`, if any. */
  requestId: string | undefined;
  /** The error body as text (already limited by the caller). */
  body: string;
  /** Redacted from the quoted body; vendors sometimes echo it. */
  apiKey: string | undefined;
  /** Where the key comes from, shown on 401: `check the API key (${keyHint})`. */
  keyHint: string;
  /** What the key may lack on 403: `not authorized for ${authorizationScope} (…)`. Default 'this model'. */
  authorizationScope?: string;
  /** The reason shown on a 404 (when no other reason applies); none by default. */
  notFoundHint?: string;
}

/**
 * `${label}: HTTP ${status} from ${endpoint} (reason): detail`, where detail is the vendor's message with the key
 * redacted, and the category is 'quota' when the body says insufficient_quota, else the status's category.
 */
export function vendorStatusError(options: VendorStatusErrorOptions): ProviderStatusError {
  const { label, endpoint, status, requestId, body, apiKey } = options;
  // Redacted before quoting, so a key cut by the length limit cannot show in part.
  const detail = redactKey(vendorMessage(redactKey(body, apiKey)), apiKey);
  const category = /insufficient_quota/.test(body) ? 'quota' : statusCategory(status);
  const reason =
    category === 'authentication'
      ? `authentication failed; check the API key (${options.keyHint})`
      : category === 'authorization'
        ? `not authorized for ${options.authorizationScope ?? 'this model'} (check the API key’s permissions)`
        : category === 'quota'
          ? 'quota exhausted'
          : category === 'rate_limit'
            ? 'rate limited'
            : status === 404
              ? options.notFoundHint
              : undefined;
  const message =
    `${label}: HTTP ${status} from ${endpoint}` +
    (reason ? ` (${reason})` : '') +
    (detail ? `: ${detail}` : '');
  return new ProviderStatusError(message, status, requestId, category);
}

/** `text` with every occurrence of `key` replaced by '[redacted]' ("Incorrect API key provided: sk-…"). */
export function redactKey(text: string, key: string | undefined): string {
  return key ? text.split(key).join('[redacted]') : text;
}
