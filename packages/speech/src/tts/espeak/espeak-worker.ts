import type { JobHandler } from './worker-protocol.js';
import { poolWorkerScript } from './worker-protocol.js';

/** The OS thread name of each espeak-ng worker (see `poolWorkerScript`). */
export const ESPEAK_THREAD_NAME = 'dhuman-tts';

/** One synthesis, as the parent sends it. */
export interface EspeakJob {
  text: string;
  /** An espeak-ng voice identifier (e.g. `gmw/en-US`), already validated. */
  voice: string;
  /** Words per minute, within espeak's range. */
  rate: number;
  /** Linear gain applied to the samples (1 = unchanged). */
  gain: number;
}

/** The engine's events that matter here, with espeak's own positions (1-based code points) and times (ms). */
export type EspeakEvent =
  | { kind: 'phoneme'; ms: number; ipa: string }
  | { kind: 'word'; ms: number; position: number; length: number };

/** Phoneme events that are espeak's language-switch markers ("(en)", "(cmn)"), not sounds. */
const LANGUAGE_SWITCH = /^\([a-z]{2,3}(?:-[a-z0-9]+)*\)$/i;

export function isLanguageSwitch(ipa: string): boolean {
  return LANGUAGE_SWITCH.test(ipa);
}

/** One synthesis callback's worth of output, streamed to the parent as it is produced. */
export interface EspeakChunk {
  pcm: Int16Array;
  sampleRate: number;
  events: EspeakEvent[];
}

/** The parts of `@echogarden/espeak-ng-emscripten` used (the package ships no types). */
interface EspeakEngine {
  readonly samplerate: number;
  set_voice(name: string): number;
  set_rate(wordsPerMinute: number): void;
  /** Synchronous; the callback returns true to stop synthesis. */
  synthesize(
    text: string,
    callback: (
      samples: Int16Array<ArrayBuffer>,
      events: {
        type: string;
        text_position: number;
        word_length: number;
        audio_position: number;
        id?: unknown;
      }[],
    ) => boolean,
  ): void;
}

interface EspeakModuleNamespace {
  default: () => Promise<{ eSpeakNGWorker: new () => EspeakEngine }>;
}

/**
 * Loads the WASM module once per worker thread and returns the job handler. Stringified into the worker (see
 * `poolWorkerScript`): it may use only its parameter and globals.
 */
/* istanbul ignore next -- runs inside the worker */
async function setupEspeakWorker(espeak: EspeakModuleNamespace): Promise<JobHandler<EspeakJob, EspeakChunk>> {
  const module = await espeak.default();
  const engine = new module.eSpeakNGWorker();
  const sampleRate = engine.samplerate;
  let currentVoice = '';
  const selectVoice = (voice: string): void => {
    if (voice === currentVoice) return;
    const code = engine.set_voice(voice);
    if (code !== 0) throw new Error(`espeak-ng could not load voice "${voice}" (code ${code})`);
    currentVoice = voice;
  };
  // The engine is wasm2js (plain JS), so V8 compiles its hot paths only after they have run for a while: cold,
  // the first chunk took 15-50 ms and RTF was 0.1-0.2; after these two sentences (≈0.5 s of CPU, once per
  // thread) it was 5-8 ms and 0.03-0.07. They also load both languages' dictionaries.
  selectVoice('sit/cmn');
  engine.synthesize('你好，今天天气很好。', () => false);
  selectVoice('gmw/en-US');
  engine.synthesize('Hello world, this is a warm up sentence, with a pause.', () => false);

  return (job, emit, cancelled) => {
    selectVoice(job.voice);
    engine.set_rate(job.rate);
    engine.synthesize(job.text, (samples, rawEvents) => {
      if (cancelled()) return true;
      if (job.gain !== 1) {
        for (let i = 0; i < samples.length; i++) {
          const value = Math.round((samples[i] ?? 0) * job.gain);
          samples[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
        }
      }
      const events: EspeakEvent[] = [];
      for (const e of rawEvents) {
        if (e.type === 'phoneme')
          events.push({ kind: 'phoneme', ms: e.audio_position, ipa: typeof e.id === 'string' ? e.id : '' });
        else if (e.type === 'word')
          events.push({
            kind: 'word',
            ms: e.audio_position,
            position: e.text_position,
            length: e.word_length,
          });
      }
      // Posted from inside the synchronous call, so the parent gets audio while the rest is synthesized.
      if (samples.length > 0 || events.length > 0)
        emit({ pcm: samples, sampleRate, events }, [samples.buffer]);
      return false;
    });
  };
}

/** The worker module: the espeak package (resolved here, in the parent) plus the handler above. */
export function espeakWorkerScript(): URL {
  return poolWorkerScript(
    setupEspeakWorker,
    [import.meta.resolve('@echogarden/espeak-ng-emscripten')],
    ESPEAK_THREAD_NAME,
  );
}
