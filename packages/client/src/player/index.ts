/**
 * The dhuman avatar player for web pages: draws an avatar on a canvas and makes it speak through the
 * client-render channel (`driverengine`), sound and mouth on one clock. Exported by `@dhuman/client`, and bundled
 * alone as `/dhuman/sdk/dhuman-player.js` (global `DhumanPlayer`) and `/dhuman/sdk/dhuman-player.mjs`.
 */
export { attachAvatarPlayer } from './attach.js';
export type { DriverSpeechParam, WordTiming } from './driver-frames.js';
export type {
  AvatarPlayer,
  AvatarPlayerOptions,
  PlayerEvent,
  PlayerListener,
  SpeakOptions,
  StreamOptions,
  TextStream,
  Utterance,
  UtteranceEnd,
} from './types.js';
