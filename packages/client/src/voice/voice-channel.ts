import { IvhError } from '@dhuman/protocol';
import type { DhumanClient } from '../client.js';
import { TransportError } from '../errors.js';
import { TypedEmitter } from '../channel/emitter.js';
import { frameError, parseEventFrame } from '../channel/frames.js';
import { refusalError, watchRefusal, type Refusal } from '../channel/refusal.js';
import {
  OPEN,
  resolveWebSocket,
  type CloseEventLike,
  type ErrorEventLike,
  type MessageEventLike,
  type WebSocketLike,
} from '../channel/web-socket.js';
import { int16ToLeBytes } from './pcm16.js';
import {
  VOICE_CLOSE,
  type VoiceChannelEvents,
  type VoiceChannelOptions,
  type VoiceChannelState,
  type VoiceChannelStats,
} from './types.js';

/** The largest binary frame the server takes (contract: 2 to 16000 bytes). */
export const MAX_FRAME_BYTES = 16_000;
const MAX_FRAME_SAMPLES = MAX_FRAME_BYTES / 2;

const DEFAULTS = Object.freeze({
  maxQueuedBytes: 64_000,
  maxBufferedBytes: 32_000,
  connectTimeoutMs: 10_000,
});

/** The path of a session's voice channel. */
export function voiceChannelPath(sessionId: string): string {
  return `/dhuman/ws/sessions/${encodeURIComponent(sessionId)}/voice`;
}

/**
 * The client signs dhuman's own paths as http(s) URLs (only `/v2/ws/…` get a ws scheme); the WebSocket wants
 * ws(s). Browsers since 2023 would take either, the `ws` package and older browsers only ws(s).
 */
