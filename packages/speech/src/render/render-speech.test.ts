import type { AudioVisemeEstimator, SpeechSegment, TtsChunk, TtsProvider, TtsRequest } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS, SESSION_SAMPLE_RATE } from '@dhuman/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeechPlan } from '../plan.js';
import { parseSpeechInput } from '../ssml/parse-ssml.js';
import { EspeakTts } from '../tts/espeak/espeak-tts.js';
import type { RenderSpeechOptions } from './render-speech.js';
import { renderSpeech, renderText } from './render-speech.js';

let tts: EspeakTts;
beforeAll(async () => {
  tts = new EspeakTts({ workers: 1 });
  await tts.warmUp();
});
afterAll(() => tts.close());

const options = (overrides: Partial<RenderSpeechOptions> = {}): RenderSpeechOptions => ({
  tts,
  voice: 'en-us',
  speed: 1,
  volume: 0,
  signal: new AbortController().signal,
  ...overrides,
});

async function collect(segments: AsyncIterable<SpeechSegment>): Promise<SpeechSegment[]> {
  const out: SpeechSegment[] = [];
  for await (const segment of segments) out.push(segment);
  return out;
}

const durationMs = (segment: SpeechSegment): number => (segment.pcm.length * 1000) / SESSION_SAMPLE_RATE;

/** Segments follow each other without gaps, and frames tile the utterance at every 40 ms. */
function expectContinuous(segments: SpeechSegment[]): void {
  let expected = 0;
  for (const s of segments) {
    expect(s.startMs).toBeCloseTo(expected, 6);
    expected += durationMs(s);
  }
  const frames = segments.flatMap((s) => s.blendshapes.map((f) => f.timeMs));
  expect(frames).toEqual(Array.from({ length: Math.ceil(expected / BLENDSHAPE_FRAME_MS) }, (_, i) => i * 40));
}

