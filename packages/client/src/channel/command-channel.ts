import { DRIVE_PATHS, ERRORS, EVENT_TYPE, IvhError } from '@dhuman/protocol';
import type { DhumanClient } from '../client.js';
import { TransportError } from '../errors.js';
import { newReqId } from '../req-id.js';
import { Backoff } from './backoff.js';
import * as drives from './drives.js';
import { TypedEmitter } from './emitter.js';
import { CommandChannelClosedError, type ChannelEndKind } from './errors.js';
import { commandFrame, frameError, parseEventFrame, type CommandName } from './frames.js';
import { refusalError, watchRefusal, type Refusal } from './refusal.js';
import type {
  ChannelState,
  CommandChannelEvents,
  CommandChannelOptions,
  SayOptions,
  SendAudioOptions,
  StreamTextOptions,
} from './types.js';
import { Waiters, type SayResult } from './waiters.js';
import {
  OPEN,
  resolveWebSocket,
  type CloseEventLike,
  type ErrorEventLike,
  type MessageEventLike,
  type WebSocketConstructor,
  type WebSocketLike,
} from './web-socket.js';

/** Close codes of dhuman's command channel that end it for good. */
const CLOSE_SESSION_ENDED = 4000;
const CLOSE_REPLACED = 4001;
/** Refusals that mean the session is gone, so retrying cannot help. */
const SESSION_GONE = new Set<number>([ERRORS.SESSION_CLOSED.code, ERRORS.SESSION_NOT_FOUND.code]);

const DEFAULTS = Object.freeze({ heartbeatMs: 30_000, maxQueuedFrames: 256, connectTimeoutMs: 10_000 });

type Timer = ReturnType<typeof setTimeout>;

function nonNegative(name: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value)))
    throw new TypeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

function errorOf(event: ErrorEventLike | undefined): Error | undefined {
  if (event?.error instanceof Error) return event.error;
  if (typeof event?.message === 'string' && event.message) return new Error(event.message);
  return undefined;
}

/**
 * The command channel of one session (spec §4.3): a WebSocket that carries drive commands up and events down,
 * kept open across drops. Every attempt signs its URL afresh; after the first open, each reconnect asks for
 * `resumefrom=<last EventSeq seen>`, so dhuman replays exactly what was missed, and events at or below that
 * EventSeq are dropped should one arrive twice. Reconnects back off with jitter (spec §9.3 shows why: clients
 * that retry at once flood a server that refuses them). It stops for good on `close()`, on close code 4000
 * (session ended), 4001 (another connection took over) and on a refusal saying the session is gone.
 */
export class CommandChannel extends TypedEmitter<CommandChannelEvents> {
  readonly sessionId: string;
  readonly #client: Pick<DhumanClient, 'signedUrl'>;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: Backoff;
  readonly #heartbeatMs: number;
  readonly #maxQueuedFrames: number;
  readonly #connectTimeoutMs: number;
  readonly #queue: string[] = [];
  readonly #drive: drives.DriveContext;
  #state: ChannelState = 'connecting';
  #socket: WebSocketLike | undefined;
  #lastEventSeq: number;
  #resume: boolean;
  #retryTimer: Timer | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** Why the channel stopped for good; what every later command throws. */
  #closedError: CommandChannelClosedError | undefined;

