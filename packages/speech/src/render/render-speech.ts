import type { AudioVisemeEstimator, SpeechSegment, TtsProvider, WordTiming } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { Resampler } from '../audio/resample.js';
import { VisemeTrack } from '../lipsync/phoneme-visemes.js';
import type { PlanItem, SpeechPlan } from '../plan.js';
import { sourceOffsetOf } from '../plan.js';
import { pinyinSpeechText, pinyinWords } from './pinyin.js';
import { SegmentAssembler } from './segment-assembler.js';

export interface RenderSpeechOptions {
  tts: TtsProvider;
  voice: string;
  speed: number;
  volume: number;
  /** Lip-sync for engines without phoneme timing; without either, segments carry no visemes. */
  estimator?: AudioVisemeEstimator;
  signal: AbortSignal;
}

/** The voice that reads pinyin; used for `<phoneme alphabet="py">` when the engine has it. */
const PINYIN_VOICE = 'cmn-latn-pinyin';

type SpeakItem = Extract<PlanItem, { kind: 'speak' }>;

/**
 * Turns a speech plan into segments of session-rate audio with visemes, blendshape frames, word timings and
 * actions, all timed from the start of the utterance. Segments are yielded as the engine produces audio (one
 * per engine chunk), not per plan item, so playback can start after the first chunk. Pauses become silent
 * segments; an action is due at the position where it appears and travels with the next segment. Blendshape
 * frames look only backwards (see `visemesToBlendshapes`), so a segment's frames are final when it is yielded
 * and nothing is held back for the next chunk. Nothing is yielded once `signal` aborts.
 */
export async function* renderSpeech(
  plan: SpeechPlan,
  options: RenderSpeechOptions,
): AsyncGenerator<SpeechSegment, void, undefined> {
  const { signal } = options;
  const timed = options.tts.capabilities.phonemeTimings;
  const assembler = new SegmentAssembler(timed ? undefined : options.estimator);
  const track = timed ? new VisemeTrack() : undefined;
  for (const item of plan.items) {
    if (signal.aborted) return;
    if (item.kind === 'action') {
      assembler.action(item.action);
    } else if (item.kind === 'pause') {
      if (track) assembler.addVisemes(track.silence(assembler.positionMs));
      const pcm = new Int16Array(Math.round((Math.max(0, item.ms) * SESSION_SAMPLE_RATE) / 1000));
      if (pcm.length > 0) yield assembler.segment(pcm);
    } else {
      for await (const segment of speak(item, options, assembler, track)) {
        if (signal.aborted) return;
        yield segment;
      }
    }
  }
  if (signal.aborted) return;
  const last = assembler.finish();
  if (last) yield last;
}

/** Plain text as one utterance. */
export function renderText(
  text: string,
  options: RenderSpeechOptions,
): AsyncGenerator<SpeechSegment, void, undefined> {
  return renderSpeech({ items: [{ kind: 'speak', text, sourceOffset: 0 }] }, options);
}

async function* speak(
  item: SpeakItem,
  options: RenderSpeechOptions,
  assembler: SegmentAssembler,
  track: VisemeTrack | undefined,
): AsyncGenerator<SpeechSegment, void, undefined> {
  const pinyin =
    item.pronunciation?.alphabet === 'py' && options.tts.voices().some((v) => v.key === PINYIN_VOICE)
      ? item.pronunciation.value
      : undefined;
  const request = {
    text: pinyin === undefined ? item.text : pinyinSpeechText(pinyin),
    voice: pinyin === undefined ? options.voice : PINYIN_VOICE,
    speed: options.speed,
    volume: options.volume,
  };
  const startMs = assembler.positionMs;
  const spoken: WordTiming[] = [];
  let resampler: Resampler | undefined;
  for await (const chunk of options.tts.synthesize(request, options.signal)) {
    if (options.signal.aborted) return;
    if (resampler?.fromRate !== chunk.sampleRate)
      resampler = new Resampler(chunk.sampleRate, SESSION_SAMPLE_RATE);
    if (track) assembler.addVisemes(track.push(chunk.phonemes, startMs));
    const pcm = resampler.push(chunk.pcm);
    // Words are timed on the engine's audio; resampled, it can come out a fraction of a sample shorter, and a
    // word must not reach past the audio (nor into the next item's).
    const audioEndMs = assembler.positionMs + (pcm.length * 1000) / SESSION_SAMPLE_RATE;
    const words = chunk.words.map((w) => ({
      ...w,
      startMs: Math.min(w.startMs + startMs, audioEndMs),
      endMs: Math.min(w.endMs + startMs, audioEndMs),
    }));
    if (pinyin === undefined) {
      assembler.words(words.map((w) => ({ ...w, textOffset: sourceOffsetOf(item, w.textOffset) })));
    } else spoken.push(...words);
    // An engine's empty chunk (e.g. carrying only the last word) rides on the next segment instead.
    if (pcm.length > 0) yield assembler.segment(pcm);
  }
  if (options.signal.aborted) return;
  assembler.words(pinyinWords(item.text, (index) => sourceOffsetOf(item, index), spoken));
  if (track) assembler.addVisemes(track.silence(assembler.positionMs));
}