function webSocketUrl(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

/** The parts of a browser or `ws` socket the voice channel uses beyond the command channel's. */
interface BinarySocket extends WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new TypeError(`${name} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

function errorOf(event: ErrorEventLike | undefined): Error | undefined {
  if (event?.error instanceof Error) return event.error;
  if (typeof event?.message === 'string' && event.message) return new Error(event.message);
  return undefined;
}

/** What a refused upgrade stands for, named after this channel when the body is not dhuman's envelope. */
function voiceRefusalError(refusal: Refusal): Error {
  const error = refusalError(refusal);
  if (error instanceof IvhError) return error;
  return new TransportError(
    `voice channel upgrade refused: HTTP ${refusal.status}`,
    refusal.status,
    refusal.body,
  );
}

/**
 * A session's voice channel (a dhuman extension beside the IVH protocol): the visitor's microphone goes up as
 * binary frames of 16 kHz mono s16le PCM, and the session's voice events come down, voice activity (Type 12),
 * transcripts (Type 11) and errors (Type 9); the question a final transcript becomes is answered on the
 * command channel as usual. Live audio has no use late, so unlike the command channel this one does not
 * reconnect: after `closed`, open a new one.
 */
export class VoiceChannel extends TypedEmitter<VoiceChannelEvents> {
  readonly sessionId: string;
  readonly #client: Pick<DhumanClient, 'signedUrl'>;
  readonly #options: Required<Omit<VoiceChannelOptions, 'webSocket'>>;
  readonly #WebSocket: NonNullable<VoiceChannelOptions['webSocket']>;
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #sentBytes = 0;
  #droppedBytes = 0;
  #state: VoiceChannelState = 'connecting';
  #socket: BinarySocket | undefined;
  #closedEmitted = false;

  constructor(client: Pick<DhumanClient, 'signedUrl'>, sessionId: string, options: VoiceChannelOptions = {}) {
    super();
    if (!sessionId) throw new TypeError('sessionId is required');
    this.sessionId = sessionId;
    this.#client = client;
    this.#WebSocket = resolveWebSocket(options.webSocket);
    this.#options = {
      maxQueuedBytes: wholeNumber('maxQueuedBytes', options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes, 0),
      maxBufferedBytes: wholeNumber(
        'maxBufferedBytes',
        options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
        0,
      ),
      connectTimeoutMs: wholeNumber(
        'connectTimeoutMs',
        options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        0,
      ),
    };
    // Connecting starts after the caller had the chance to add listeners: signing the URL is asynchronous.
    void this.#connect();
  }

  get state(): VoiceChannelState {
    return this.#state;
  }

  get stats(): VoiceChannelStats {
    return { sentBytes: this.#sentBytes, droppedBytes: this.#droppedBytes, queuedBytes: this.#queuedBytes };
  }

  /**
   * Sends 16 kHz mono PCM as it is recorded, in frames of at most 16000 bytes. Returns false when any of it was
   * dropped: the channel is closed, the queue overflowed while connecting (the oldest audio goes), or the
   * socket has too much unsent already. Never throws for that: a microphone may deliver one more chunk after
   * the channel closed.
   */
  send(pcm: Int16Array): boolean {
    let accepted = true;
    for (let at = 0; at < pcm.length; at += MAX_FRAME_SAMPLES) {
      const frame = int16ToLeBytes(pcm.subarray(at, at + MAX_FRAME_SAMPLES));
      if (!this.#sendFrame(frame)) accepted = false;
    }
    return accepted;
  }

  /** Closes the channel; the server sees the end of the audio. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#dropQueue();
    const socket = this.#socket;
    if (!socket) {
      this.#emitClosed(1000, 'closed by the client');
      return;
    }
    // A socket still connecting may only be closed without a code in browsers.
    if (socket.readyState === OPEN) socket.close(1000, 'closed by the client');
    else socket.close();
  }

  #sendFrame(frame: Uint8Array): boolean {
    if (this.#state === 'closed') {
      this.#droppedBytes += frame.length;
      return false;
    }
    const socket = this.#socket;
    if (this.#state === 'open' && socket) {
      if (socket.bufferedAmount > this.#options.maxBufferedBytes) {
        this.#droppedBytes += frame.length;
        return false;
      }
      socket.send(frame);
      this.#sentBytes += frame.length;
      return true;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    let dropped = false;
    while (this.#queuedBytes > this.#options.maxQueuedBytes) {
      const oldest = this.#queue.shift();
      if (!oldest) break;
      this.#queuedBytes -= oldest.length;
      this.#droppedBytes += oldest.length;
      dropped = true;
    }
    return !dropped;
  }

  #dropQueue(): void {
    this.#droppedBytes += this.#queuedBytes;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }

  #emitClosed(code: number, reason: string): void {
    if (this.#closedEmitted) return;
    this.#closedEmitted = true;
    this.emit('closed', code, reason);
  }

  async #connect(): Promise<void> {
    let socket: BinarySocket;
    try {
      // Signed per connection: the timestamp must be within 5 minutes of the server's clock (spec §1.2).
      const url = await this.#client.signedUrl(voiceChannelPath(this.sessionId), {});
      if (this.#state === 'closed') return;
      // Both the browser's and the `ws` socket are BinarySockets; the option is typed as the command channel's
      // so that one class serves both channels.
      socket = new this.#WebSocket(webSocketUrl(url)) as BinarySocket;
    } catch (error) {
      if (this.#state === 'closed') return;
      this.emit('error', error instanceof Error ? error : new Error(String(error)), undefined);
      this.#state = 'closed';
      this.#dropQueue();
      this.#emitClosed(1006, 'could not connect');
      return;
    }
    this.#attach(socket);
  }

  #attach(socket: BinarySocket): void {
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    let opened = false;
    let failure: Error | undefined;
    let refusal: Refusal | undefined;
    watchRefusal(socket, (r) => (refusal = r));
    const timeoutMs = this.#options.connectTimeoutMs;
    const connectTimer =
      timeoutMs > 0
        ? setTimeout(() => {
            failure = new TransportError(`voice channel: not open after ${timeoutMs} ms`, 0);
            socket.close();
          }, timeoutMs)
        : undefined;

    socket.onopen = () => {
      clearTimeout(connectTimer);
      opened = true;
      if (this.#state === 'closed') return;
      this.#state = 'open';
      // Queued audio goes first, in order, before anything a listener of 'open' sends.
      for (const frame of this.#queue.splice(0)) {
        socket.send(frame);
        this.#sentBytes += frame.length;
      }
      this.#queuedBytes = 0;
      this.emit('open');
    };
    socket.onmessage = (event: MessageEventLike) => {
      // The server sends JSON text frames only; anything else carries nothing this channel knows.
      if (typeof event.data === 'string' && this.#state !== 'closed') this.#onFrame(event.data);
    };
    socket.onerror = (event: ErrorEventLike) => {
      failure ??= errorOf(event) ?? new TransportError('voice channel: connection failed', 0);
    };
    socket.onclose = (event: CloseEventLike) => {
      clearTimeout(connectTimer);
      const wasClosing = this.#state === 'closed';
      this.#state = 'closed';
      this.#dropQueue();
      if (!wasClosing) {
        const error =
          refusal !== undefined
            ? voiceRefusalError(refusal)
            : (failure ?? (opened ? undefined : new TransportError('voice channel: connection failed', 0)));
        if (error) this.emit('error', error, undefined);
      }
      this.#emitClosed(event.code, event.reason);
    };
  }

  #onFrame(text: string): void {
    const frame = parseEventFrame(text);
    if (!frame) {
      this.emit(
        'error',
        new TransportError('voice channel: a frame is not an IVH event envelope', 0, text),
        undefined,
      );
      return;
    }
    this.emit('event', frame.payload);
    const error = frameError(frame);
    if (error) this.emit('error', error, frame.payload.ReqId);
  }
}

/**
 * Opens the voice channel of a started session, owned by the same appkey. The returned channel is
 * connecting; audio sent before it opens is queued (bounded).
 */
export function openVoiceChannel(
  client: Pick<DhumanClient, 'signedUrl'>,
  sessionId: string,
  options?: VoiceChannelOptions,
): VoiceChannel {
  return new VoiceChannel(client, sessionId, options);
}

/** A sentence for a close code of the voice channel, for a status line. */
export function describeVoiceClose(code: number, reason: string): string {
  switch (code) {
    case 1000:
      return 'closed';
    case VOICE_CLOSE.SESSION_ENDED:
      return 'the session ended';
    case VOICE_CLOSE.REPLACED:
      return 'another voice channel of this session took over';
    case VOICE_CLOSE.RECOGNITION_FAILED:
      return 'speech recognition failed';
    case VOICE_CLOSE.TEXT_FRAME:
      return 'the server refused a text frame (it takes binary PCM only)';
    case VOICE_CLOSE.TOO_BIG:
      return 'the server refused a frame over 16000 bytes';
    case VOICE_CLOSE.TOO_SLOW:
      return 'the events were read too slowly';
    default:
      return reason ? `closed (${code}: ${reason})` : `the connection was lost (${code})`;
  }
}
