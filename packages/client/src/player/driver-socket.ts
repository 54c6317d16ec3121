import { ERRORS } from '@dhuman/protocol';
import {
  OPEN,
  resolveWebSocket,
  type CloseEventLike,
  type MessageEventLike,
  type WebSocketConstructor,
  type WebSocketLike,
} from '../channel/web-socket.js';
import { parseDownstream, type SpeechChunk, type UpstreamFrame } from './driver-frames.js';

/** Where the frames of one ReqId go. */
export interface DriverRoute {
  speech(chunk: SpeechChunk): void;
  error(code: number, message: string): void;
}

export interface DriverSocketOptions {
  /** A freshly signed socket URL; called for every connection, so a reconnect never reuses a stale timestamp. */
  signedUrl: () => Promise<string>;
  WebSocket?: WebSocketConstructor | undefined;
  /** An error no route claims (no ReqId, or a ReqId already finished), e.g. "too frequent" for the socket. */
  strayError?: (reqId: string, code: number, message: string) => void;
  connectTimeoutMs?: number;
}

/** Frames waiting for the socket to open; a page that queues more than this has lost its connection anyway. */
const MAX_QUEUED_FRAMES = 256;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const dropped = ERRORS.CONNECTION_DROPPED.code;

/**
 * The `driverengine` socket as the vendor SDK uses it (spec §9.4): opened lazily by the first frame sent, no
 * heartbeats, kept open. Downstream frames go to the route of their ReqId; frames of other ReqIds are dropped.
 * When the socket closes the server stops rendering everything on it, so every open route gets an error and is
 * removed; the next frame sent opens a new socket on a newly signed URL.
 */
export class DriverSocket {
  readonly #options: DriverSocketOptions;
  readonly #WebSocket: WebSocketConstructor;
  readonly #routes = new Map<string, DriverRoute>();
  readonly #queue: Array<{ reqId: string; text: string }> = [];
  #socket: WebSocketLike | undefined;
  #connecting = false;
  #closed = false;

  constructor(options: DriverSocketOptions) {
    this.#options = options;
    this.#WebSocket = resolveWebSocket(options.WebSocket);
  }

  /** Sends the frames of `reqId` to `route` until the returned function is called. */
  route(reqId: string, route: DriverRoute): () => void {
    this.#routes.set(reqId, route);
    return () => {
      if (this.#routes.get(reqId) === route) this.#routes.delete(reqId);
    };
  }

  /** Sends a frame now, or once the socket is open (opening it if needed). */
  send(reqId: string, frame: UpstreamFrame): void {
    if (this.#closed) throw new Error('the player is closed');
    const text = JSON.stringify(frame);
    const socket = this.#socket;
    if (socket && socket.readyState === OPEN) {
      socket.send(text);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED_FRAMES) {
      this.#routes.get(reqId)?.error(dropped, `more than ${MAX_QUEUED_FRAMES} frames wait for the socket`);
      return;
    }
    this.#queue.push({ reqId, text });
    if (!socket && !this.#connecting) void this.#connect();
  }

  /** Closes the socket for good; routes are dropped without errors (the owner ends its utterances itself). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#routes.clear();
    this.#queue.length = 0;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      detach(socket);
      socket.close(1000, 'player closed');
    }
  }

  async #connect(): Promise<void> {
    this.#connecting = true;
    let url: string;
    try {
      url = await this.#options.signedUrl();
    } catch (error) {
      this.#connecting = false;
      this.#lost(`signing the socket URL failed: ${String(error)}`);
      return;
    }
    this.#connecting = false;
    if (this.#closed) return;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(url);
    } catch (error) {
      this.#lost(`opening the socket failed: ${String(error)}`);
      return;
    }
    this.#socket = socket;
    let opened = false;
    const timer = setTimeout(() => {
      if (opened || this.#socket !== socket) return;
      detach(socket);
      socket.close();
      this.#socket = undefined;
      this.#lost('the socket did not open in time');
    }, this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    socket.onopen = () => {
      opened = true;
      clearTimeout(timer);
      for (const { text } of this.#queue.splice(0)) socket.send(text);
    };
    socket.onmessage = (event: MessageEventLike) => {
      if (typeof event.data === 'string') this.#receive(event.data);
    };
    socket.onerror = () => {
      // A close event follows; it carries the code.
    };
    socket.onclose = (event: CloseEventLike) => {
      clearTimeout(timer);
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      const how = opened ? 'closed' : 'could not be opened';
      this.#lost(
        `the driverengine socket ${how} (code ${event.code}${event.reason ? `, ${event.reason}` : ''})`,
      );
    };
  }

  #receive(text: string): void {
    const frame = parseDownstream(text);
    if (frame.kind === 'ignore') return;
    const route = this.#routes.get(frame.reqId);
    if (frame.kind === 'speech') {
      route?.speech(frame.speech);
      return;
    }
    if (route) route.error(frame.code, frame.message);
    else this.#options.strayError?.(frame.reqId, frame.code, frame.message);
  }

  /** Every open route failed with the socket: their rendering stopped on the server. */
  #lost(message: string): void {
    this.#queue.length = 0;
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    for (const route of routes) route.error(dropped, message);
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
}
