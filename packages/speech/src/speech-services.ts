import type { AudioInput, SpeechServices, TtsProvider, VoiceSettings } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { applyGain, decodeBase64Pcm16 } from './audio/pcm.js';
import { Resampler } from './audio/resample.js';
import { AudioVisemeEstimator } from './lipsync/audio-estimator.js';
import { renderSpeech } from './render/render-speech.js';
import { SegmentAssembler } from './render/segment-assembler.js';
import { parseSpeechInput } from './ssml/parse-ssml.js';
import { SentenceSplitter } from './text/sentence-splitter.js';

/** SEND_AUDIO is s16le mono at 16 kHz (spec §4.4). */
export const UPLINK_SAMPLE_RATE = 16_000;

/**
 * The speech layer as the drive scheduler sees it: SSML/text through the chosen TTS engine, stream sentence
 * splitting, and uplink audio lip-synced by the audio estimator (no transcript, any language).
 */
export function createSpeechServices(tts: TtsProvider): SpeechServices {
  const estimator = new AudioVisemeEstimator();
  return {
    render(text: string, voice: VoiceSettings, signal: AbortSignal) {
      // Parsed now, so malformed SSML is reported before anything is queued to play.
      const plan = parseSpeechInput(text);
      return renderSpeech(plan, { tts, ...voice, estimator, signal });
    },
    createSplitter: () => new SentenceSplitter(),
    createAudioInput: (volume: number) => uplinkAudioInput(estimator, volume),
    decodeAudio: decodeBase64Pcm16,
  };
}

function uplinkAudioInput(estimator: AudioVisemeEstimator, volume: number): AudioInput {
  const resampler = new Resampler(UPLINK_SAMPLE_RATE, SESSION_SAMPLE_RATE);
  const assembler = new SegmentAssembler(estimator);
  return {
    push: (pcm16k) => assembler.segment(applyGain(resampler.push(pcm16k), volume)),
    end: () => assembler.finish(),
  };
}
