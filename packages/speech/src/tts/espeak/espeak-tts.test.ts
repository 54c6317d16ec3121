import type { PhonemeEvent, TtsRequest, WordTiming } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS } from '@dhuman/core';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phonemesToVisemes } from '../../lipsync/phoneme-visemes.js';
import { ESPEAK_SAMPLE_RATE, EspeakTts } from './espeak-tts.js';
import { ESPEAK_THREAD_NAME } from './espeak-worker.js';

// One engine for the file: starting and warming its two threads is the slow part (1-2.5 s).
let tts: EspeakTts;
beforeAll(async () => {
  tts = new EspeakTts({ workers: 2, maxQueue: 6 });
  await tts.warmUp();
});
afterAll(() => tts.close());

interface Result {
  pcm: Int16Array;
  durationMs: number;
  phonemes: PhonemeEvent[];
  words: WordTiming[];
  chunks: number;
  firstChunkMs: number;
  totalMs: number;
}

async function synthesize(
  text: string,
  voice = 'en-us',
  options: Partial<TtsRequest> & { signal?: AbortSignal; onChunk?: () => void } = {},
  engine: EspeakTts = tts,
): Promise<Result> {
  const { signal = new AbortController().signal, onChunk, ...rest } = options;
  const started = performance.now();
  const parts: Int16Array[] = [];
  const phonemes: PhonemeEvent[] = [];
  const words: WordTiming[] = [];
  let firstChunkMs = 0;
  for await (const chunk of engine.synthesize({ text, voice, speed: 1, volume: 0, ...rest }, signal)) {
    firstChunkMs ||= performance.now() - started;
    expect(chunk.sampleRate).toBe(ESPEAK_SAMPLE_RATE);
    parts.push(chunk.pcm);
    phonemes.push(...chunk.phonemes);
    words.push(...chunk.words);
    onChunk?.();
  }
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (pcm.set(p, at), at + p.length), 0);
  const durationMs = (pcm.length * 1000) / ESPEAK_SAMPLE_RATE;
  return {
    pcm,
    durationMs,
    phonemes,
    words,
    chunks: parts.length,
    firstChunkMs,
    totalMs: performance.now() - started,
  };
}

const peak = (pcm: Int16Array): number => pcm.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
const rms = (pcm: Int16Array): number =>
  Math.sqrt(pcm.reduce((sum, s) => sum + s * s, 0) / Math.max(1, pcm.length));

/** Checks the timing contract shared by every language. */
function expectTimingMatchesAudio(result: Result): void {
  const visemes = phonemesToVisemes(result.phonemes, result.durationMs);
  const last = visemes.at(-1);
  const lastSounding = visemes.filter((v) => v.viseme !== 'sil').at(-1);
  // The phoneme timeline spans the audio: the mouth closes within one frame of the audio's end.
  expect(last?.viseme).toBe('sil');
  expect(Math.abs((last?.timeMs ?? 0) - result.durationMs)).toBeLessThanOrEqual(BLENDSHAPE_FRAME_MS);
  expect(lastSounding?.timeMs).toBeLessThan(result.durationMs);
  const lastPhoneme = result.phonemes.at(-1)?.timeMs ?? 0;
  expect(Math.abs(lastPhoneme - result.durationMs)).toBeLessThanOrEqual(BLENDSHAPE_FRAME_MS);
}

