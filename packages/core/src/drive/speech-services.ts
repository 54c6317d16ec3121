import type { SpeechSegment } from '../speech/segment.js';

export interface VoiceSettings {
  voice: string;
  speed: number;
  volume: number;
}

/** Incremental sentence splitting for non-sentence streaming text. */
export interface SentenceSplitter {
  push(fragment: string): string[];
  flush(): string[];
}

/** Turns uplink audio (s16le 16 kHz) into playable segments with lip-sync. */
export interface AudioInput {
  push(pcm16k: Int16Array): SpeechSegment;
  end(): SpeechSegment | undefined;
}

/**
 * What the drive scheduler needs from the speech layer; the speech package provides it. Keeping it an
 * interface keeps core free of engines and lets scheduler tests run on scripted speech.
 */
export interface SpeechServices {
  /**
   * Prepares text or SSML for speaking. Throws an IvhError (100001, with the position) at once for input
   * that cannot be spoken, so the error reaches the client before anything plays; the returned iterable
   * renders lazily.
   */
  render(text: string, voice: VoiceSettings, signal: AbortSignal): AsyncIterable<SpeechSegment>;
  createSplitter(): SentenceSplitter;
  createAudioInput(volume: number): AudioInput;
  /** Decodes SEND_AUDIO's Base64 s16le; throws an Error saying what is wrong. */
  decodeAudio(base64: string): Int16Array;
}
