import type { createSessionByAssetRequestSchema, createSessionRequestSchema } from '@dhuman/protocol';
import type { Language } from './transport.js';

/**
 * What a zod schema accepts, read structurally (this is what `z.input` expands to) so the SDK's declarations
 * need no import from zod, which is protocol's dependency rather than ours.
 */
type SchemaInput<S extends { _zod: { input: unknown } }> = S['_zod']['input'];

/** `createsession` Payload (spec §3.1); `ReqId` is generated when left out. Extra fields are sent as given. */
export type CreateSessionInput = SchemaInput<typeof createSessionRequestSchema>;

/** `createsessionbyasset` Payload (spec §3.2); `ReqId` is generated when left out. */
export type CreateSessionByAssetInput = SchemaInput<typeof createSessionByAssetRequestSchema>;

export interface DhumanClientOptions {
  /** Gateway origin, optionally with a path prefix: `https://ivh.example.com` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  appkey: string;
  accesstoken: string;
  /** Replaces the global `fetch` (tests, proxies, custom agents). */
  fetch?: typeof fetch;
  /** Sent as the `Language` HTTP header, as Tencent's Web SDK does; omitted when unset. */
  language?: Language;
  /** Per-request timeout, default 10000 ms. */
  timeoutMs?: number;
}

export interface WaitUntilReadyOptions {
  /** Give up after this long, default 30000 ms. */
  timeoutMs?: number;
  /** Pause between `statsession` polls, default 200 ms. */
  intervalMs?: number;
}
