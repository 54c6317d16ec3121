import { ASR_SAMPLE_RATE } from '@dhuman/core';

export interface VadEvent {
  type: 'start' | 'end';
  /**
   * Position in the whole input (ms from its first sample): for `start` the first speech frame, for `end` the
   * first silent frame after the speech. An `end` is reported `hangoverMs` after its `atMs`.
   */
  atMs: number;
}

export interface VadOptions {
  /** Analysis frame; default 10 ms. */
  frameMs?: 10 | 20;
  /** Speech frames needed before a start is reported; shorter bursts (clicks, knocks) are ignored. Default 60. */
  onsetMs?: number;
  /** Non-speech needed to end an utterance, so pauses between words do not split it; default 300 ms. */
  hangoverMs?: number;
  /**
   * Quieter frames are never speech, however quiet the room: residual echo of the avatar's own voice after the
   * browser's echo cancellation, and distant talkers, stay below it. Default −45 dBFS.
   */
  minLevelDbfs?: number;
  /** How far above the noise floor a frame must be to count as speech; default 10 dB. */
  marginDb?: number;
}

/** The level given to digital silence, where the logarithm has no value. */
const SILENCE_DBFS = -100;
/** How fast the floor follows a quieter frame: the time constant of an exponential approach. */
const FLOOR_FALL_MS = 20;
/**
 * How fast the floor climbs towards louder frames. Slow, so that speech (whose gaps between syllables pull the
 * floor back down) never lifts it to its own level; noise that grows slowly is followed.
 */
const FLOOR_RISE_DB_PER_S = 3;
/**
 * A frame whose energy sits mostly above ≈2.5 kHz (first-difference energy ≥ this share of the energy, which
 * is 2 for white noise and about 0.03–0.5 for vowels) is not voiced. A start needs at least one voiced frame,
 * so hiss and fans cannot start an utterance; fricatives still count as speech once an utterance has begun,
 * and its start is then dated from them.
 */
const VOICED_MAX_DIFF_RATIO = 1;
/** Within a possible start, gaps this short (a stop consonant's closure) do not make it start over. */
const ONSET_MAX_GAP_MS = 20;
/**
 * Inside an utterance, levels varying less than this (standard deviation, dB) over `STEADY_WINDOW_MS` are a
 * steady sound that switched on (a fan, a hum), not speech, whose syllables modulate the level by 10 dB or more
 * several times a second. The floor then jumps to that level, and the utterance ends after the hangover. The
 * window is long because synthetic voices (flite) hold a level within ±2 dB for 400 ms; over a second, speech
 * always has a word boundary or a consonant 6 dB or more below its vowels, while stationary noise measured in
 * 10 ms frames varies by about 0.5 dB.
 */
const STEADY_MAX_STD_DB = 1;
const STEADY_WINDOW_MS = 1000;

/**
 * Voice activity detection on 16 kHz mono s16 audio, for turn taking and barge-in. Per frame, the RMS level is
 * compared with an adaptive noise floor and an absolute minimum; a start needs `onsetMs` of such frames
 * including a voiced one, an end `hangoverMs` without. Chunks may have any length: frames are cut at fixed
 * positions of the whole stream, so the events do not depend on how the audio was split. Pure computation, a
 * few microseconds per frame.
 */
export class VoiceActivityDetector {
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly onsetFrames: number;
  private readonly hangoverFrames: number;
  private readonly maxGapFrames: number;
  private readonly minLevelDbfs: number;
  private readonly marginDb: number;
  private readonly floorFall: number;
  private readonly floorRisePerFrame: number;
  private readonly frame: Int16Array;
  private filled = 0;
  /** The last sample of the previous frame, for the first difference across frames. */
  private previousSample = 0;
  private frameIndex = 0;
  private floorDb: number | undefined;
  private speaking = false;
  /** A possible start: its first speech frame, its speech frames so far, whether one was voiced. */
  private candidate: { first: number; frames: number; voiced: boolean } | undefined;
  private lastSpeechFrame = -1;
  /** Frame levels of the current utterance, newest last, up to the steadiness window. */
  private readonly recentLevels: number[] = [];
  private readonly steadyFrames: number;

