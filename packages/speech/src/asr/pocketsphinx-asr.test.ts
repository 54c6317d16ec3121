import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AsrResult, AsrStream } from '@dhuman/core';
import { afterEach, describe, expect, it } from 'vitest';
import { concatPcm, fliteSpeech, silence, wer } from './asr-test-support.js';
import { PocketsphinxAsr, type PocketsphinxStream } from './pocketsphinx-asr.js';

const SENTENCES = [
  'what are your opening hours',
  'where is the nearest train station',
  'can I pay with a credit card',
];
const LONG_SENTENCE =
  'I would like to book a table for two people tomorrow evening and I would also like to know if you have ' +
  'any vegetarian dishes on the menu';

/** Chunk sizes of 20–100 ms, varying from chunk to chunk as a browser's would. */
function* recordedChunks(pcm: Int16Array): Generator<Int16Array> {
  const sizesMs = [20, 100, 40, 60, 80, 20, 100, 50];
  for (let offset = 0, i = 0; offset < pcm.length; i++) {
    const samples = (sizesMs[i % sizesMs.length] ?? 20) * 16;
    yield pcm.subarray(offset, offset + samples);
    offset += samples;
  }
}

class Collector {
  readonly results: AsrResult[] = [];
  readonly errors: Error[] = [];
  private waiters: (() => void)[] = [];
  readonly handlers = {
    onResult: (result: AsrResult) => {
      this.results.push(result);
      this.wake();
    },
    onError: (error: Error) => {
      this.errors.push(error);
      this.wake();
    },
  };

