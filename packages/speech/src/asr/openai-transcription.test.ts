import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AsrResult } from '@dhuman/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../audio/pcm.js';
import { ProviderError, ProviderStatusError, ProviderTimeoutError } from '../http/provider-errors.js';
import { OpenAiTranscriptionAsr, type OpenAiTranscriptionOptions } from './openai-transcription.js';

const KEY = 'sk-test-secret-0123456789';

interface Received {
  url: string;
  authorization: string | undefined;
  form: FormData;
}

type Reply = (res: ServerResponse, received: Received) => void;

/** An OpenAI-compatible transcription server on port 0 answering with `replies` in turn (the last repeats). */
class FakeServer {
  readonly requests: Received[] = [];
  private server: Server | undefined;

  constructor(private readonly replies: Reply[]) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1/`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const form = await new Response(Buffer.concat(parts), {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
    const received = { url: req.url ?? '', authorization: req.headers.authorization, form };
    this.requests.push(received);
    const reply = this.replies[Math.min(this.requests.length - 1, this.replies.length - 1)];
    reply?.(res, received);
  }
}

const json =
  (status: number, body: unknown): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
const silent: Reply = () => undefined;

class Collector {
  readonly results: AsrResult[] = [];
  readonly errors: Error[] = [];
  readonly handlers = {
    onResult: (result: AsrResult) => void this.results.push(result),
    onError: (error: Error) => void this.errors.push(error),
  };

  async settled(count = 1, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length + this.errors.length < count) {
      if (Date.now() > deadline) throw new Error('nothing reported');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function ramp(samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => ((i * 37) % 20_000) - 10_000);
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(replies: Reply[], options: Partial<OpenAiTranscriptionOptions> = {}) {
  server = new FakeServer(replies);
  const url = await server.start();
  const asr = new OpenAiTranscriptionAsr({
    url,
    model: 'whisper-1',
    apiKey: KEY,
    retryDelayMs: 10,
    ...options,
  });
  const collector = new Collector();
  const stream = await asr.open(collector.handlers);
  return { asr, stream, collector, requests: server.requests };
}

describe('OpenAiTranscriptionAsr', () => {
  it('posts the utterance as a 16 kHz mono WAV with the form fields, and reports the text', async () => {
    const { stream, collector, requests } = await setup(
      [json(200, { text: ' What are your opening hours? ' })],
      {
        language: 'en-US',
      },
    );
    const pcm = ramp(12_345);
    expect(stream.begin()).toBe(1);
    stream.write(pcm.subarray(0, 1000));
    stream.write(pcm.subarray(1000));
    stream.end();
    await collector.settled();
    expect(collector.results).toEqual([{ utterance: 1, text: 'What are your opening hours?', final: true }]);
    const [request] = requests;
    expect(request?.url).toBe('/v1/audio/transcriptions');
    expect(request?.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.form.get('model')).toBe('whisper-1');
    expect(request?.form.get('language')).toBe('en');
    expect(request?.form.get('response_format')).toBe('json');
    const file = request?.form.get('file') as File;
    expect(file.name).toBe('utterance.wav');
    expect(file.type).toBe('audio/wav');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(bytes.length).toBe(44 + pcm.length * 2);
    const wav = parseWav(bytes);
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(wav.pcm).toEqual(pcm);
  });

  it('sends no language unless one is set, and the open() language wins', async () => {
    server = new FakeServer([json(200, { text: 'ok' })]);
    const url = await server.start();
    const asr = new OpenAiTranscriptionAsr({ url, model: 'm' });
    expect(asr.capabilities).toEqual({ partials: false, languages: ['en-US', 'zh-CN'] });
    for (const language of [undefined, 'zh-CN']) {
      const collector = new Collector();
      const stream = await asr.open(collector.handlers, language ? { language } : {});
      stream.begin();
      stream.write(ramp(3200));
      stream.end();
      await collector.settled();
    }
    expect(server.requests.map((request) => request.form.get('language'))).toEqual([null, 'zh']);
    expect(server.requests[0]?.authorization).toBeUndefined();
    await expect(asr.open(new Collector().handlers, { language: '1234' })).rejects.toThrow(RangeError);
  });

  it('retries a server error, then reports the text', async () => {
    const { stream, collector, requests } = await setup([
      json(500, { error: { message: 'busy' } }),
      json(200, { text: 'hello' }),
    ]);
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    await collector.settled();
    expect(collector.results).toEqual([{ utterance: 1, text: 'hello', final: true }]);
    expect(collector.errors).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('does not retry a refused key, and never shows the key', async () => {
    const { stream, collector, requests } = await setup([
      json(401, { error: { message: `Incorrect API key provided: ${KEY}` } }),
    ]);
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    await collector.settled();
    const [error] = collector.errors;
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 401, category: 'authentication', retryable: false });
    expect(error?.message).toMatch(/HTTP 401 .*check the API key \(DHUMAN_ASR_KEY\).*\[redacted\]/);
    expect(error?.message).not.toContain(KEY);
    expect(requests).toHaveLength(1);
    expect(collector.results).toEqual([]);
    expect(() => stream.begin()).toThrow(/closed/);
  });

  it('times out a silent endpoint, retrying before it gives up', async () => {
    const { stream, collector, requests } = await setup([silent], { timeoutMs: 200, maxRetries: 1 });
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    await collector.settled();
    const [error] = collector.errors;
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(error).toMatchObject({ category: 'timeout', retryable: true });
    expect(error?.message).toMatch(
      /no answer from http:\/\/127\.0\.0\.1:\d+\/v1\/audio\/transcriptions within 200 ms/,
    );
    expect(requests).toHaveLength(2);
  });

  it('reports an answer without text as an invalid response', async () => {
    const { stream, collector } = await setup([json(200, { transcript: 'x' })]);
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    await collector.settled();
    expect(collector.errors[0]).toBeInstanceOf(ProviderError);
    expect(collector.errors[0]).toMatchObject({ category: 'invalid_response', retryable: false });
  });

  it('reports an unreachable endpoint as a connection error', async () => {
    server = new FakeServer([]);
    const url = await server.start();
    await server.close();
    const asr = new OpenAiTranscriptionAsr({ url, model: 'm', apiKey: KEY, maxRetries: 0 });
    const collector = new Collector();
    const stream = await asr.open(collector.handlers);
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    await collector.settled();
    expect(collector.errors[0]).toMatchObject({ category: 'connectivity', retryable: true });
    expect(collector.errors[0]?.message).toMatch(/connection to .* failed/);
  });

  it('keeps at most maxUtteranceMs of audio, and answers short utterances without a request', async () => {
    const { stream, collector, requests } = await setup([json(200, { text: 'long' })], {
      maxUtteranceMs: 1000,
    });
    stream.begin();
    for (let i = 0; i < 30; i++) stream.write(ramp(1600));
    stream.end();
    stream.begin();
    stream.write(ramp(800));
    stream.end();
    stream.begin();
    stream.end();
    await collector.settled(3);
    expect(collector.results).toEqual([
      { utterance: 1, text: 'long', final: true },
      { utterance: 2, text: '', final: true },
      { utterance: 3, text: '', final: true },
    ]);
    expect(requests).toHaveLength(1);
    const file = requests[0]?.form.get('file') as File;
    expect(file.size).toBe(44 + 16_000 * 2);
  });

  it('reports finals in utterance order even when the first request is slower', async () => {
    const { stream, collector } = await setup([
      (res) => setTimeout(() => json(200, { text: 'first' })(res, undefined as never), 200),
      json(200, { text: 'second' }),
    ]);
    for (let i = 0; i < 2; i++) {
      stream.begin();
      stream.write(ramp(4000));
      stream.end();
    }
    await collector.settled(2);
    expect(collector.results.map((result) => result.text)).toEqual(['first', 'second']);
  });

  it('aborts its request on close and reports nothing after', async () => {
    const { asr, stream, collector, requests } = await setup([silent]);
    stream.begin();
    stream.write(ramp(8000));
    stream.end();
    while (requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await asr.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(collector.results).toEqual([]);
    expect(collector.errors).toEqual([]);
    expect(() => stream.begin()).toThrow(/closed/);
    await expect(asr.open(collector.handlers)).rejects.toThrow('openai.transcription is closed');
  });

  it('checks its options and reads the environment', () => {
    expect(() => new OpenAiTranscriptionAsr({ url: 'http://u:p@host/v1', model: 'm' })).toThrow(/apiKey/);
    expect(() => new OpenAiTranscriptionAsr({ url: 'ftp://host/v1', model: 'm' })).toThrow(/http/);
    expect(() => new OpenAiTranscriptionAsr({ url: 'http://host/v1', model: '' })).toThrow(/model/);
    expect(OpenAiTranscriptionAsr.fromEnv({})).toBeUndefined();
    expect(() => OpenAiTranscriptionAsr.fromEnv({ DHUMAN_ASR_URL: 'http://host/v1' })).toThrow(
      /DHUMAN_ASR_MODEL/,
    );
    const asr = OpenAiTranscriptionAsr.fromEnv({
      DHUMAN_ASR_URL: 'http://host/v1',
      DHUMAN_ASR_MODEL: 'whisper-1',
      DHUMAN_ASR_KEY: KEY,
      DHUMAN_ASR_LANGUAGE: 'zh-CN',
    });
    expect(asr?.capabilities.languages).toEqual(['zh-CN']);
    expect(JSON.stringify(asr)).not.toContain(KEY);
  });
});
