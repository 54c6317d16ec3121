import type { PhonemeEvent, TtsChunk, TtsProvider, TtsRequest, VoiceInfo } from '@dhuman/core';
import { AsyncQueue } from '@dhuman/core';
import type { EspeakChunk, EspeakJob } from './espeak-worker.js';
import { espeakWorkerScript, isLanguageSwitch } from './espeak-worker.js';
import { ESPEAK_VOICES, espeakJob } from './settings.js';
import { WordTimeline } from './word-timeline.js';
import { ERRORS, IvhError } from '@dhuman/protocol';
import { WorkerPool, WorkerPoolError } from './worker-pool.js';

export interface EspeakTtsOptions {
  /** Synthesis threads; default min(2, CPUs). */
  workers?: number;
  /** Requests that may wait for a free thread before new ones are refused; default 64. */
  maxQueue?: number;
}

/** espeak-ng's output rate; the renderer resamples to the session rate. */
export const ESPEAK_SAMPLE_RATE = 22_050;

/**
 * eSpeak-NG (WASM) with phoneme and word timing, for English and Mandarin. Synthesis is synchronous inside the
 * WASM module, so it runs on a pool of worker threads; each streams audio back as the engine produces it.
 */
export class EspeakTts implements TtsProvider {
  readonly label = 'espeak.tts';
  readonly capabilities = { phonemeTimings: true } as const;
  private readonly pool: WorkerPool<EspeakJob, EspeakChunk>;

  constructor(options: EspeakTtsOptions = {}) {
    this.pool = new WorkerPool<EspeakJob, EspeakChunk>({
      script: espeakWorkerScript(),
      name: this.label,
      ...(options.workers === undefined ? {} : { size: options.workers }),
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
    });
  }

  voices(): readonly VoiceInfo[] {
    return ESPEAK_VOICES;
  }

  /** Starts the threads and loads the engine now (≈150-300 ms), so the first request is answered at once. */
  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  async *synthesize(request: TtsRequest, signal: AbortSignal): AsyncGenerator<TtsChunk, void, undefined> {
    const job = espeakJob(request);
    if (signal.aborted) return;
    // Also stops the job when the consumer leaves the loop early.
    const local = new AbortController();
    const jobSignal = AbortSignal.any([signal, local.signal]);
    // Unbounded on purpose: one request's audio is bounded by its text, and espeak outruns any consumer.
    const chunks = new AsyncQueue<EspeakChunk>();
    void this.pool.run(job, { signal: jobSignal, onEvent: (chunk) => chunks.push(chunk) }).then(
      () => chunks.end(),
      (error: unknown) => chunks.fail(asCapacityError(error)),
    );
    // What espeak reads (`<` and `>` blanked, same length), so a bracket is never taken for a word.
    const words = new WordTimeline(job.text);
    let samples = 0;
    let sampleRate = ESPEAK_SAMPLE_RATE;
    try {
      for await (const chunk of chunks) {
        if (signal.aborted) return;
        samples += chunk.pcm.length;
        sampleRate = chunk.sampleRate;
        const phonemes: PhonemeEvent[] = [];
        for (const e of chunk.events)
          if (e.kind === 'phoneme' && !isLanguageSwitch(e.ipa)) phonemes.push({ timeMs: e.ms, ipa: e.ipa });
        yield { pcm: chunk.pcm, sampleRate, phonemes, words: words.push(chunk.events) };
      }
      if (signal.aborted) return;
      const last = words.finish((samples * 1000) / sampleRate);
      if (last.length > 0) yield { pcm: new Int16Array(0), sampleRate, phonemes: [], words: last };
    } finally {
      local.abort();
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * A full queue is overload, not a fault: callers get the IVH "not enough rendering compute" code (retry later)
 * instead of a generic drive failure, and servers need not log a stack for it.
 */
function asCapacityError(error: unknown): unknown {
  if (error instanceof WorkerPoolError && error.code === 'queue_full') {
    return new IvhError(ERRORS.RENDER_CAPACITY_EXHAUSTED, `speech engine is busy: ${error.message}`);
  }
  return error;
}
