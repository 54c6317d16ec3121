/** The command channel part of the SDK: one module for `index.ts` to re-export. */
export { CommandChannel, openCommandChannel } from './command-channel.js';
export { CommandChannelClosedError } from './errors.js';
export type { ChannelEndKind } from './errors.js';
export type { BackoffOptions } from './backoff.js';
export type { CommandName } from './frames.js';
export { CHUNK_SAMPLES as AUDIO_CHUNK_SAMPLES } from './pcm.js';
export type {
  ChannelCloseInfo,
  ChannelState,
  CommandChannelEvents,
  CommandChannelOptions,
  SayOptions,
  SendAudioOptions,
  StreamTextOptions,
} from './types.js';
export type { DoneStatus, SayResult } from './waiters.js';
export type { WebSocketConstructor, WebSocketLike } from './web-socket.js';
