import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DialogueChunk, DialogueRequest } from '@dhuman/core';
import { OpenAiChatDialogue, type OpenAiChatOptions } from './openai-chat.js';

/**
 * Helpers for the chat engine's tests (kept out of the build with the other *-test-support.ts files): a fake
 * OpenAI-compatible vendor on a real socket (port 0) that hands each request to `handle` with its parsed body,
 * helpers that write SSE the way vendors do, and a bench that pairs vendors with engines and closes both.
 */

export const TEST_KEY = 'sk-test-0123456789abcdef';

export interface SeenRequest {
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Resolves when the response closes: true when the client went away before the response ended. */
  closed: Promise<boolean>;
}

export interface FakeChatVendor {
  /** The API base (`…/v1`) to give the engine. */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type VendorHandler = (res: ServerResponse, attempt: number, seen: SeenRequest) => unknown;

export async function fakeChatVendor(handle: VendorHandler): Promise<FakeChatVendor> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    const closed = once(res, 'close').then(
      () => !res.writableEnded,
      () => true,
    );
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const seen: SeenRequest = {
        url: req.url,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>,
        closed,
      };
      requests.push(seen);
      Promise.resolve(handle(res, requests.length, seen)).catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Starts an SSE response. */
export function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** One `data:` event carrying `payload` (JSON unless a string is given). */
export function sendEvent(res: ServerResponse, payload: unknown): void {
  res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

/** A chunk of the answer, as `/chat/completions` streams it. */
export function delta(fields: Record<string, unknown>, finishReason: string | null = null): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    model: 'test-model',
    choices: [{ index: 0, delta: fields, finish_reason: finishReason }],
  };
}

/** Streams `pieces` as content deltas, then a finish and `[DONE]`, pausing `pauseMs` between events. */
export async function streamAnswer(res: ServerResponse, pieces: string[], pauseMs = 1): Promise<void> {
  startStream(res);
  sendEvent(res, delta({ role: 'assistant', content: '' }));
  for (const piece of pieces) {
    await pause(pauseMs);
    sendEvent(res, delta({ content: piece }));
  }
  sendEvent(res, delta({}, 'stop'));
  sendEvent(res, '[DONE]');
  res.end();
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Vendors and engines made for one test file; close() after each test. */
export class ChatBench {
  private readonly vendors: FakeChatVendor[] = [];
  private readonly engines: OpenAiChatDialogue[] = [];

  /** A vendor playing `handle`, and an engine for it with the test key and 1 ms retry delays. */
  async setup(
    handle: VendorHandler,
    options: Partial<OpenAiChatOptions> = {},
  ): Promise<{ vendor: FakeChatVendor; engine: OpenAiChatDialogue }> {
    const vendor = this.vendor(await fakeChatVendor(handle));
    const engine = this.engine(
      new OpenAiChatDialogue({
        url: vendor.url,
        model: 'test-model',
        apiKey: TEST_KEY,
        fallbackAnswer: 'Sorry.',
        retryDelayMs: 1,
        ...options,
      }),
    );
    return { vendor, engine };
  }

  vendor(vendor: FakeChatVendor): FakeChatVendor {
    this.vendors.push(vendor);
    return vendor;
  }

  engine(engine: OpenAiChatDialogue): OpenAiChatDialogue {
    this.engines.push(engine);
    return engine;
  }

  async close(): Promise<void> {
    for (const engine of this.engines.splice(0)) engine.close();
    for (const vendor of this.vendors.splice(0)) await vendor.close();
  }
}

/**
 * The first fetch of a process loads undici, which can take longer than the short timeouts the tests use;
 * doing it once beforehand keeps them about the vendor, not about module loading.
 */
export async function warmUpFetch(): Promise<void> {
  const vendor = await fakeChatVendor((res) => res.end('{}'));
  await fetch(vendor.url, { method: 'POST', body: '{}' }).then((response) => response.text());
  await vendor.close();
}

export function ask(question: string, extra: Partial<DialogueRequest> = {}): DialogueRequest {
  return { question, history: [], signal: new AbortController().signal, ...extra };
}

/** Collects the chunks; a failure is returned beside what came before it. */
export async function collect(
  iterable: AsyncIterable<DialogueChunk>,
): Promise<{ chunks: DialogueChunk[]; error: unknown }> {
  const chunks: DialogueChunk[] = [];
  try {
    for await (const chunk of iterable) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

export const textOf = (chunks: DialogueChunk[]): string =>
  chunks.map((chunk) => (chunk.kind === 'text' ? chunk.text : '')).join('');
export const reasoningOf = (chunks: DialogueChunk[]): string =>
  chunks.map((chunk) => (chunk.kind === 'reasoning' ? chunk.text : '')).join('');
