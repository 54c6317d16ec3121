import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for an IVH gateway on a real socket (port 0), so SDK tests exercise the actual wire:
 * it records every request as received and answers whatever the test's `respond` returns.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query exactly as it arrived, before any decoding. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** An answer: a JSON value (or raw text) with a status, or `'hang'` to never answer. */
export type Reply = { status?: number; json: unknown } | { status?: number; text: string } | 'hang';

export interface FakeIvhServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  respond: (request: RecordedRequest) => Reply;
  close(): Promise<void>;
}

/** A `Code` 0 envelope around `payload`. */
export function ok(payload: Record<string, unknown>): Reply {
  return {
    json: {
      Header: { Code: 0, Message: '', RequestID: 'rid-ok', SessionID: '', DialogID: '' },
      Payload: payload,
    },
  };
}

/** An error envelope, as the real service sends it: HTTP 200, `Payload: {}`. */
export function fail(code: number, message: string, requestId = 'rid-fail'): Reply {
  return {
    json: {
      Header: { Code: code, Message: message, RequestID: requestId, SessionID: '', DialogID: '' },
      Payload: {},
    },
  };
}

/** Answers `replies` in order, then repeats the last one. */
export function sequence(...replies: Reply[]): () => Reply {
  let next = 0;
  return () => {
    const reply = replies[Math.min(next, replies.length - 1)];
    next += 1;
    if (reply === undefined) throw new Error('sequence() needs at least one reply');
    return reply;
  };
}

function echoReqId(request: RecordedRequest): Reply {
  const body = JSON.parse(request.rawBody) as { Payload?: { ReqId?: unknown } };
  return ok({ ReqId: body.Payload?.ReqId ?? '' });
}

export async function startFakeIvhServer(): Promise<FakeIvhServer> {
  const requests: RecordedRequest[] = [];
  const state: Pick<FakeIvhServer, 'respond'> = { respond: echoReqId };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.url ?? '/';
      const mark = target.indexOf('?');
      const rawQuery = mark === -1 ? '' : target.slice(mark + 1);
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: mark === -1 ? target : target.slice(0, mark),
        rawQuery,
        query: new URLSearchParams(rawQuery),
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const reply = state.respond(recorded);
      if (reply === 'hang') return;
      const text = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' }).end(text);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    get respond() {
      return state.respond;
    },
    set respond(fn) {
      state.respond = fn;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive, and a 'hang' reply leaves one open; neither may hold the test up.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