describe('renderSpeech', () => {
  it('streams plain text as session-rate segments with visemes, frames and words', async () => {
    const started = performance.now();
    let firstSegmentMs = 0;
    const segments: SpeechSegment[] = [];
    for await (const segment of renderText('Hello world, this is dhuman.', options())) {
      firstSegmentMs ||= performance.now() - started;
      segments.push(segment);
    }
    // ≈10-30 ms when measured; generous for a loaded CI machine.
    expect(firstSegmentMs).toBeLessThan(200);
    expect(segments.length).toBeGreaterThan(5);
    expectContinuous(segments);
    const total = segments.reduce((ms, s) => ms + durationMs(s), 0);
    expect(total).toBeGreaterThan(1000);
    const visemes = segments.flatMap((s) => s.visemes);
    expect(visemes.at(-1)?.viseme).toBe('sil');
    expect(total - (visemes.at(-1)?.timeMs ?? 0)).toBeLessThanOrEqual(BLENDSHAPE_FRAME_MS);
    expect(new Set(visemes.map((v) => v.viseme)).size).toBeGreaterThan(6);
    const words = segments.flatMap((s) => s.words);
    expect(words.map((w) => `${w.text}@${w.textOffset}`)).toEqual([
      'Hello@0',
      'world@6',
      'this@13',
      'is@18',
      'dhuman@21',
    ]);
  });

  it('renders pauses as silence, times actions, and maps words to the original input', async () => {
    // As if from '<speak><insert-action type="wave"/>你好<break time="300ms"/><insert-action type="nod"/>Hi there</speak>'.
    const plan: SpeechPlan = {
      items: [
        { kind: 'action', action: 'wave' },
        { kind: 'speak', text: '你好', sourceOffset: 37 },
        { kind: 'pause', ms: 300 },
        { kind: 'action', action: 'nod' },
        { kind: 'speak', text: 'Hi there', sourceOffset: 90 },
      ],
    };
    const segments = await collect(renderSpeech(plan, options({ voice: 'cmn' })));
    expectContinuous(segments);
    const pause = segments.find((s) => s.pcm.length === 0.3 * SESSION_SAMPLE_RATE);
    expect(pause).toBeDefined();
    expect(pause?.pcm.every((sample) => sample === 0)).toBe(true);
    const pauseEnd = (pause?.startMs ?? 0) + 300;
    const actions = segments.flatMap((s) => s.actions);
    expect(actions).toEqual([
      { timeMs: 0, action: 'wave' },
      { timeMs: pauseEnd, action: 'nod' },
    ]);
    // Each action travels with the segment that starts where it is due.
    for (const s of segments) for (const a of s.actions) expect(a.timeMs).toBe(s.startMs);
    const words = segments.flatMap((s) => s.words);
    expect(words.map((w) => `${w.text}@${w.textOffset}`)).toEqual(['你好@37', 'Hi@90', 'there@93']);
    expect(words[0]?.endMs).toBeLessThanOrEqual(pause?.startMs ?? 0);
    expect(words[1]?.startMs).toBeGreaterThanOrEqual(pauseEnd);
  });

  it('times every word of SSML with breaks, in order, pointing into the input', async () => {
    const input =
      '<speak>This is a test <break time="300ms"/>of the <emphasis>talking</emphasis> avatar.' +
      '<break time="200ms"/>It is <say-as interpret-as="time">10:30</say-as> &amp; so on.</speak>';
    const segments = await collect(renderSpeech(parseSpeechInput(input), options()));
    expectContinuous(segments);
    const words = segments.flatMap((s) => s.words);
    expect(words.map((w) => w.text)).toEqual([
      ...['This', 'is', 'a', 'test', 'of', 'the', 'talking', 'avatar'],
      ...['It', 'is', 'ten', 'thirty', '&', 'so', 'on'],
    ]);
    // The input's own words point at themselves, past the tags and entities; the say-as reading at its content.
    for (const w of words) {
      if (w.text === 'ten' || w.text === 'thirty') expect(w.textOffset).toBe(input.indexOf('10:30'));
      else if (w.text === '&') expect(w.textOffset).toBe(input.indexOf('&amp;'));
      else expect(input.slice(w.textOffset, w.textOffset + w.text.length)).toBe(w.text);
    }
    const total = segments.reduce((ms, s) => ms + durationMs(s), 0);
    let previousEnd = 0;
    for (const w of words) {
      expect(w.startMs).toBeGreaterThanOrEqual(previousEnd);
      expect(w.endMs).toBeGreaterThan(w.startMs);
      previousEnd = w.endMs;
    }
    expect(previousEnd).toBeLessThanOrEqual(total);
    // No word is timed inside a pause.
    const pauseLengths = [0.3, 0.2].map((s) => s * SESSION_SAMPLE_RATE);
    const pauses = segments.filter((s) => pauseLengths.includes(s.pcm.length) && s.pcm.every((x) => x === 0));
    expect(pauses).toHaveLength(2);
    for (const pause of pauses)
      for (const w of words)
        expect(w.endMs <= pause.startMs + 1e-6 || w.startMs >= pause.startMs + durationMs(pause) - 1e-6).toBe(
          true,
        );
  });

  it('reads a pinyin pronunciation with the pinyin voice', async () => {
    const plan: SpeechPlan = {
      items: [
        {
          kind: 'speak',
          text: '传奇',
          sourceOffset: 5,
          pronunciation: { alphabet: 'py', value: 'chuan2qi2' },
        },
      ],
    };
    const segments = await collect(renderSpeech(plan, options()));
    const words = segments.flatMap((s) => s.words);
    expect(words.map((w) => `${w.text}@${w.textOffset}`)).toEqual(['传@5', '奇@6']);
    // ts.h ua n tɕh i: Mandarin affricates, not English letters read out.
    const visemes = segments.flatMap((s) => s.visemes.map((v) => v.viseme));
    expect(visemes.filter((v) => v === 'CH')).toHaveLength(2);
  });

  it('stops at once on abort, yielding nothing more', async () => {
    const controller = new AbortController();
    const segments: SpeechSegment[] = [];
    const started = performance.now();
    const text = 'This is a long reply that the user interrupts right after it starts. '.repeat(5);
    for await (const segment of renderText(text, options({ signal: controller.signal }))) {
      segments.push(segment);
      controller.abort();
    }
    expect(segments).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

/** A TTS engine without phoneme timing: two 100 ms chunks at 16 kHz. */
class UntimedTts implements TtsProvider {
  readonly label = 'test.untimed';
  readonly capabilities = { phonemeTimings: false };
  readonly requests: TtsRequest[] = [];
  voices(): { key: string; name: string; language: string }[] {
    return [{ key: 'v', name: 'V', language: 'en-US' }];
  }
  // eslint-disable-next-line @typescript-eslint/require-await -- an engine is async by contract
  async *synthesize(request: TtsRequest): AsyncGenerator<TtsChunk> {
    this.requests.push(request);
    for (let i = 0; i < 2; i++) {
      const pcm = Int16Array.from({ length: 1600 }, (_, n) => Math.round(8000 * Math.sin(n / 5)));
      yield { pcm, sampleRate: 16_000, phonemes: [], words: [] };
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('renderSpeech without phoneme timing', () => {
  it('lip-syncs from the audio estimator, fed the whole utterance including pauses', async () => {
    const fed: number[] = [];
    const estimator: AudioVisemeEstimator = {
      start: () => {
        let samples = 0;
        return {
          push: (pcm) => {
            fed.push(pcm.length);
            const timeMs = samples / 24;
            samples += pcm.length;
            return [{ timeMs, viseme: 'aa', weight: 0.5 }];
          },
          end: () => [{ timeMs: samples / 24, viseme: 'sil', weight: 1 }],
        };
      },
    };
    const engine = new UntimedTts();
    const plan: SpeechPlan = {
      items: [
        { kind: 'speak', text: '传', sourceOffset: 0, pronunciation: { alphabet: 'py', value: 'chuan2' } },
        { kind: 'pause', ms: 100 },
      ],
    };
    const segments = await collect(renderSpeech(plan, options({ tts: engine, voice: 'v', estimator })));
    // No pinyin voice: the text itself is spoken, with the requested voice.
    expect(engine.requests.map((r) => [r.text, r.voice])).toEqual([['传', 'v']]);
    expect(fed.reduce((a, b) => a + b, 0)).toBe(segments.reduce((n, s) => n + s.pcm.length, 0));
    expect(segments.flatMap((s) => s.visemes.map((v) => `${v.viseme}@${Math.round(v.timeMs)}`))).toEqual([
      'aa@0',
      'aa@100',
      'aa@200',
      'sil@300',
    ]);
    expectContinuous(segments);
    expect(segments[1]?.blendshapes.some((f) => f.weights.some((w) => w > 0))).toBe(true);
  });

  it('has no visemes without an estimator', async () => {
    const segments = await collect(renderText('x', options({ tts: new UntimedTts(), voice: 'v' })));
    expect(segments).toHaveLength(2);
    expect(segments.flatMap((s) => s.visemes)).toEqual([]);
  });
});