  async final(utterance: number, timeoutMs = 10_000): Promise<AsrResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.results.find((result) => result.final && result.utterance === utterance);
      if (found) return found;
      const [error] = this.errors;
      if (error) throw error;
      if (Date.now() > deadline) throw new Error(`no final result for utterance ${utterance}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async error(timeoutMs = 5000): Promise<Error> {
    const deadline = Date.now() + timeoutMs;
    while (this.errors.length === 0 && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    const error = this.errors[0];
    if (!error) throw new Error('no error reported');
    return error;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !alive(pid);
}

const asr = new PocketsphinxAsr();
const opened: AsrStream[] = [];

async function open(collector: Collector, provider = asr): Promise<PocketsphinxStream> {
  const stream = (await provider.open(collector.handlers)) as PocketsphinxStream;
  opened.push(stream);
  return stream;
}

afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
});

describe('PocketsphinxAsr', () => {
  it('transcribes flite sentences with at most 20 % word errors', { timeout: 60_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector);
    for (const [index, text] of SENTENCES.entries()) {
      const pcm = concatPcm(silence(200), fliteSpeech(text, 'slt'), silence(300));
      const n = stream.begin();
      expect(n).toBe(index + 1);
      for (const chunk of recordedChunks(pcm)) stream.write(chunk);
      stream.end();
      const final = await collector.final(n);
      expect(wer(text, final.text), `${text} → ${final.text}`).toBeLessThanOrEqual(0.2);
    }
    expect(collector.errors).toEqual([]);
    expect(stream.droppedSamples).toBe(0);
  });

  it('transcribes with the first pass only, when asked to', { timeout: 30_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector, new PocketsphinxAsr({ firstPassOnly: true }));
    const n = stream.begin();
    for (const chunk of recordedChunks(fliteSpeech(SENTENCES[0] ?? '', 'slt'))) stream.write(chunk);
    stream.end();
    expect(wer(SENTENCES[0] ?? '', (await collector.final(n)).text)).toBeLessThanOrEqual(0.2);
  });

  it('sends partial results before the final one of a long sentence', { timeout: 60_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector);
    const n = stream.begin();
    for (const chunk of recordedChunks(fliteSpeech(LONG_SENTENCE, 'slt'))) stream.write(chunk);
    stream.end();
    const final = await collector.final(n, 30_000);
    const partials = collector.results.filter((result) => !result.final);
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(collector.results.at(-1)).toBe(final);
    for (const partial of partials) {
      expect(partial.utterance).toBe(n);
      expect(partial.text).not.toBe('');
    }
    expect(new Set(partials.map((partial) => partial.text)).size).toBe(partials.length);
    expect(wer(LONG_SENTENCE, final.text)).toBeLessThanOrEqual(0.2);
  });

  it(
    'gives an empty final result for an utterance without speech, and ignores audio between utterances',
    {
      timeout: 30_000,
    },
    async () => {
      const collector = new Collector();
      const stream = await open(collector);
      stream.write(fliteSpeech('hello there', 'slt'));
      stream.end();
      const n = stream.begin();
      stream.write(silence(500));
      stream.end();
      expect((await collector.final(n)).text).toBe('');
      expect(collector.results).toHaveLength(1);
    },
  );

  it('ends the open utterance when the next one begins', { timeout: 30_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector);
    const first = stream.begin();
    stream.write(fliteSpeech('what are your opening hours', 'slt'));
    const second = stream.begin();
    stream.end();
    expect(wer('what are your opening hours', (await collector.final(first)).text)).toBeLessThanOrEqual(0.2);
    expect((await collector.final(second)).text).toBe('');
  });

  it('kills its recogniser process on close, and sends nothing after', { timeout: 30_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector);
    const pid = stream.pid ?? 0;
    expect(alive(pid)).toBe(true);
    stream.begin();
    stream.write(fliteSpeech('what are your opening hours', 'slt'));
    stream.end();
    stream.close();
    stream.close();
    expect(await gone(pid)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(collector.results).toEqual([]);
    expect(collector.errors).toEqual([]);
    expect(() => stream.begin()).toThrow(/closed/);
  });

  it('reports a recogniser that dies through onError', { timeout: 30_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector);
    process.kill(stream.pid ?? 0, 'SIGKILL');
    expect((await collector.error()).message).toMatch(/pocketsphinx: recogniser process exited unexpectedly/);
    expect(() => stream.begin()).toThrow(/closed/);
  });

  it(
    'rejects open() with a clear message when a model or library is missing',
    { timeout: 30_000 },
    async () => {
      const handlers = new Collector().handlers;
      await expect(new PocketsphinxAsr({ hmm: '/nonexistent/en-us' }).open(handlers)).rejects.toThrow(
        'pocketsphinx: no acoustic model at /nonexistent/en-us (install the Debian package pocketsphinx-en-us',
      );
      await expect(new PocketsphinxAsr({ lm: '/nonexistent/x.lm.bin' }).open(handlers)).rejects.toThrow(
        /no language model at \/nonexistent\/x\.lm\.bin/,
      );
      await expect(new PocketsphinxAsr({ dict: '/nonexistent/x.dict' }).open(handlers)).rejects.toThrow(
        /no pronunciation dictionary at \/nonexistent\/x\.dict/,
      );
      await expect(
        new PocketsphinxAsr({ pocketsphinxLibrary: 'libnope.so.3' }).open(handlers),
      ).rejects.toThrow(/libnope\.so\.3.*install the Debian packages libpocketsphinx3 and libsphinxbase3/);
    },
  );

  it('quotes the decoder’s log when it cannot load a model', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dhuman-ps-'));
    try {
      writeFileSync(join(dir, 'x.lm.bin'), 'not a language model');
      await expect(
        new PocketsphinxAsr({ lm: join(dir, 'x.lm.bin') }).open(new Collector().handlers),
      ).rejects.toThrow(
        /pocketsphinx: the decoder could not load its models; its log says: ERROR: .*x\.lm\.bin/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses languages other than English', async () => {
    await expect(asr.open(new Collector().handlers, { language: 'zh-CN' })).rejects.toThrow(
      'pocketsphinx recognises US English (en-US) only, not "zh-CN"',
    );
  });

  it('drops audio beyond maxQueuedMs instead of queueing it without bound', { timeout: 30_000 }, async () => {
    const collector = new Collector();
    const stream = await open(collector, new PocketsphinxAsr({ maxQueuedMs: 500 }));
    const n = stream.begin();
    for (let i = 0; i < 20; i++) stream.write(silence(100));
    stream.end();
    await collector.final(n);
    expect(stream.droppedSamples).toBeGreaterThan(0);
    expect(stream.droppedSamples).toBeLessThanOrEqual(15 * 1600);
  });

  it('closes its streams when the provider closes, then refuses to open', { timeout: 30_000 }, async () => {
    const provider = new PocketsphinxAsr();
    const stream = await open(new Collector(), provider);
    const pid = stream.pid ?? 0;
    const pending = provider.open(new Collector().handlers).then(
      () => undefined,
      (error: unknown) => error,
    );
    await provider.close();
    expect(await gone(pid)).toBe(true);
    expect(await pending).toMatchObject({ message: expect.stringMatching(/closed/) });
    await expect(provider.open(new Collector().handlers)).rejects.toThrow('pocketsphinx is closed');
  });
});
