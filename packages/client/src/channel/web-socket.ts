/**
 * The slice of the WebSocket API the command channel uses, so the browser's global `WebSocket` and the `ws`
 * package's class both fit. Handler slots are typed `unknown` because the two declare different event classes;
 * the channel only reads the fields listed in the `*Like` event shapes below, which both provide.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: unknown;
  onmessage: unknown;
  onclose: unknown;
  onerror: unknown;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface MessageEventLike {
  readonly data: unknown;
}

export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** Browsers pass a bare `Event`; `ws` adds the underlying `error` and its `message`. */
export interface ErrorEventLike {
  readonly error?: unknown;
  readonly message?: unknown;
}

/** `readyState` of an open socket; read as a number because an injected class need not carry the constants. */
export const OPEN = 1;

/**
 * The constructor to use: the injected one, else the global. Node 20 has no global `WebSocket`, so there the
 * caller must inject one (the `ws` package's), and saying so beats a "WebSocket is not a constructor" later.
 */
export function resolveWebSocket(injected: WebSocketConstructor | undefined): WebSocketConstructor {
  if (injected) return injected;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  throw new TypeError(
    'no WebSocket implementation: this runtime has no global WebSocket (Node 20 has none), so pass ' +
      'options.webSocket, e.g. the WebSocket class of the "ws" package',
  );
}
