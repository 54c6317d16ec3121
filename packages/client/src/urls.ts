import { IVH_WS_PREFIX } from '@dhuman/protocol';

/**
 * Checks a gateway base URL once and returns it without a trailing slash, so paths can be appended as text.
 * A path prefix is kept (a server mounted under `/ivh` works); a query or fragment is refused because the
 * signed query must be the whole query, or the server would sign over parameters the client did not.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl is not a URL: ${baseUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http:// or https:// URL, got ${url.protocol}`);
  }
  if (url.search || url.hash) throw new TypeError('baseUrl must not carry a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The absolute URL of `path` under `base` with `query` appended. WebSocket paths (`/v2/ws/…`) share the gateway
 * host, so their scheme is the base's with `http` swapped for `ws` (https → wss).
 */
export function joinUrl(base: string, path: string, query: string): string {
  if (!path.startsWith('/')) throw new TypeError(`path must start with "/": ${path}`);
  if (path.includes('?')) throw new TypeError(`path must not carry a query (pass extra parameters): ${path}`);
  const origin = path.startsWith(IVH_WS_PREFIX) ? `ws${base.slice('http'.length)}` : base;
  return `${origin}${path}?${query}`;
}