  constructor(
    client: Pick<DhumanClient, 'signedUrl'>,
    sessionId: string,
    options: CommandChannelOptions = {},
  ) {
    super();
    if (!sessionId) throw new TypeError('sessionId is required');
    this.sessionId = sessionId;
    this.#client = client;
    this.#WebSocket = resolveWebSocket(options.webSocket);
    this.#backoff = new Backoff(options.backoff);
    this.#heartbeatMs = nonNegative('heartbeatMs', options.heartbeatMs ?? DEFAULTS.heartbeatMs);
    this.#connectTimeoutMs = nonNegative(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    );
    const maxQueued = options.maxQueuedFrames ?? DEFAULTS.maxQueuedFrames;
    if (!(Number.isInteger(maxQueued) && maxQueued >= 1)) {
      throw new TypeError(`maxQueuedFrames must be a whole number >= 1, got ${maxQueued}`);
    }
    this.#maxQueuedFrames = maxQueued;
    const resumeFrom = options.resumeFrom;
    if (resumeFrom !== undefined && !(Number.isInteger(resumeFrom) && resumeFrom >= 0)) {
      throw new TypeError(`resumeFrom must be a whole number >= 0, got ${resumeFrom}`);
    }
    this.#lastEventSeq = resumeFrom ?? 0;
    this.#resume = resumeFrom !== undefined;
    this.#drive = {
      send: (command, data, reqId) => this.send(command, data, reqId),
      waiters: new Waiters(),
      streams: new Map(),
    };
    // Connecting starts after the caller had the chance to add listeners: signing the URL is asynchronous.
    void this.#connect();
  }

  get state(): ChannelState {
    return this.#state;
  }

  /** The highest EventSeq delivered so far (0 before any); worth saving to pass as `resumeFrom` later. */
  get lastEventSeq(): number {
    return this.#lastEventSeq;
  }

  /** Commands waiting for the socket to open. */
  get queuedFrames(): number {
    return this.#queue.length;
  }

  /**
   * Sends one command (`{Header: {}, Payload: {ReqId, SessionId, Command, Data}}`) and returns its ReqId. While
   * disconnected the frame is queued and sent on the next open; throws when the queue is full or the channel
   * has stopped for good.
   */
  send(command: CommandName, data: Readonly<Record<string, unknown>>, reqId: string = newReqId()): string {
    if (this.#closedError) throw this.#closedError;
    const frame = commandFrame(this.sessionId, command, data, reqId);
    if (this.#socket?.readyState === OPEN) {
      this.#socket.send(frame);
    } else if (this.#queue.length >= this.#maxQueuedFrames) {
      throw new RangeError(
        `command queue is full (${this.#maxQueuedFrames} frames) while the channel is disconnected`,
      );
    } else {
      this.#queue.push(frame);
    }
    return reqId;
  }

  /** SEND_HEARTBEAT `{Text: "PING"}`; also sent every `heartbeatMs` while connected. */
  heartbeat(): string {
    return this.send('SEND_HEARTBEAT', { Text: 'PING' });
  }

  /** Speaks `text` (SEND_TEXT) and resolves on its TextOver; rejects with IvhError if the drive fails. */
  say(text: string, options?: SayOptions): Promise<SayResult> {
    return drives.say(this.#drive, text, options);
  }

  /** Silences the avatar: SEND_TEXT with `Interrupt: true`, a new ReqId and no `Text`. Returns that ReqId. */
  stop(): string {
    return drives.stop(this.#drive);
  }

  /** Speaks text as it is produced (SEND_STREAMTEXT, e.g. LLM output) and resolves on TextOver. */
  streamText(
    fragments: AsyncIterable<string> | Iterable<string>,
    options?: StreamTextOptions,
  ): Promise<SayResult> {
    return drives.streamText(this.#drive, fragments, options);
  }

  /** Interrupts a stream: `{Text: "", Seq: lastSeq+1, IsFinal: true, Interrupt: true}` on its ReqId. */
  interruptStream(reqId: string, lastSeq?: number): void {
    drives.interruptStream(this.#drive, reqId, lastSeq);
  }

  /** Speaks 16 kHz mono PCM (SEND_AUDIO, DriverType 3 sessions only) and resolves on AudioOver. */
  sendAudio(pcm: Int16Array | AsyncIterable<Int16Array>, options?: SendAudioOptions): Promise<SayResult> {
    return drives.sendAudio(this.#drive, pcm, options);
  }

  /** Closes the channel for good; pending drives reject with CommandChannelClosedError. Idempotent. */
  close(): void {
    this.#stop('closed', 'closed by the client');
  }

  /** Stops for good: no more reconnects, queued frames dropped, pending drives rejected. */
  #stop(kind: ChannelEndKind, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closedError = new CommandChannelClosedError(kind, reason);
    clearTimeout(this.#retryTimer);
    this.#stopHeartbeat();
    this.#queue.length = 0;
    this.#drive.waiters.failAll(this.#closedError);
    const socket = this.#socket;
    if (!socket) return;
    // A socket still connecting may only be closed without a code in browsers.
    if (socket.readyState === OPEN) socket.close(1000, reason);
    else socket.close();
  }

  async #connect(): Promise<void> {
    this.#state = 'connecting';
    let socket: WebSocketLike;
    try {
      // Signed per attempt: the timestamp must be within 5 minutes of the server's clock (spec §1.2).
      const url = await this.#client.signedUrl(DRIVE_PATHS.commandChannel, {
        requestid: this.sessionId,
        ...(this.#resume && { resumefrom: String(this.#lastEventSeq) }),
      });
      if (this.#isClosed()) return;
      socket = new this.#WebSocket(url);
    } catch (error) {
      if (this.#isClosed()) return;
      this.emit('error', error instanceof Error ? error : new Error(String(error)), undefined);
      this.#retry();
      return;
    }
    this.#attach(socket);
  }

  /** A method rather than a comparison, which TypeScript would keep narrowed across an `await`. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #retry(): number {
    const delayMs = this.#backoff.next();
    this.#state = 'waiting';
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
    return delayMs;
  }

  #attach(socket: WebSocketLike): void {
    this.#socket = socket;
    let openedAt: number | undefined;
    let failure: Error | undefined;
    let refusal: Refusal | undefined;
    watchRefusal(socket, (r) => (refusal = r));
    const connectTimer =
      this.#connectTimeoutMs > 0
        ? setTimeout(() => {
            failure = new TransportError(`command channel: not open after ${this.#connectTimeoutMs} ms`, 0);
            socket.close();
          }, this.#connectTimeoutMs)
        : undefined;

    socket.onopen = () => {
      clearTimeout(connectTimer);
      openedAt = Date.now();
      if (this.#state === 'closed') return;
      this.#state = 'open';
      this.#resume = true;
      // Queued frames go first, in order, before anything a listener of 'open' sends.
      for (const frame of this.#queue.splice(0)) socket.send(frame);
      this.#startHeartbeat(socket);
      this.emit('open');
    };
    socket.onmessage = (event: MessageEventLike) => {
      // dhuman sends text frames only; a binary frame carries nothing this channel knows.
      if (typeof event.data === 'string' && this.#state !== 'closed') this.#onFrame(event.data);
    };
    socket.onerror = (event: ErrorEventLike) => {
      failure ??= errorOf(event) ?? new TransportError('command channel: connection failed', 0);
    };
    socket.onclose = (event: CloseEventLike) => {
      clearTimeout(connectTimer);
      this.#stopHeartbeat();
      if (this.#socket === socket) this.#socket = undefined;
      const { code, reason } = event;
      if (this.#state === 'closed') {
        this.emit('close', { code, reason, willReconnect: false });
        return;
      }
      const error =
        refusal !== undefined
          ? refusalError(refusal)
          : (failure ??
            (openedAt === undefined
              ? new TransportError('command channel: connection failed', 0)
              : undefined));
      if (error) this.emit('error', error, undefined);

      const gone = error instanceof IvhError && SESSION_GONE.has(error.code);
      if (code === CLOSE_SESSION_ENDED || code === CLOSE_REPLACED || gone) {
        const kind = code === CLOSE_REPLACED ? 'replaced' : 'ended';
        const why = gone ? error.message : reason;
        this.#stop(kind, why);
        this.emit('close', { code, reason, willReconnect: false });
        this.emit(kind, why);
        return;
      }
      // A connection that stayed up at least as long as the longest wait was healthy: start over from the
      // shortest delay. One that dropped sooner keeps growing the delay, so a server that accepts and then
      // drops at once is not hammered.
      if (openedAt !== undefined && Date.now() - openedAt >= this.#backoff.maxMs) this.#backoff.reset();
      const delayMs = this.#retry();
      this.emit('close', { code, reason, willReconnect: true, delayMs });
    };
  }

  #onFrame(text: string): void {
    const frame = parseEventFrame(text);
    if (!frame) {
      this.emit(
        'error',
        new TransportError('command channel: a frame is not an IVH event envelope', 0, text),
        undefined,
      );
      return;
    }
    const { payload } = frame;
    if (typeof payload.EventSeq === 'number') {
      // Guards the seam of a resumed connection: an event already delivered is never delivered again.
      if (payload.EventSeq <= this.#lastEventSeq) return;
      this.#lastEventSeq = payload.EventSeq;
    }
    const error = frameError(frame);
    this.emit('event', payload);
    if (payload.Type === EVENT_TYPE.SPEAK_STATUS) this.emit('status', payload);
    if (error) this.emit('error', error, payload.ReqId);
    this.#drive.waiters.deliver(payload, error);
  }

  #startHeartbeat(socket: WebSocketLike): void {
    if (this.#heartbeatMs === 0) return;
    this.#heartbeatTimer = setInterval(() => {
      if (socket.readyState === OPEN)
        socket.send(commandFrame(this.sessionId, 'SEND_HEARTBEAT', { Text: 'PING' }, newReqId()));
    }, this.#heartbeatMs);
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }
}

/**
 * Opens the command channel of a started session and keeps it open until `close()` or the session ends.
 * The returned channel is connecting; commands sent before it opens are queued.
 */
export function openCommandChannel(
  client: DhumanClient,
  sessionId: string,
  options?: CommandChannelOptions,
): CommandChannel {
  return new CommandChannel(client, sessionId, options);
}
