import type { AvatarFrame, AvatarManifest, AvatarRenderer } from '@dhuman/avatar';
import type { Language } from '../transport.js';
import type { DriverSpeechParam } from './driver-frames.js';

export interface AvatarPlayerOptions {
  /** http(s) origin of dhuman (a path prefix is kept); the socket's ws(s) URL is derived from it. */
  baseUrl: string;
  /** Sign every URL in the browser (WebCrypto). Use a short-lived token, e.g. from `POST /dhuman/dev/token`. */
  appkey: string;
  accesstoken: string;
  /** The `VirtualmanProjectId` every utterance names. */
  projectId: string;
  /** The avatar to draw; fetched with `GET /dhuman/projects/<projectId>` when not given. */
  avatar?: AvatarManifest | undefined;
  /** The signed `Language` parameter of the socket URL; default `zh-CN`, as the vendor SDK sends. */
  language?: Language | undefined;
  /** Receives the words as `<span>`s; the one being spoken has class `current`. */
  subtitles?: HTMLElement | undefined;
  /** Else the player makes one (and closes it on `close()`). */
  audioContext?: AudioContext | undefined;
  /** Audio queued ahead of the playhead before playback starts; default 80 ms. */
  jitterMs?: number | undefined;
}

export interface SpeakOptions {
  /** The text is SSML (sent as given, not wrapped in `<speak>`); else markdown. */
  ssml?: boolean;
  /** Default: a fresh 32-hex id. */
  reqId?: string;
  speechParam?: DriverSpeechParam;
}

export interface StreamOptions {
  /** The stream's id (any string the server accepts); default a fresh 32-hex id. */
  reqId?: string;
  speechParam?: DriverSpeechParam;
}

export type UtteranceEnd = 'ended' | 'interrupted';

/** One thing said: a `speak` text or a whole `stream`. */
export interface Utterance {
  readonly reqId: string;
  /**
   * Ms from sending to the first audible sample. Rejects when no sound ever comes (interrupted first, an error,
   * or no audio); the player marks it handled, so an ignored rejection is not reported as unhandled.
   */
  readonly firstSound: Promise<number>;
  /** 'ended' after the last sample was heard (also after an error), 'interrupted' after `interrupt()`/`close()`. */
  readonly done: Promise<UtteranceEnd>;
}

/** A STREAM_TEXT utterance fed piece by piece (e.g. LLM tokens); the server speaks whole sentences. */
export interface TextStream {
  /** Sends a fragment; ignored after the utterance was interrupted. */
  push(fragment: string): void;
  /** No more fragments: the rest is spoken. */
  end(): void;
  readonly utterance: Utterance;
}

export type PlayerEvent =
  | { type: 'sent'; reqId: string; text: string }
  /** The first SPEECH frame arrived; ms since sent. */
  | { type: 'first-frame'; reqId: string; ms: number }
  /** The first sample is audible; ms since sent. */
  | { type: 'speaking'; reqId: string; ms: number }
  | { type: 'word'; reqId: string; index: number; text: string }
  | { type: 'ended' | 'interrupted'; reqId: string }
  /** `reqId` is '' for an error of the socket as a whole. */
  | { type: 'error'; reqId: string; code: number; message: string };

export type PlayerListener = (event: PlayerEvent) => void;

export interface AvatarPlayer {
  speak(text: string, options?: SpeakOptions): Utterance;
  stream(options?: StreamOptions): TextStream;
  /** Stops audio and mouth together now (both rest on the next frame), and tells the server to stop. */
  interrupt(): void;
  /** Everything the player outputs passes through it. */
  readonly analyser: AnalyserNode;
  readonly audioContext: AudioContext;
  /** The renderer drawing the canvas (e.g. for `mouthBox`). */
  readonly renderer: AvatarRenderer;
  /** The frame drawn last: its weights (null at rest) and idle time. */
  readonly frame: AvatarFrame;
  /** Audio chunks that arrived after their slot (each one delays playback by a jitter buffer). */
  readonly underruns: number;
  /** Adds a listener for every event; returns the function that removes it. */
  on(listener: PlayerListener): () => void;
  /** Closes the socket, stops drawing and sound; utterances in progress end 'interrupted'. Idempotent. */
  close(): void;
}
