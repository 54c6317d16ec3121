import type { DriveEventPayload } from '@dhuman/protocol';
import type { BackoffOptions } from './backoff.js';
import type { WebSocketConstructor } from './web-socket.js';

export interface CommandChannelOptions {
  /**
   * The WebSocket class, default `globalThis.WebSocket`. Node 20 has no global one: pass the `ws` package's
   * (`import WebSocket from 'ws'`), which also lets the channel read why an upgrade was refused.
   */
  webSocket?: WebSocketConstructor;
  /** Period of the automatic SEND_HEARTBEAT while connected, default 30000 ms; 0 disables it. */
  heartbeatMs?: number;
  /** Reconnect delays, default 250 ms doubling to 10 s, each with jitter. */
  backoff?: BackoffOptions;
  /** Frames kept while disconnected, default 256; `send` throws when they are full. */
  maxQueuedFrames?: number;
  /** An attempt that is not open after this long is abandoned and retried, default 10000 ms; 0 waits forever. */
  connectTimeoutMs?: number;
  /**
   * The last EventSeq already handled, e.g. saved before a page reload: the first connection then asks for
   * everything after it. Without it, the server sends the speak status of its last few drives.
   */
  resumeFrom?: number;
}

/** One socket closed. */
export interface ChannelCloseInfo {
  /** The WebSocket close code: 4000 session ended, 4001 replaced, 4002 idle, 4003 too slow, 1006 no close frame. */
  code: number;
  reason: string;
  willReconnect: boolean;
  /** With `willReconnect`: how long until the next attempt. */
  delayMs?: number;
}

/** Listener arguments of each channel event. */
export type CommandChannelEvents = {
  /** Every downstream event, once each, in EventSeq order. */
  event: [event: DriveEventPayload];
  /** Speak-status events (Type 3), also delivered as `event`. */
  status: [event: DriveEventPayload];
  /**
   * A failure: an error event for a drive (`reqId` is its ReqId, '' when the server could not attribute it),
   * or a connection-level one (`reqId` undefined) such as a refused upgrade or an unreadable frame.
   */
  error: [error: Error, reqId: string | undefined];
  /** A socket opened; queued commands have just been sent. */
  open: [];
  /** A socket closed (also one that never opened); see `willReconnect`. */
  close: [info: ChannelCloseInfo];
  /** The session ended; the channel has stopped for good. */
  ended: [reason: string];
  /** Another connection took the session over; the channel has stopped for good. */
  replaced: [reason: string];
};

export interface SayOptions {
  /** Sent as `Interrupt`: cut whatever the avatar is saying. */
  interrupt?: boolean;
  /** Stops waiting (the promise rejects with the signal's reason); send `stop()` to silence the avatar too. */
  signal?: AbortSignal;
  /** The ReqId to use, default a fresh one. */
  reqId?: string;
  /** More `Data` fields, e.g. `{ChatCommand: 'NotUseChat'}` (spec §4.4). */
  data?: Readonly<Record<string, unknown>>;
}

export interface StreamTextOptions {
  /** Sentence mode (`IsSentence`): each fragment is a complete sentence the server does not re-segment. */
  sentence?: boolean;
  /** Stops sending and waiting; fragments already sent are interrupted on the wire. */
  signal?: AbortSignal;
  /** The stream's ReqId, default a fresh one; pass your own to call `interruptStream` while it runs. */
  reqId?: string;
}

export interface SendAudioOptions {
  /** The source is live (a microphone): pace at 160 ms per chunk instead of 120 ms. */
  realtime?: boolean;
  /** Stops sending and waiting; the utterance is still ended on the wire with the final packet. */
  signal?: AbortSignal;
  /** The utterance's ReqId, default a fresh one. */
  reqId?: string;
}

export type ChannelState = 'connecting' | 'open' | 'waiting' | 'closed';
