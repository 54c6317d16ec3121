import type { ActionMark, AudioVisemeEstimator, SpeechSegment, VisemeEvent, WordTiming } from '@dhuman/core';
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { visemesToBlendshapes } from '../lipsync/blendshapes.js';

const SAMPLES_PER_MS = SESSION_SAMPLE_RATE / 1000;

/**
 * Builds one utterance's segments back to back. It keeps the clock (samples emitted so far, so `startMs` never
 * drifts), the visemes seen so far (blending needs the ones before a segment), and what is due in a later
 * segment: actions, words that complete late, and visemes that start after the audio emitted so far.
 */
export class SegmentAssembler {
  private samples = 0;
  private readonly visemes: VisemeEvent[] = [];
  private unsentVisemes: VisemeEvent[] = [];
  private pendingWords: WordTiming[] = [];
  private pendingActions: ActionMark[] = [];
  private readonly estimator: ReturnType<AudioVisemeEstimator['start']> | undefined;

  /** With an estimator, visemes come from the audio and `addVisemes` is not used. */
  constructor(estimator?: AudioVisemeEstimator) {
    this.estimator = estimator?.start();
  }

  /** Where the next segment starts, in ms from the start of the utterance. */
  get positionMs(): number {
    return this.samples / SAMPLES_PER_MS;
  }

  action(action: string): void {
    this.pendingActions.push({ timeMs: this.positionMs, action });
  }

  words(words: readonly WordTiming[]): void {
    this.pendingWords.push(...words);
  }

  /** Visemes in time order, later than any added before. */
  addVisemes(visemes: readonly VisemeEvent[]): void {
    this.visemes.push(...visemes);
    this.unsentVisemes.push(...visemes);
  }

  /** The next segment: `pcm` at SESSION_SAMPLE_RATE plus everything due by its end. */
  segment(pcm: Int16Array): SpeechSegment {
    const startMs = this.positionMs;
    this.samples += pcm.length;
    const endMs = this.positionMs;
    if (this.estimator) this.addVisemes(this.estimator.push(pcm));
    const visemes = this.unsentVisemes.filter((v) => v.timeMs < endMs);
    this.unsentVisemes = this.unsentVisemes.filter((v) => v.timeMs >= endMs);
    return this.build(startMs, pcm, visemes, visemesToBlendshapes(this.visemes, startMs, endMs));
  }

  /** A last, empty segment with whatever is still due, or undefined if nothing is. */
  finish(): SpeechSegment | undefined {
    if (this.estimator) this.addVisemes(this.estimator.end());
    const visemes = this.unsentVisemes;
    this.unsentVisemes = [];
    if (visemes.length === 0 && this.pendingWords.length === 0 && this.pendingActions.length === 0)
      return undefined;
    return this.build(this.positionMs, new Int16Array(0), visemes, []);
  }

  private build(
    startMs: number,
    pcm: Int16Array,
    visemes: VisemeEvent[],
    blendshapes: SpeechSegment['blendshapes'],
  ): SpeechSegment {
    const words = this.pendingWords;
    const actions = this.pendingActions;
    this.pendingWords = [];
    this.pendingActions = [];
    return { startMs, pcm, visemes, blendshapes, words, actions };
  }
}