/** Words in order, each pointing at its own text, timed inside the audio. */
function expectWordsCover(text: string, words: WordTiming[], durationMs: number): void {
  let previousEnd = 0;
  for (const w of words) {
    expect(text.slice(w.textOffset, w.textOffset + w.text.length)).toBe(w.text);
    expect(w.textOffset).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = w.textOffset + w.text.length;
    expect(w.endMs).toBeGreaterThanOrEqual(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(durationMs + 1);
  }
  for (let i = 1; i < words.length; i++)
    expect(words[i]?.startMs).toBeGreaterThanOrEqual(words[i - 1]?.endMs ?? 0);
}

/** The words of a sentence as a reader counts them: split at spaces, without the punctuation around them. */
const wordsOf = (text: string): string[] =>
  text
    .split(/\s+/u)
    .map((w) => w.replace(/^\p{P}+|\p{P}+$/gu, ''))
    .filter((w) => w !== '');

describe('EspeakTts', () => {
  it('offers English and Mandarin voices', () => {
    expect(tts.label).toBe('espeak.tts');
    expect(tts.capabilities.phonemeTimings).toBe(true);
    expect(tts.voices().map((v) => v.key)).toEqual(['en-us', 'en-gb', 'cmn', 'cmn-latn-pinyin']);
  });

  it('speaks English with phoneme and word timing that spans the audio', async () => {
    const text = 'Hello world, this is dhuman.';
    const result = await synthesize(text);
    expect(result.durationMs).toBeGreaterThan(1000);
    expect(result.durationMs).toBeLessThan(4000);
    expect(peak(result.pcm)).toBeGreaterThan(3000);
    expect(rms(result.pcm)).toBeGreaterThan(300);
    expectTimingMatchesAudio(result);
    expect(result.words.map((w) => [w.text, w.textOffset])).toEqual([
      ['Hello', 0],
      ['world', 6],
      ['this', 13],
      ['is', 18],
      ['dhuman', 21],
    ]);
    expectWordsCover(text, result.words, result.durationMs);
  });

  // espeak-ng times some pairs as one word ("of the" comes as "of" alone, then ʌ v ð ə): every word of the text
  // must still come out, once, in order, with its own time.
  it.each([
    'This is a test of the talking avatar.',
    'So that the avatar keeps talking for many seconds.',
    'In the end of the day, to the top: U.S.A. e.g. test.',
    "I don't know, it's Mr. Smith's well-known (really) rock-n-roll band!",
    'It costs 1234 dollars, or 3.5 kg, on 12/05/2024 at 10:30.',
  ])('times every word of "%s", once and in order', async (text) => {
    const result = await synthesize(text);
    expect(result.words.map((w) => w.text)).toEqual(wordsOf(text));
    expectWordsCover(text, result.words, result.durationMs);
    // Each word has time of its own, except the few ms an abbreviation may get.
    for (const w of result.words) expect(w.endMs - w.startMs).toBeGreaterThan(20);
  });

  it('splits a merged pair at the phoneme where the second word starts', async () => {
    const result = await synthesize('This is a test of the talking avatar.');
    const [of, the] = result.words.filter((w) => w.text === 'of' || w.text === 'the');
    // ʌ v | ð ə: "the" starts at its ð.
    const dh = result.phonemes.filter((p) => p.ipa === 'ð')[1];
    expect(of?.endMs).toBe(the?.startMs);
    expect(the?.startMs).toBe(dh?.timeMs);
  });

  it('keeps punctuation and symbols espeak reads as words of their own', async () => {
    const text = 'Tom & Jerry got 50% off — C++ rocks.';
    const result = await synthesize(text);
    expect(result.words.map((w) => w.text)).toEqual([
      'Tom',
      '&',
      'Jerry',
      'got',
      '50',
      '%',
      'off',
      'C++',
      'rocks',
    ]);
    expectWordsCover(text, result.words, result.durationMs);
  });

  it('gives UTF-16 offsets for accented and astral characters', async () => {
    const text = 'Café au lait, 𝒳 naïve.';
    const result = await synthesize(text, 'en-gb');
    expectWordsCover(text, result.words, result.durationMs);
    const offsets = Object.fromEntries(result.words.map((w) => [w.text, w.textOffset]));
    expect(offsets).toMatchObject({ Café: 0, au: 5, lait: 8, '𝒳': 14, naïve: 17 });
  });

  it('speaks Mandarin Hanzi with words over every character', async () => {
    const text = '你好世界，今天天气很好。';
    const result = await synthesize(text, 'cmn');
    expect(result.durationMs).toBeGreaterThan(1500);
    expect(result.durationMs).toBeLessThan(6000);
    expect(peak(result.pcm)).toBeGreaterThan(3000);
    expectTimingMatchesAudio(result);
    expectWordsCover(text, result.words, result.durationMs);
    expect(result.words.map((w) => w.text).join('')).toBe('你好世界今天天气很好');
    // 你 and 很 each come with one word event and the next character spoken with it.
    expect(result.words.map((w) => w.text)).toEqual(['你好', '世', '界', '今', '天', '天', '气', '很好']);
    // Mandarin phonemes come through as IPA (你好 → n i χ ɑu).
    expect(result.phonemes.slice(0, 4).map((p) => p.ipa.replace(/[ˈˌ]/gu, ''))).toEqual([
      'n',
      'i',
      'χ',
      'ɑu',
    ]);
  });

  it.each([
    ['这是一个测试，让头像一直说话。', '这是一个测试让头像一直说话'],
    ['2024年3月5日，气温是25度。', '2024年3月5日气温是25度'],
    ['我说 Hello world，好吗？', '我说Helloworld好吗'],
  ])('covers every character of the Mandarin "%s"', async (text, letters) => {
    const result = await synthesize(text, 'cmn');
    expect(result.words.map((w) => w.text).join('')).toBe(letters);
    expectWordsCover(text, result.words, result.durationMs);
  });

  it('drops language-switch markers from the phonemes of mixed text', async () => {
    const result = await synthesize('我说 Hello。', 'cmn');
    expect(result.phonemes.length).toBeGreaterThan(5);
    expect(result.phonemes.filter((p) => p.ipa.startsWith('('))).toEqual([]);
  });

  it('reads pinyin with tone digits in the pinyin voice', async () => {
    const result = await synthesize('chuan2 qi2', 'cmn-latn-pinyin');
    expect(result.words.map((w) => w.text)).toEqual(['chuan2', 'qi2']);
    expect(result.durationMs).toBeGreaterThan(300);
    expectTimingMatchesAudio(result);
  });

  it('streams: the first chunk arrives long before a long text is done', async () => {
    const text = 'The quick brown fox jumps over the lazy dog, and then it runs far away. '.repeat(2);
    const result = await synthesize(text);
    expect(result.durationMs).toBeGreaterThan(8000);
    expect(result.chunks).toBeGreaterThan(40);
    expect(result.firstChunkMs).toBeLessThan(result.totalMs / 3);
  });

  it('speaks faster at speed 2 and slower at speed 0.5', async () => {
    const text = 'Speed changes the length of this sentence.';
    const [normal, fast, slow] = await Promise.all(
      [1, 2, 0.5].map((speed) => synthesize(text, 'en-us', { speed })),
    );
    expect(fast?.durationMs).toBeLessThan((normal?.durationMs ?? 0) * 0.7);
    expect(slow?.durationMs).toBeGreaterThan((normal?.durationMs ?? 0) * 1.5);
  });

  it('scales loudness with volume', async () => {
    const text = 'Volume check.';
    const [quiet, normal, loud] = await Promise.all(
      [-10, 0, 10].map((volume) => synthesize(text, 'en-us', { volume })),
    );
    expect(peak(quiet?.pcm ?? new Int16Array())).toBeLessThan(peak(normal?.pcm ?? new Int16Array()) * 0.6);
    expect(rms(loud?.pcm ?? new Int16Array())).toBeGreaterThan(rms(normal?.pcm ?? new Int16Array()) * 1.5);
  });

  it('stops on abort without error, and frees the threads at once', async () => {
    // Minutes of audio on both threads: a thread that ignored the stop flag would stay busy for seconds.
    const text = 'This sentence is long enough to be interrupted well before it ends. '.repeat(40);
    const interrupted = (): Promise<Result> => {
      const controller = new AbortController();
      let chunks = 0;
      return synthesize(text, 'en-us', {
        signal: controller.signal,
        onChunk: () => {
          if (++chunks === 2) controller.abort();
        },
      });
    };
    const results = await Promise.all([interrupted(), interrupted()]);
    for (const result of results) {
      expect(result.chunks).toBe(2);
      expect(result.durationMs).toBeLessThan(1000);
    }
    const next = await synthesize('Next.');
    expect(next.totalMs).toBeLessThan(500);
  });

  it.runIf(process.platform === 'linux')(
    'names its worker threads so operators and benchmarks see them',
    async () => {
      const own = new EspeakTts({ workers: 2 });
      await own.warmUp();
      const names = readdirSync('/proc/self/task').map((tid) => {
        try {
          return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        } catch {
          return '';
        }
      });
      await own.close();
      expect(names.filter((name) => name === ESPEAK_THREAD_NAME).length).toBeGreaterThanOrEqual(2);
    },
  );

  it('rejects an unknown voice with the list of voices', async () => {
    await expect(synthesize('x', 'xx-klingon')).rejects.toThrow(
      'unknown voice "xx-klingon"; known voices: en-us, en-gb, cmn, cmn-latn-pinyin',
    );
  });

  it('runs 8 requests on 2 threads and refuses a 9th beyond the queue bound as a capacity error', async () => {
    // Its own engine: jobs an earlier test aborted may still hold the shared one's threads on a loaded machine.
    const own = new EspeakTts({ workers: 2, maxQueue: 6 });
    await own.warmUp();
    const texts = Array.from({ length: 9 }, (_, i) => `Request number ${i + 1}.`);
    const results = await Promise.allSettled(texts.map((text) => synthesize(text, 'en-us', {}, own)));
    await own.close();
    const done = results.filter((r) => r.status === 'fulfilled');
    expect(done).toHaveLength(8);
    for (const r of done) expect(r.value.durationMs).toBeGreaterThan(500);
    // -101001 "not enough rendering compute": overload the caller may retry, not a drive failure.
    expect(results[8]).toMatchObject({ status: 'rejected', reason: { code: -101001 } });
  });

  it('rejects requests after close()', async () => {
    const closed = new EspeakTts();
    await closed.close();
    await closed.close();
    const iterator = closed.synthesize(
      { text: 'x', voice: 'en-us', speed: 1, volume: 0 },
      new AbortController().signal,
    );
    await expect(iterator.next()).rejects.toThrow('espeak.tts: closed');
  });
});
