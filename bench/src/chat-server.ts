import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible `/chat/completions` endpoint that streams scripted answers over SSE, for the
 * conversation benchmark (a model that answers instantly, so what is measured is dhuman) and the integration
 * tests (slow first token, a failure mid-answer, reasoning content). It is a benchmark peer and test fixture,
 * never part of the product: dhuman itself only ever calls such an endpoint.
 */
export interface ScriptedAnswer {
  /** Reply text, sent as one SSE chunk per piece. */
  pieces: string[];
  /** Sent as `reasoning_content` before the answer. */
  reasoning?: string[];
  /** Wait before the first chunk. */
  firstChunkDelayMs?: number;
  /** Wait between chunks. */
  chunkDelayMs?: number;
  /** Destroy the connection after this many answer pieces (a model server crashing mid-answer). */
  failAfter?: number;
  /** Answer with this HTTP status and an OpenAI-style error body instead. */
  status?: number;
}

export interface ChatRequestSeen {
  body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] };
  authorization: string | undefined;
  /** True once the client went away before the answer was complete (cancellation). */
  aborted: boolean;
}

export interface ScriptedChatServer {
  /** API base to give as DHUMAN_LLM_URL, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  requests: ChatRequestSeen[];
  close(): Promise<void>;
}

/** `answer` picks the script from the last user message. */
export async function startScriptedChatServer(
  answer: (question: string) => ScriptedAnswer,
): Promise<ScriptedChatServer> {
  const requests: ChatRequestSeen[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const seen: ChatRequestSeen = {
        body: JSON.parse(await readBody(req)) as ChatRequestSeen['body'],
        authorization: req.headers.authorization,
        aborted: false,
      };
      requests.push(seen);
      let finished = false;
      res.on('close', () => (seen.aborted = !finished));
      const question = seen.body.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
      const script = answer(question);
      if (script.status) {
        res.writeHead(script.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `scripted ${script.status}`, type: 'test' } }));
        finished = true;
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      await sleep(script.firstChunkDelayMs ?? 0);
      const send = (delta: Record<string, string>) =>
        res.write(
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta }] })}\n\n`,
        );
      for (const piece of script.reasoning ?? []) {
        if (res.destroyed) return;
        send({ reasoning_content: piece });
        await sleep(script.chunkDelayMs ?? 0);
      }
      for (const [i, piece] of script.pieces.entries()) {
        if (res.destroyed) return;
        if (script.failAfter !== undefined && i >= script.failAfter) {
          // Let what was written reach the client first: destroy() drops unsent data.
          await sleep(100);
          res.destroy();
          return;
        }
        send({ content: piece });
        await sleep(script.chunkDelayMs ?? 0);
      }
      res.end('data: [DONE]\n\n');
      finished = true;
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
