import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRecord } from '@dhuman/core';
import { ERRORS, IvhError, SESSION_STATUS } from '@dhuman/protocol';
import { iceServerLink, type IceServer } from '../stream/ice-servers.js';
import { HLS_PREFIX, PLAY_PAGE_PREFIX, WHEP_PREFIX } from '../stream/play-addresses.js';
import type { StreamTokens } from '../stream/play-tokens.js';
import type { SessionStreams } from '../stream/session-streams.js';
import { pageCsp } from './static-routes.js';

export interface StreamRoutesOptions {
  streams: SessionStreams;
  tokens: StreamTokens;
  /** A session by id alone: the play token, not a signature, is the credential here. */
  findSession: (sessionId: string) => SessionRecord | undefined;
  iceServers: IceServer[];
  webDir: string;
}

/** An SDP offer is a few KB; 64 KB leaves room for many candidates and still bounds memory per request. */
const SDP_LIMIT_BYTES = 64 * 1024;
/** How long a first HLS request waits for the first segment of a stream it started. */
const PLAYLIST_WAIT_MS = 8_000;
const SESSION_ID = '[A-Za-z0-9_-]{1,64}';
const SEGMENT = /^seg\d{5}\.ts$/;

/** A refusal with an HTTP status (WHEP and HLS clients act on statuses) and an IVH code in a small JSON body. */
class StreamRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const HTTP_STATUS_OF: Record<number, number> = {
  [ERRORS.CONCURRENCY_LIMIT_EXCEEDED.code]: 503,
  [ERRORS.SESSION_NOT_READY.code]: 503,
  [ERRORS.SESSION_CLOSED.code]: 404,
  [ERRORS.INVALID_PARAMETER.code]: 400,
};

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  const refusal =
    error instanceof StreamRefusal
      ? error
      : error instanceof IvhError
        ? new StreamRefusal(HTTP_STATUS_OF[error.code] ?? 500, error.code, error.message)
        : new StreamRefusal(500, ERRORS.INTERNAL_SYSTEM_ERROR.code, 'the stream could not be served');
  if (refusal.status === 503) reply.header('retry-after', '5');
  return reply
    .code(refusal.status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ Code: refusal.code, Message: refusal.message });
}

/**
 * The watch side of sessions (issue 6), authenticated by the session's play token rather than a signature so a
 * plain `<video>`, hls.js or ffmpeg can use the address as is:
 * - `GET /dhuman/play/<id>?token=` the player page (WebRTC through WHEP);
 * - `POST /dhuman/whep/<id>?token=` WHEP (draft-ietf-wish-whep): SDP offer in, 201 + answer + Location out;
 *   `DELETE` on the Location leaves; `OPTIONS` lists the ICE servers as `Link` headers;
 * - `GET /dhuman/live/<id>.m3u8?token=` and its segments: HLS.
 */
