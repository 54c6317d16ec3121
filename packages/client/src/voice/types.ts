import type { DriveEventPayload } from '@dhuman/protocol';
import type { WebSocketConstructor } from '../channel/web-socket.js';

/** Close codes of the voice channel (besides the usual 1000/1006), as the server sends them. */
export const VOICE_CLOSE = Object.freeze({
  /** The session ended. */
  SESSION_ENDED: 4000,
  /** A newer voice channel of the same session took over (one per session). */
  REPLACED: 4001,
  /** Speech recognition failed (a Type 9 event with code -112003 came first). */
  RECOGNITION_FAILED: 1011,
  /** A text frame was sent: the channel takes binary PCM only. */
  TEXT_FRAME: 1003,
  /** A frame was over 16000 bytes. */
  TOO_BIG: 1009,
  /** The client read the downstream events too slowly. */
  TOO_SLOW: 4003,
});

export interface VoiceChannelOptions {
  /**
   * The WebSocket class, default `globalThis.WebSocket`; the same class a command channel takes (Node 20 has no
   * global one: pass the `ws` package's). It must support binary frames, `binaryType` and `bufferedAmount`.
   */
  webSocket?: WebSocketConstructor;
  /**
   * Audio kept while the socket is connecting, default 64000 bytes (2 s): the oldest is dropped beyond it, so a
   * slow connection costs the start of what was said rather than a growing delay.
   */
  maxQueuedBytes?: number;
  /**
   * Once open, audio is dropped instead of sent while the socket's `bufferedAmount` is above this, default
   * 32000 bytes (1 s): a stalled network must not turn a live microphone into an ever later one.
   */
  maxBufferedBytes?: number;
  /** An attempt not open after this long is given up (the channel closes), default 10000 ms; 0 waits forever. */
  connectTimeoutMs?: number;
}

/** Listener arguments of each voice channel event. */
export type VoiceChannelEvents = {
  /** The socket opened; audio queued while connecting has just been sent. */
  open: [];
  /**
   * Every downstream event: Type 12 voice activity, Type 11 transcripts (partial, then final) and Type 9
   * errors, each on the ReqId of the question the utterance becomes.
   */
  event: [event: DriveEventPayload];
  /**
   * A failure: an error event (`reqId` is its ReqId) or a connection-level one (`reqId` undefined) such as a
   * refused upgrade, a connect timeout or an unreadable frame.
   */
  error: [error: Error, reqId: string | undefined];
  /** The channel closed, for good (see VOICE_CLOSE); emitted once. */
  closed: [code: number, reason: string];
};

export type VoiceChannelState = 'connecting' | 'open' | 'closed';

/** What went up and what was dropped, for a status line or a test. */
export interface VoiceChannelStats {
  /** Bytes of PCM handed to the socket. */
  sentBytes: number;
  /** Bytes of PCM dropped: queue full while connecting, or the socket's buffer over `maxBufferedBytes`. */
  droppedBytes: number;
  /** Bytes waiting for the socket to open. */
  queuedBytes: number;
}
