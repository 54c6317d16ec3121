import { IvhError, responseEnvelopeSchema } from '@dhuman/protocol';
import { TransportError } from '../errors.js';
import type { WebSocketLike } from './web-socket.js';

/** The HTTP answer to an upgrade the server refused. */
export interface Refusal {
  status: number;
  body: string;
}

/** dhuman's refusal bodies are small envelopes; anything longer is not one and need not be read whole. */
const MAX_BODY_CHARS = 16 * 1024;

/** The parts of Node's `IncomingMessage` read here, typed locally so this file needs no Node types. */
interface ResponseLike {
  statusCode?: number;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close' | 'error', listener: () => void): unknown;
}

/**
 * Browsers hide why an upgrade failed, but the `ws` package hands the refusal's HTTP response to
 * 'unexpected-response' listeners. When `socket` offers that, the body is read (dhuman puts an IVH envelope
 * there) and passed to `onRefusal`, then the handshake is aborted, which `ws` reports through the usual
 * error and close events. Listening makes `ws` leave the aborting to us, so every path ends in `close()`.
 */
export function watchRefusal(socket: WebSocketLike, onRefusal: (refusal: Refusal) => void): void {
  const on = (socket as { on?: unknown }).on;
  if (typeof on !== 'function') return;
  on.call(socket, 'unexpected-response', (_request: unknown, response: ResponseLike) => {
    const decoder = new TextDecoder();
    let body = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      onRefusal({ status: response.statusCode ?? 0, body: body + decoder.decode() });
      socket.close();
    };
    response.on('data', (chunk) => {
      if (body.length < MAX_BODY_CHARS) body += decoder.decode(chunk, { stream: true });
    });
    response.on('end', finish);
    response.on('close', finish);
    response.on('error', finish);
  });
}

/** The error a refusal stands for: the server's IvhError when the body is an error envelope. */
export function refusalError(refusal: Refusal): IvhError | TransportError {
  let json: unknown;
  try {
    json = JSON.parse(refusal.body);
  } catch {
    json = undefined;
  }
  const envelope = responseEnvelopeSchema.safeParse(json);
  if (envelope.success && envelope.data.Header.Code !== 0) {
    const { Code, Message, RequestID } = envelope.data.Header;
    return IvhError.fromWire(Code, Message, RequestID || undefined);
  }
  return new TransportError(
    `command channel upgrade refused: HTTP ${refusal.status}`,
    refusal.status,
    refusal.body,
  );
}
