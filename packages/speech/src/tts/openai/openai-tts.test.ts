import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TtsChunk, TtsRequest } from '@dhuman/core';
import { afterEach, describe, expect, it } from 'vitest';
import { wavFile } from '../../audio/pcm.js';
import { resample } from '../../audio/resample.js';
import { OPENAI_VOICES, OpenAiCompatibleTts } from './openai-tts.js';
import {
  ProviderConnectionError,
  ProviderError,
  ProviderStatusError,
  ProviderTimeoutError,
} from '../../http/provider-errors.js';

const KEY = 'sk-test-0123456789abcdef';
const REQUEST: TtsRequest = { text: 'Hello there.', voice: 'nova', speed: 1.25, volume: 0 };

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A fake OpenAI-compatible vendor on a real socket; `handle` plays the vendor for each request. */
interface Vendor {
  url: string;
  requests: Seen[];
  /** Resolves when the server sees a client connection close. */
  closed: Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

async function vendor(
  handle: (res: ServerResponse, attempt: number, req: IncomingMessage) => unknown,
): Promise<Vendor> {
  const requests: Seen[] = [];
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown,
      });
      Promise.resolve(handle(res, requests.length, req)).catch(() => res.destroy());
    });
    res.on('close', markClosed);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, closed };
}

const ramp = (n: number) => Int16Array.from({ length: n }, (_, i) => ((i * 53) % 4000) - 2000);
const bytesOf = (pcm: Int16Array) => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);

/** Writes `bytes` in pieces of the given sizes (cycling), pausing between them. */
async function writeInPieces(
  res: ServerResponse,
  bytes: Uint8Array,
  sizes: number[],
  pauseMs = 2,
): Promise<void> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    res.write(bytes.subarray(at, at + size));
    at += size;
    await sleep(pauseMs);
  }
}

async function collect(chunks: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

function joined(chunks: TtsChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.pcm, at);
    at += c.pcm.length;
  }
  return out;
}

function tts(url: string, options: Partial<ConstructorParameters<typeof OpenAiCompatibleTts>[0]> = {}) {
  return new OpenAiCompatibleTts({ url, model: 'tts-1', apiKey: KEY, retryDelayMs: 10, ...options });
}

