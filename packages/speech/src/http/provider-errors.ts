/**
 * Errors of providers that call a vendor over HTTP, in the shape design/style.md asks for: a category from one
 * status table decides whether retrying can help, so callers branch on `retryable`/`category`, never on text.
 */

export type ProviderErrorCategory =
  | 'authentication'
  | 'authorization'
  | 'invalid_request'
  | 'invalid_response'
  | 'rate_limit'
  | 'quota'
  | 'server'
  | 'connectivity'
  | 'timeout';

const RETRYABLE: ReadonlySet<ProviderErrorCategory> = new Set([
  'rate_limit',
  'server',
  'connectivity',
  'timeout',
]);

export class ProviderError extends Error {
  override readonly name: string = 'ProviderError';
  readonly retryable: boolean;

  constructor(
    message: string,
    readonly category: ProviderErrorCategory,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.retryable = RETRYABLE.has(category);
  }
}

/** The vendor answered with an HTTP error status. */
export class ProviderStatusError extends ProviderError {
  override readonly name = 'ProviderStatusError';

  constructor(
    message: string,
    readonly status: number,
    readonly requestId: string | undefined,
    category: ProviderErrorCategory = statusCategory(status),
  ) {
    super(message, category);
  }
}

/** The vendor could not be reached, or the connection broke. */
export class ProviderConnectionError extends ProviderError {
  override readonly name = 'ProviderConnectionError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'connectivity', options);
  }
}

/** The vendor went quiet for longer than the provider's timeout. */
export class ProviderTimeoutError extends ProviderError {
  override readonly name = 'ProviderTimeoutError';

  constructor(message: string) {
    super(message, 'timeout');
  }
}

/** HTTP status → category. 408 and 429 are worth retrying; every other 4xx repeats the same way. */
export function statusCategory(status: number): ProviderErrorCategory {
  if (status === 401) return 'authentication';
  if (status === 403) return 'authorization';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status >= 500) return 'server';
  return 'invalid_request';
}
