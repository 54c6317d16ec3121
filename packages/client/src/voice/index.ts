/** The voice conversation part of the SDK (a dhuman extension): one module for `index.ts` to re-export. */
export {
  VoiceChannel,
  openVoiceChannel,
  describeVoiceClose,
  voiceChannelPath,
  MAX_FRAME_BYTES,
} from './voice-channel.js';
export { VOICE_CLOSE } from './types.js';
export type {
  VoiceChannelEvents,
  VoiceChannelOptions,
  VoiceChannelState,
  VoiceChannelStats,
} from './types.js';
export {
  MicrophoneCapture,
  MicrophoneError,
  VOICE_SAMPLE_RATE,
  microphoneConstraints,
  type MicrophoneCaptureOptions,
  type MicrophoneErrorKind,
} from './microphone.js';
export { MICROPHONE_PROCESSOR, MICROPHONE_WORKLET_SOURCE } from './microphone-worklet.js';
export { Resampler, type ResamplerOptions } from './resampler.js';
export { PcmChunker, floatToInt16, int16ToLeBytes, rmsLevel } from './pcm16.js';
