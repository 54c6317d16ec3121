/**
 * The IVH query signature (spec §1.3): HMAC-SHA256 keyed by the accesstoken over the sorted `key=value` pairs
 * of every query parameter except `signature`, in standard Base64. Built on WebCrypto so the same code signs in
 * Node 20 and in browsers.
 */

/** A query as pairs of decoded values, or a plain record of them. */
export type QueryParams = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

function toPairs(params: QueryParams): Array<readonly [string, string]> {
  if (Symbol.iterator in params) return [...(params as Iterable<readonly [string, string]>)];
  return Object.entries(params as Record<string, string>);
}

/** Code-unit order, as the docs specify (uppercase before lowercase: `Language` precedes `appkey`). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The text the signature covers: all pairs except `signature`, sorted by key, joined as `k=v` with `&`.
 * `compare` exists because one real client sorts with `localeCompare`; the server may check that order too.
 */
export function signingText(
  params: QueryParams,
  compare: (a: string, b: string) => number = compareCodeUnits,
): string {
  return toPairs(params)
    .filter(([key]) => key !== 'signature')
    .sort(([a], [b]) => compare(a, b))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** HMAC-SHA256 of `text` keyed by `accesstoken`, Base64 (with `+`, `/`, `=`). */
export async function hmacSha256Base64(accesstoken: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(accesstoken),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const digest = await crypto.subtle.sign('HMAC', key, encoder.encode(text));
  return toBase64(new Uint8Array(digest));
}

/** The Base64 signature of a query. */
export async function sign(params: QueryParams, accesstoken: string): Promise<string> {
  return hmacSha256Base64(accesstoken, signingText(params));
}

export interface SignedQueryOptions {
  appkey: string;
  accesstoken: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Extra parameters to sign, e.g. `requestid` for a WebSocket or `Language`. */
  extra?: Readonly<Record<string, string>>;
}

/**
 * A complete, URL-encoded query string (without `?`) carrying appkey, timestamp, the extras and the signature.
 * Every value is percent-encoded, so a Base64 `+` travels as `%2B` and cannot be decoded as a space.
 */
export async function signedQuery(options: SignedQueryOptions): Promise<string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const params: Record<string, string> = {
    ...options.extra,
    appkey: options.appkey,
    timestamp: String(timestamp),
  };
  const signature = await sign(params, options.accesstoken);
  const pairs = Object.entries(params).sort(([a], [b]) => compareCodeUnits(a, b));
  pairs.push(['signature', signature]);
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