describe('OpenAiCompatibleTts', () => {
  it('posts the OpenAI request and streams PCM split at odd byte counts as it arrives', async () => {
    const pcm = ramp(4801);
    let firstChunkSeen: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => (firstChunkSeen = resolve));
    const server = await vendor(async (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const bytes = bytesOf(pcm);
      await writeInPieces(res, bytes.subarray(0, 4001), [1, 333, 7, 1000]);
      // Hold the rest back until the client has yielded audio, which proves it streams.
      await seen;
      await writeInPieces(res, bytes.subarray(4001), [999, 3, 2048]);
      res.end();
    });
    const provider = tts(server.url);
    const chunks: TtsChunk[] = [];
    for await (const chunk of provider.synthesize(REQUEST, new AbortController().signal)) {
      chunks.push(chunk);
      firstChunkSeen();
    }
    expect(joined(chunks)).toEqual(pcm);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk).toMatchObject({ sampleRate: 24_000, phonemes: [], words: [] });

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/audio/speech');
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      model: 'tts-1',
      input: 'Hello there.',
      voice: 'nova',
      response_format: 'pcm',
      speed: 1.25,
    });
    await provider.close();
  });

  it('sends no Authorization header without a key, and the first voice when none is asked for', async () => {
    const server = await vendor((res) => {
      res.end(bytesOf(ramp(10)));
    });
    await collect(
      tts(server.url, { apiKey: undefined }).synthesize(
        { ...REQUEST, voice: '' },
        new AbortController().signal,
      ),
    );
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toMatchObject({ voice: 'alloy' });
  });

  it('resamples a 16 kHz WAV answer to 24 kHz', async () => {
    const pcm = ramp(8000);
    const server = await vendor(async (res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      await writeInPieces(res, wavFile(pcm, 16_000), [43, 3, 1001], 1);
      res.end();
    });
    const chunks = await collect(tts(server.url).synthesize(REQUEST, new AbortController().signal));
    expect(joined(chunks)).toEqual(resample(pcm, 16_000, 24_000));
    expect(chunks.every((c) => c.sampleRate === 24_000)).toBe(true);
  });

  it('applies the volume locally', async () => {
    const server = await vendor((res) => res.end(bytesOf(Int16Array.from([1000, -1000]))));
    const chunks = await collect(
      tts(server.url).synthesize({ ...REQUEST, volume: 10 }, new AbortController().signal),
    );
    expect(Array.from(joined(chunks))).toEqual([1995, -1995]);
  });

  it('retries server errors before any audio, then succeeds', async () => {
    const server = await vendor((res, attempt) => {
      if (attempt <= 2) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'overloaded' } }));
      } else {
        res.end(bytesOf(ramp(100)));
      }
    });
    const chunks = await collect(tts(server.url).synthesize(REQUEST, new AbortController().signal));
    expect(joined(chunks)).toEqual(ramp(100));
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries and reports the last status', async () => {
    const server = await vendor((res) => {
      res.writeHead(429, { 'x-request-id': 'req_42' });
      res.end('slow down');
    });
    const error = await collect(
      tts(server.url, { maxRetries: 1 }).synthesize(REQUEST, new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({
      status: 429,
      category: 'rate_limit',
      retryable: true,
      requestId: 'req_42',
    });
    expect((error as Error).message).toBe(
      'openai.tts: HTTP 429 from http://127.0.0.1:' +
        new URL(server.url).port +
        '/v1/audio/speech (rate limited): slow down',
    );
    expect(server.requests).toHaveLength(2);
  });

  it('fails at once on 401, naming authentication and never the key', async () => {
    const server = await vendor((res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.` } }));
    });
    const error = await collect(tts(server.url).synthesize(REQUEST, new AbortController().signal)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 401, category: 'authentication', retryable: false });
    const message = (error as Error).message;
    expect(message).toMatch(/authentication failed/);
    expect(message).toContain('Incorrect API key provided: [redacted].');
    expect(message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry 403 or a bad request', async () => {
    for (const status of [403, 400]) {
      const server = await vendor((res) => {
        res.writeHead(status);
        res.end(JSON.stringify({ detail: 'nope' }));
      });
      const error = await collect(tts(server.url).synthesize(REQUEST, new AbortController().signal)).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status, retryable: false });
      expect(server.requests).toHaveLength(1);
    }
  });

  it('times out a vendor that never answers, retrying it first', async () => {
    const server = await vendor(() => new Promise<void>(() => undefined));
    const started = performance.now();
    const error = await collect(
      tts(server.url, { timeoutMs: 150, maxRetries: 1 }).synthesize(REQUEST, new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect((error as Error).message).toMatch(/no data from .* for 150 ms/);
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('times out a stream that stalls after audio, without retrying (it would repeat the audio)', async () => {
    const server = await vendor(async (res) => {
      res.write(bytesOf(ramp(50)));
      await new Promise<void>(() => undefined);
    });
    const chunks: TtsChunk[] = [];
    const error = await (async () => {
      for await (const chunk of tts(server.url, { timeoutMs: 150 }).synthesize(
        REQUEST,
        new AbortController().signal,
      )) {
        chunks.push(chunk);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(joined(chunks)).toEqual(ramp(50));
    expect(server.requests).toHaveLength(1);
  });

  it('does not count a slow consumer as a silent vendor', async () => {
    const server = await vendor(async (res) => {
      await writeInPieces(res, bytesOf(ramp(300)), [200], 1);
      res.end();
    });
    const chunks: TtsChunk[] = [];
    for await (const chunk of tts(server.url, { timeoutMs: 100 }).synthesize(
      REQUEST,
      new AbortController().signal,
    )) {
      chunks.push(chunk);
      await sleep(150);
    }
    expect(joined(chunks)).toEqual(ramp(300));
  });

  it('reports a connection broken mid-stream, without retrying', async () => {
    const server = await vendor(async (res) => {
      res.write(bytesOf(ramp(64)));
      await sleep(20);
      res.socket?.destroy();
    });
    const chunks: TtsChunk[] = [];
    const error = await (async () => {
      for await (const chunk of tts(server.url).synthesize(REQUEST, new AbortController().signal))
        chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConnectionError);
    expect(joined(chunks)).toEqual(ramp(64));
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection and then reports it', async () => {
    const server = await vendor(() => undefined);
    const url = server.url;
    const dead = servers.pop();
    dead?.close();
    if (dead) await once(dead, 'close');
    const error = await collect(
      tts(url, { maxRetries: 1 }).synthesize(REQUEST, new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConnectionError);
    expect(error).toMatchObject({ retryable: true, category: 'connectivity' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('stops without error when aborted mid-stream, and closes the connection', async () => {
    const server = await vendor(async (res) => {
      for (let i = 0; i < 200; i++) {
        res.write(bytesOf(ramp(240)));
        await sleep(10);
      }
      res.end();
    });
    const controller = new AbortController();
    const chunks: TtsChunk[] = [];
    for await (const chunk of tts(server.url).synthesize(REQUEST, controller.signal)) {
      chunks.push(chunk);
      if (chunks.length === 2) controller.abort();
    }
    expect(chunks).toHaveLength(2);
    await server.closed;
  });

  it('yields nothing when the signal is already aborted', async () => {
    const server = await vendor((res) => res.end(bytesOf(ramp(10))));
    expect(await collect(tts(server.url).synthesize(REQUEST, AbortSignal.abort()))).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects audio formats it cannot read', async () => {
    const server = await vendor((res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(Buffer.from([0xff, 0xfb, 0x90, 0x00]));
    });
    const error = await collect(tts(server.url).synthesize(REQUEST, new AbortController().signal)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ category: 'invalid_response', retryable: false });
    expect((error as Error).message).toMatch(/answered audio\/mpeg; it must honour response_format "pcm"/);
  });

  it('close() ends streams in flight and refuses new ones', async () => {
    const server = await vendor(async (res) => {
      res.write(bytesOf(ramp(10)));
      await new Promise<void>(() => undefined);
    });
    const provider = tts(server.url);
    const chunks: TtsChunk[] = [];
    for await (const chunk of provider.synthesize(REQUEST, new AbortController().signal)) {
      chunks.push(chunk);
      await provider.close();
    }
    expect(chunks).toHaveLength(1);
    await provider.close();
    await expect(collect(provider.synthesize(REQUEST, new AbortController().signal))).rejects.toThrow(
      'openai.tts is closed',
    );
  });

  it('offers OpenAI’s voices by default and identifies itself', () => {
    const provider = tts('http://127.0.0.1:1/v1');
    expect(provider.voices()).toBe(OPENAI_VOICES);
    expect(provider.voices().map((v) => v.key)).toEqual([
      'alloy',
      'echo',
      'fable',
      'onyx',
      'nova',
      'shimmer',
    ]);
    expect(provider.label).toBe('openai.tts');
    expect(provider.capabilities.phonemeTimings).toBe(false);
    expect(JSON.stringify(provider)).not.toContain(KEY);
    expect(() => tts('http://user:pass@127.0.0.1/v1')).toThrow('put credentials in apiKey');
  });
});

describe('OpenAiCompatibleTts.fromEnv', () => {
  it('is undefined when DHUMAN_TTS_URL is unset', () => {
    expect(OpenAiCompatibleTts.fromEnv({})).toBeUndefined();
    expect(OpenAiCompatibleTts.fromEnv({ DHUMAN_TTS_URL: '', DHUMAN_TTS_MODEL: 'tts-1' })).toBeUndefined();
  });

  it('needs DHUMAN_TTS_MODEL with DHUMAN_TTS_URL, and says so without echoing the key', () => {
    const call = () =>
      OpenAiCompatibleTts.fromEnv({ DHUMAN_TTS_URL: 'http://127.0.0.1:8880/v1', DHUMAN_TTS_KEY: KEY });
    expect(call).toThrow(/DHUMAN_TTS_URL is set but DHUMAN_TTS_MODEL is not/);
    expect(call).not.toThrow(new RegExp(KEY));
    expect(() => OpenAiCompatibleTts.fromEnv({ DHUMAN_TTS_URL: 'not a url', DHUMAN_TTS_MODEL: 'm' })).toThrow(
      'DHUMAN_TTS_URL is not a valid URL',
    );
  });

  it('uses the model and key from the environment', async () => {
    const server = await vendor((res) => res.end(bytesOf(ramp(4))));
    const provider = OpenAiCompatibleTts.fromEnv({
      DHUMAN_TTS_URL: server.url,
      DHUMAN_TTS_MODEL: 'kokoro',
      DHUMAN_TTS_KEY: KEY,
    });
    expect(provider).toBeInstanceOf(OpenAiCompatibleTts);
    await collect(provider!.synthesize(REQUEST, new AbortController().signal));
    expect(server.requests[0]?.body).toMatchObject({ model: 'kokoro' });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
