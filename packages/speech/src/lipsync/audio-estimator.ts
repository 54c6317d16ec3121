/**
 * Lip-sync from audio alone, for speech whose phonemes nobody reported: TTS engines without phoneme timing
 * and SEND_AUDIO from clients. It needs no transcript and no language model, so it works for any language,
 * and it runs as audio streams in (≈0.4 ms of CPU per second of audio once the JIT has warmed up).
 *
 * What it does: every 10 ms it looks at 20 ms of audio and measures its loudness against an adaptive noise
 * floor, how noisy and how high-pitched the waveform is (zero crossings, sample-to-sample slope), and, for
 * voiced frames, rough first and second formant frequencies from a small FFT. From these it tells silence,
 * frication (SS, CH, weak FF), dips between vowels (nn, or PP for near-closures), and five vowel shapes from
 * the formant chart: open aa, front E and ih, rounded oh and ou. Loudness gives each viseme its weight, so
 * the mouth opens more on louder syllables.
 *
 * What it cannot do: recognise phonemes. It follows mouth opening and broad vowel and fricative classes, which
 * is what a viewer reads from a face, but /m/ and /n/, /p/ and /t/, /f/ and /θ/ look alike to it; it never
 * yields TH, DD, kk or RR; unvoiced stop closures show as sil (the mouth closes either way); and formant
 * estimates from 20 ms of audio confuse neighbouring vowels, more so for high voices. Music makes the mouth
 * move; steady background noise is learnt as silence within 2 s, but noise above −50 dBFS moves the mouth
 * until then. Against the visemes derived from espeak-ng's own phoneme events, the shape matched on 60 % of
 * 10 ms steps for an English sentence and 49 % for a Mandarin one (68 % and 63 % counting only closed / open /
 * front / rounded / fricative), part of which is espeak's own timing.
 *
 * Timing: a viseme starts at the centre of the first frame that shows it, so events line up with the sound,
 * but it is reported only once a second frame confirms it, up to 20 ms later. An event can therefore start up
 * to 20 ms before the chunk whose `push` returns it. Changes come at least 40 ms apart, so the mouth does not
 * flicker.
 */
import type { AudioVisemeEstimator as AudioVisemeEstimatorContract, Viseme, VisemeEvent } from '@dhuman/core';
import { classifyFrame, isVowel } from './audio-classify.js';
import { FrameAnalyzer, HOP_SAMPLES } from './audio-frames.js';
import type { FrameFeatures } from './audio-frames.js';
import { NoiseFloor } from './audio-noise-floor.js';

const FRAME_MS = 10;
/** A new shape must show in this many consecutive frames (20 ms) before it is reported. */
const CONFIRM_FRAMES = 2;
/** …and no sooner than 40 ms after the previous change: a shorter shape reads as flicker, not speech. */
const MIN_HOLD_FRAMES = 4;
/** Vowel level memory fades by this much per frame (50 dB/s), so a dip is measured against recent vowels. */
const VOWEL_DECAY_DB = 0.5;
/** Weight grows linearly over this many dB above the silence gate: 40 dB spans a whisper to a loud vowel. */
const WEIGHT_RANGE_DB = 40;

/** One utterance's lip-sync: push its PCM (at SESSION_SAMPLE_RATE) in order, then end it. */
export interface AudioVisemeTrack {
  push(pcm: Int16Array): VisemeEvent[];
  end(): VisemeEvent[];
}

export class AudioVisemeEstimator implements AudioVisemeEstimatorContract {
  start(): AudioVisemeTrack {
    return new Track();
  }
}

class Track implements AudioVisemeTrack {
  private readonly frames = new FrameAnalyzer();
  private readonly floor = new NoiseFloor();
  private samples = 0;
  private ended = false;
  private vowelDb: number | undefined;
  /** The shape last reported and the frame it was reported at. */
  private current: Viseme | undefined;
  private currentFrame = -Infinity;
  /** The run of identical frame classes that may become the next report. */
  private run: { viseme: Viseme; first: number; loudestDb: number; gateDb: number } | undefined;
  private out: VisemeEvent[] = [];

  push(pcm: Int16Array): VisemeEvent[] {
    if (this.ended) throw new Error('This lip-sync track has ended; start() a new one per utterance');
    this.samples += pcm.length;
    this.frames.push(pcm, (frame) => this.onFrame(frame));
    const events = this.out;
    this.out = [];
    return events;
  }

  /** Reports the closed mouth at the end of the audio, always, so a consumer knows where the track stops. */
  end(): VisemeEvent[] {
    if (this.ended) throw new Error('This lip-sync track has already ended');
    this.ended = true;
    return [{ timeMs: (this.samples / HOP_SAMPLES) * FRAME_MS, viseme: 'sil', weight: 0 }];
  }

  private onFrame(frame: Readonly<FrameFeatures>): void {
    const gateDb = this.floor.update(frame.levelDb);
    if (this.vowelDb !== undefined) {
      this.vowelDb -= VOWEL_DECAY_DB;
      if (this.vowelDb < gateDb) this.vowelDb = undefined;
    }
    const viseme = classifyFrame(frame, { gateDb, vowelDb: this.vowelDb });
    if (isVowel(viseme)) this.vowelDb = Math.max(this.vowelDb ?? -Infinity, frame.levelDb);

    if (this.run?.viseme === viseme) {
      this.run.loudestDb = Math.max(this.run.loudestDb, frame.levelDb);
    } else {
      this.run = { viseme, first: frame.index, loudestDb: frame.levelDb, gateDb };
    }
    this.maybeReport(frame.index);
  }

  private maybeReport(index: number): void {
    const run = this.run;
    if (!run || run.viseme === this.current) return;
    // The change starts where the run did, unless the previous shape has not been held long enough yet.
    const at = Math.max(run.first, this.currentFrame + MIN_HOLD_FRAMES);
    if (index - at + 1 < CONFIRM_FRAMES) return;
    this.current = run.viseme;
    this.currentFrame = at;
    const weight = run.viseme === 'sil' ? 0 : loudness(run.loudestDb, run.gateDb);
    this.out.push({ timeMs: at * FRAME_MS, viseme: run.viseme, weight });
  }
}

function loudness(levelDb: number, gateDb: number): number {
  const weight = Math.min(1, Math.max(0, (levelDb - gateDb) / WEIGHT_RANGE_DB));
  return Math.round(weight * 100) / 100;
}