  constructor(options: VadOptions = {}) {
    const frameMs = options.frameMs ?? 10;
    if (frameMs !== 10 && frameMs !== 20) throw new RangeError('VAD frameMs must be 10 or 20');
    const onsetMs = checkedMs('onsetMs', options.onsetMs ?? 60);
    const hangoverMs = checkedMs('hangoverMs', options.hangoverMs ?? 300);
    const minLevelDbfs = options.minLevelDbfs ?? -45;
    const marginDb = options.marginDb ?? 10;
    if (!Number.isFinite(minLevelDbfs) || minLevelDbfs > 0 || minLevelDbfs < SILENCE_DBFS)
      throw new RangeError(`VAD minLevelDbfs must be between ${SILENCE_DBFS} and 0`);
    if (!Number.isFinite(marginDb) || marginDb < 0 || marginDb > 60)
      throw new RangeError('VAD marginDb must be between 0 and 60');
    this.frameMs = frameMs;
    this.frameSamples = (ASR_SAMPLE_RATE / 1000) * frameMs;
    this.onsetFrames = Math.max(1, Math.ceil(onsetMs / frameMs));
    this.hangoverFrames = Math.max(1, Math.ceil(hangoverMs / frameMs));
    this.maxGapFrames = Math.floor(ONSET_MAX_GAP_MS / frameMs);
    this.steadyFrames = Math.ceil(STEADY_WINDOW_MS / frameMs);
    this.minLevelDbfs = minLevelDbfs;
    this.marginDb = marginDb;
    this.floorFall = 1 - Math.exp(-frameMs / FLOOR_FALL_MS);
    this.floorRisePerFrame = (FLOOR_RISE_DB_PER_S * frameMs) / 1000;
    this.frame = new Int16Array(this.frameSamples);
  }

  /** Whether an utterance has started and not yet ended. */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Milliseconds of audio analysed so far (whole frames). */
  get positionMs(): number {
    return this.frameIndex * this.frameMs;
  }

  /** Analyses more audio and returns the starts and ends it completes, in order. */
  push(pcm: Int16Array): VadEvent[] {
    if (!(pcm instanceof Int16Array)) throw new TypeError('VAD input must be an Int16Array');
    const events: VadEvent[] = [];
    let offset = 0;
    while (offset < pcm.length) {
      const take = Math.min(this.frameSamples - this.filled, pcm.length - offset);
      this.frame.set(pcm.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSamples) {
        this.analyse(events);
        this.filled = 0;
      }
    }
    return events;
  }

  private analyse(events: VadEvent[]): void {
    const { level, diffRatio } = this.measure();
    const index = this.frameIndex++;
    const floor = this.updateFloor(level);
    const speech = level >= Math.max(this.minLevelDbfs, floor + this.marginDb);
    if (this.speaking) {
      this.trackSteadiness(level);
      if (speech) this.lastSpeechFrame = index;
      if (index - this.lastSpeechFrame >= this.hangoverFrames) {
        this.speaking = false;
        this.recentLevels.length = 0;
        events.push({ type: 'end', atMs: (this.lastSpeechFrame + 1) * this.frameMs });
      }
      return;
    }
    if (speech) {
      const candidate = (this.candidate ??= { first: index, frames: 0, voiced: false });
      candidate.frames++;
      candidate.voiced ||= diffRatio < VOICED_MAX_DIFF_RATIO;
      this.lastSpeechFrame = index;
      if (candidate.frames >= this.onsetFrames && candidate.voiced) {
        this.speaking = true;
        this.candidate = undefined;
        events.push({ type: 'start', atMs: candidate.first * this.frameMs });
      }
    } else if (this.candidate && index - this.lastSpeechFrame > this.maxGapFrames) {
      this.candidate = undefined;
    }
  }

  /** RMS level in dBFS, and first-difference energy over energy (a cheap spectral-tilt measure). */
  private measure(): { level: number; diffRatio: number } {
    let energy = 0;
    let diffEnergy = 0;
    let previous = this.previousSample;
    for (let i = 0; i < this.frameSamples; i++) {
      const sample = this.frame[i] ?? 0;
      energy += sample * sample;
      const diff = sample - previous;
      diffEnergy += diff * diff;
      previous = sample;
    }
    this.previousSample = previous;
    const meanSquare = energy / this.frameSamples / (32768 * 32768);
    const level = meanSquare > 0 ? Math.max(SILENCE_DBFS, 10 * Math.log10(meanSquare)) : SILENCE_DBFS;
    return { level, diffRatio: energy > 0 ? diffEnergy / energy : 0 };
  }

  /**
   * Follows quieter frames quickly and louder ones slowly, so the floor sits at the quietest recent level. It
   * starts at the first frame's level, so noise present from the beginning is floor, not speech.
   */
  private updateFloor(level: number): number {
    const floor = this.floorDb ?? level;
    this.floorDb =
      level < floor
        ? floor + (level - floor) * this.floorFall
        : Math.min(level, floor + this.floorRisePerFrame);
    return floor;
  }

  private trackSteadiness(level: number): void {
    this.recentLevels.push(level);
    if (this.recentLevels.length > this.steadyFrames) this.recentLevels.shift();
    if (this.recentLevels.length < this.steadyFrames) return;
    let sum = 0;
    for (const value of this.recentLevels) sum += value;
    const mean = sum / this.recentLevels.length;
    let variance = 0;
    for (const value of this.recentLevels) variance += (value - mean) ** 2;
    if (Math.sqrt(variance / this.recentLevels.length) < STEADY_MAX_STD_DB) {
      this.floorDb = Math.max(this.floorDb ?? mean, mean);
    }
  }
}

function checkedMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 10_000)
    throw new RangeError(`VAD ${name} must be between 0 and 10000 ms`);
  return value;
}