export async function registerStreamRoutes(
  app: FastifyInstance,
  options: StreamRoutesOptions,
): Promise<void> {
  const { streams, tokens, findSession } = options;
  const links = options.iceServers.map(iceServerLink);

  /** The live session a token opens, or a refusal: 403 for a wrong token, 404 for no live session. */
  const authorize = (sessionId: string, request: FastifyRequest): SessionRecord => {
    const token = (request.query as Record<string, unknown>).token;
    if (!tokens.verify(sessionId, token)) {
      throw new StreamRefusal(403, ERRORS.UNAUTHORIZED.code, 'missing or wrong token for this session');
    }
    const session = findSession(sessionId);
    if (!session || session.status === SESSION_STATUS.CLOSED || session.status === SESSION_STATUS.FAILED) {
      throw new StreamRefusal(404, ERRORS.SESSION_CLOSED.code, 'the session is closed');
    }
    if (session.status !== SESSION_STATUS.READY) {
      throw new StreamRefusal(503, ERRORS.SESSION_NOT_READY.code, 'the session is still preparing');
    }
    return session;
  };

  await app.register((scope, _options, done) => {
    // Every body here is taken as text (the SDP offer; anything else is refused by the route with 415), never
    // given to the app's JSON envelope parser.
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: SDP_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );

    scope.get<{ Params: { id: string } }>(`${PLAY_PAGE_PREFIX}:id`, async (request, reply) => {
      const { id } = request.params;
      try {
        if (!new RegExp(`^${SESSION_ID}$`).test(id))
          throw new StreamRefusal(404, ERRORS.SESSION_CLOSED.code, 'no such session');
        authorize(id, request);
      } catch (error) {
        if (!(error instanceof StreamRefusal) || error.code !== ERRORS.SESSION_NOT_READY.code)
          return refuse(reply, error);
        // A preparing session: the page itself waits and retries.
      }
      let page: string;
      try {
        page = await readFile(join(options.webDir, 'play.html'), 'utf8');
      } catch {
        return reply
          .code(500)
          .type('text/plain; charset=utf-8')
          .send('The player page is not built: run `npm run build`.\n');
      }
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', pageCsp(request.headers.host))
        .type('text/html; charset=utf-8')
        .send(page);
    });

    const whepPath = `${WHEP_PREFIX}:id`;
    scope.options<{ Params: { id: string } }>(whepPath, (request, reply) => {
      try {
        authorize(request.params.id, request);
      } catch (error) {
        return refuse(reply, error);
      }
      if (links.length > 0) reply.header('link', links);
      return reply.code(204).header('accept-post', 'application/sdp').send();
    });

    scope.post<{ Params: { id: string } }>(whepPath, async (request, reply) => {
      try {
        const session = authorize(request.params.id, request);
        if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/sdp') {
          throw new StreamRefusal(
            415,
            ERRORS.INVALID_PARAMETER.code,
            'send the SDP offer as Content-Type: application/sdp',
          );
        }
        const offer = typeof request.body === 'string' ? request.body : '';
        if (!offer.startsWith('v=0'))
          throw new StreamRefusal(400, ERRORS.INVALID_PARAMETER.code, 'the body is not an SDP offer');
        let answer: { viewerId: string; answerSdp: string };
        try {
          answer = await streams.addViewer(session, offer);
        } catch (error) {
          if (error instanceof IvhError || error instanceof StreamRefusal) throw error;
          request.log.warn({ err: error, sessionId: session.sessionId }, 'WHEP offer refused');
          throw new StreamRefusal(
            400,
            ERRORS.INVALID_PARAMETER.code,
            'the SDP offer could not be answered (it needs recvonly H.264 video and Opus audio)',
          );
        }
        const token = tokens.token(session.sessionId);
        if (links.length > 0) reply.header('link', links);
        return reply
          .code(201)
          .header('location', `${WHEP_PREFIX}${session.sessionId}/${answer.viewerId}?token=${token}`)
          .header('cache-control', 'no-store')
          .type('application/sdp')
          .send(answer.answerSdp);
      } catch (error) {
        return refuse(reply, error);
      }
    });

    scope.patch(`${WHEP_PREFIX}:id/:viewer`, (_request, reply) =>
      reply.code(405).header('allow', 'DELETE').send(),
    );

    scope.delete<{ Params: { id: string; viewer: string } }>(
      `${WHEP_PREFIX}:id/:viewer`,
      (request, reply) => {
        const { id, viewer } = request.params;
        if (!tokens.verify(id, (request.query as Record<string, unknown>).token)) {
          return refuse(
            reply,
            new StreamRefusal(403, ERRORS.UNAUTHORIZED.code, 'missing or wrong token for this session'),
          );
        }
        if (!streams.removeViewer(id, viewer)) {
          return refuse(reply, new StreamRefusal(404, ERRORS.SESSION_CLOSED.code, 'no such viewer'));
        }
        return reply.code(200).send();
      },
    );

    scope.get<{ Params: { file: string } }>(`${HLS_PREFIX}:file`, async (request, reply) => {
      try {
        const match = new RegExp(`^(${SESSION_ID})\\.m3u8$`).exec(request.params.file);
        if (!match?.[1]) throw new StreamRefusal(404, ERRORS.INVALID_PARAMETER.code, 'no such playlist');
        const session = authorize(match[1], request);
        const dir = await streams.hlsDir(session);
        const playlist = await waitForPlaylist(join(dir, 'index.m3u8'));
        if (playlist === undefined)
          throw new StreamRefusal(
            503,
            ERRORS.SESSION_NOT_READY.code,
            'the stream is starting; retry shortly',
          );
        // Watching is counted from when the player got its answer, not from when it asked (the first playlist
        // waits for the stream's first segment).
        streams.markWatched(session.sessionId);
        const token = tokens.token(session.sessionId);
        // Segment names become paths under the session, carrying the token (players keep no query of their own).
        const body = playlist.replace(/^(seg\d{5}\.ts)$/gm, `${session.sessionId}/$1?token=${token}`);
        return reply
          .header('cache-control', 'no-cache')
          .header('access-control-allow-origin', '*')
          .type('application/vnd.apple.mpegurl')
          .send(body);
      } catch (error) {
        return refuse(reply, error);
      }
    });

    scope.get<{ Params: { id: string; segment: string } }>(
      `${HLS_PREFIX}:id/:segment`,
      async (request, reply) => {
        try {
          const { id, segment } = request.params;
          if (!SEGMENT.test(segment))
            throw new StreamRefusal(404, ERRORS.INVALID_PARAMETER.code, 'no such segment');
          const session = authorize(id, request);
          const dir = await streams.hlsDir(session);
          let data: Buffer;
          try {
            data = await readFile(join(dir, segment));
          } catch {
            throw new StreamRefusal(404, ERRORS.INVALID_PARAMETER.code, 'the segment has expired');
          }
          streams.markWatched(session.sessionId);
          return reply
            .header('cache-control', 'max-age=60')
            .header('access-control-allow-origin', '*')
            .type('video/mp2t')
            .send(data);
        } catch (error) {
          return refuse(reply, error);
        }
      },
    );
    done();
  });
}

/** The playlist once it lists a segment; undefined after PLAYLIST_WAIT_MS. */
async function waitForPlaylist(path: string): Promise<string | undefined> {
  const deadline = Date.now() + PLAYLIST_WAIT_MS;
  for (;;) {
    try {
      const text = await readFile(path, 'utf8');
      if (/^seg\d{5}\.ts$/m.test(text)) return text;
    } catch {
      // not written yet
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
