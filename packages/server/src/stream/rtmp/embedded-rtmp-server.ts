// The RTMP server dhuman runs for rtmp sessions that have no push URL: the session's ffmpeg publishes to it and
// viewers pull from it. The protocol work (handshake, chunking, fan-out, GOP cache) is node-media-server's; we
// use only its RTMP connection class on a net.Server we own, so no HTTP, WebSocket-FLV, admin API, store
// directory or recorder is ever created. Those classes are not the package's public API (see
// node-media-server.d.ts); it is pinned to 4.4.3 and the tests in this folder exercise every internal we touch.
import { createServer, type Server, type Socket } from 'node:net';
import Context from 'node-media-server/src/core/context.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';

/**
 * Drops a connection that sent and received nothing for this long: a half-open socket, a client stuck in the
 * handshake, or a player of a stream whose publisher never came back. A live stream sends several messages a
 * second, and a restarted publisher is back well within this.
 */
export const RTMP_IDLE_TIMEOUT_MS = 30_000;

/**
 * A player whose unsent data passes this is dropped. The package writes to players without backpressure, so a
 * slow viewer would otherwise buffer without bound; at our ~2 Mbit/s this is about 30 s behind live.
 */
export const RTMP_MAX_PLAYER_BACKLOG_BYTES = 8 * 1024 * 1024;

/** How long a refused client gets to read the error status before its socket is destroyed. */
const REFUSED_LINGER_MS = 2_000;

export interface EmbeddedRtmpServerLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

export interface EmbeddedRtmpServerOptions {
  /** Bind address, e.g. '127.0.0.1' or '0.0.0.0'. */
  host: string;
  /** 0 = any free port; `port` then reports the one bound. */
  port: number;
  /**
   * Decides whether a publish or play may go ahead. app is e.g. 'live', stream the stream name (SessionId),
   * query the URL's query. A throw counts as a refusal.
   */
  authorize(kind: 'publish' | 'play', app: string, stream: string, query: URLSearchParams): boolean;
  /** Receives our events and the package's own log lines (which would otherwise go to console.log). */
  log: EmbeddedRtmpServerLog;
}

/**
 * - `RTMP_LISTEN_FAILED`: the port could not be bound (`cause` is the system error, e.g. EADDRINUSE).
 * - `RTMP_ALREADY_RUNNING`: another embedded RTMP server is open in this process (see `EmbeddedRtmpServer`).
 */
export type EmbeddedRtmpServerErrorCode = 'RTMP_LISTEN_FAILED' | 'RTMP_ALREADY_RUNNING';

export class EmbeddedRtmpServerError extends Error {
  override readonly name = 'EmbeddedRtmpServerError';

  constructor(
    readonly code: EmbeddedRtmpServerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The log of the open server, or null. The package keeps its streams (`Context.broadcasts`, keyed by
 * `/app/stream`) and its logger in module-level singletons, so two servers in one process would share streams:
 * a publisher on one would be playable on the other. Hence one open server per process, enforced by `start`.
 */
let openLog: EmbeddedRtmpServerLog | null = null;

/** Sends the package's log lines to the open server's log; with none open they are dropped. */
function routePackageLogs(): void {
  nmsLogger.log = (message: string, level = 'info') => {
    const log = openLog;
    if (log === null) return;
    const fields = { component: 'node-media-server' };
    // Its info lines are per-connection chatter (session start/close); its errors are mostly clients' faults.
    if (level === 'error') log.error(fields, message);
    else if (level === 'warn') log.warn(fields, message);
    else log.debug(fields, message);
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** The stream name without its query, and the query. */
function splitStreamName(streamName: string): [string, URLSearchParams] {
  const mark = streamName.indexOf('?');
  if (mark < 0) return [streamName, new URLSearchParams()];
  return [streamName.slice(0, mark), new URLSearchParams(streamName.slice(mark + 1))];
}

export class EmbeddedRtmpServer {
  /** The bound port (the real one when started with port 0). */
  readonly port: number;
  readonly #server: Server;
  readonly #options: EmbeddedRtmpServerOptions;
  readonly #connections = new Map<Socket, RtmpSession>();
  /** Sockets we dropped on purpose (closeStream, close): a publisher among them gets no resume window. */
  readonly #dropped = new WeakSet<Socket>();
  /** Stream paths whose publisher left on its own and may still be in the package's resume window. */
  readonly #resumable = new Set<string>();
  #closed: Promise<void> | null = null;

  private constructor(server: Server, port: number, options: EmbeddedRtmpServerOptions) {
    this.#server = server;
    this.port = port;
    this.#options = options;
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', (error) => options.log.error({ err: error }, 'rtmp server error'));
  }

  /** Resolves once listening; rejects with an `EmbeddedRtmpServerError`. */
  static async start(options: EmbeddedRtmpServerOptions): Promise<EmbeddedRtmpServer> {
    if (openLog !== null) {
      throw new EmbeddedRtmpServerError(
        'RTMP_ALREADY_RUNNING',
        'an embedded RTMP server is already open in this process (node-media-server keeps its streams in ' +
          'process-wide state); close it first',
      );
    }
    openLog = options.log;
    routePackageLogs();
    const server = createServer({ noDelay: true });
    let port: number;
    try {
      port = await listen(server, options.host, options.port);
    } catch (error) {
      openLog = null;
      server.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new EmbeddedRtmpServerError(
        'RTMP_LISTEN_FAILED',
        `embedded RTMP server cannot listen on ${options.host}:${options.port}: ${reason}`,
        { cause: error },
      );
    }
    options.log.info({ host: options.host, port }, 'rtmp server listening');
    return new EmbeddedRtmpServer(server, port, options);
  }

  /** Drops every publisher and player of this stream (the session closed). */
  closeStream(app: string, stream: string): void {
    for (const [socket, session] of this.#connections) {
      if (session.streamApp === app && session.streamName === stream) this.#drop(socket);
    }
    // A publisher that already left (e.g. its ffmpeg ended) is finished here; a connected one when it closes.
    this.#endPublish(`/${app}/${stream}`);
  }

  /** Stops listening and drops every connection; resolves once all are closed. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => {
        for (const streamPath of this.#resumable) this.#endPublish(streamPath);
        this.#options.log.info({ port: this.port }, 'rtmp server closed');
        openLog = null;
        resolve();
      });
      for (const socket of this.#connections.keys()) this.#drop(socket);
    });
    return this.#closed;
  }

  #accept(socket: Socket): void {
    if (this.#closed !== null) {
      socket.destroy();
      return;
    }
    socket.setTimeout(RTMP_IDLE_TIMEOUT_MS, () => this.#drop(socket));
    const session = new RtmpSession(socket);
    this.#gate(session, socket);
    this.#dropSecondPublisher(session, socket);
    this.#boundBacklog(session, socket);
    session.run();
    this.#connections.set(socket, session);
    // Registered after run(), so it runs after the package's own close handling (which opens the resume window).
    socket.once('close', () => {
      this.#connections.delete(socket);
      if (!session.isPublisher) return;
      if (this.#dropped.has(socket)) this.#endPublish(session.streamPath);
      else this.#resumable.add(session.streamPath);
    });
  }

  /**
   * Asks `authorize` before the package sees a publish or play command. A refused client gets an error status
   * (ffmpeg prints it as "Server error: unauthorized") and is disconnected; the package never registers it.
   */
  #gate(session: RtmpSession, socket: Socket): void {
    const rtmp = session.rtmp;
    type Handler = (message: { streamName?: string }) => void;
    const admit = (kind: 'publish' | 'play', next: Handler): Handler => {
      return (message) => {
        const app = rtmp.streamApp ?? '';
        const [stream, query] = splitStreamName(message.streamName ?? '');
        let allowed = false;
        try {
          allowed = this.#options.authorize(kind, app, stream, query);
        } catch (error) {
          this.#options.log.error({ err: error, kind, app, stream }, 'rtmp authorize threw');
        }
        if (allowed) {
          next(message);
          return;
        }
        this.#options.log.warn({ kind, app, stream, remote: socket.remoteAddress }, `rtmp ${kind} refused`);
        const code = kind === 'publish' ? 'NetStream.Publish.BadName' : 'NetStream.Play.Failed';
        rtmp.sendStatusMessage(rtmp.parserPacket.header.stream_id, 'error', code, 'unauthorized');
        socket.end();
        setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      };
    };
    rtmp.onPublish = admit('publish', rtmp.onPublish.bind(rtmp));
    rtmp.onPlay = admit('play', rtmp.onPlay.bind(rtmp));
  }

  /**
   * The package refuses a publish to a stream that already has a live publisher by ending only its own side of
   * the socket; the client can go on sending and the package would still relay those packets to the stream's
   * players. Such a client is disconnected instead.
   */
  #dropSecondPublisher(session: RtmpSession, socket: Socket): void {
    const push = session.onPush;
    session.onPush = () => {
      push();
      if (!session.isPublisher) {
        this.#options.log.warn(
          { stream: session.streamPath },
          'rtmp publish refused: stream already has a publisher',
        );
        this.#drop(socket);
      }
    };
  }

  /** Drops a player that cannot keep up instead of buffering for it (see RTMP_MAX_PLAYER_BACKLOG_BYTES). */
  #boundBacklog(session: RtmpSession, socket: Socket): void {
    const send = session.sendBuffer;
    session.sendBuffer = (buffer) => {
      if (socket.writableLength > RTMP_MAX_PLAYER_BACKLOG_BYTES) {
        if (!socket.destroyed) {
          this.#options.log.warn(
            { stream: session.streamPath, remote: socket.remoteAddress },
            'rtmp player too slow',
          );
        }
        this.#drop(socket);
        return;
      }
      send(buffer);
    };
  }

  #drop(socket: Socket): void {
    this.#dropped.add(socket);
    socket.destroy();
  }

  /**
   * A publisher that disconnects on its own keeps its stream for the package's 30 s resume window (its players
   * stay attached and a restarted ffmpeg continues the timeline). One we dropped is finished now, so its cached
   * frames are not served to anyone and nothing outlives `close()`.
   */
  #endPublish(streamPath: string): void {
    this.#resumable.delete(streamPath);
    const broadcast = Context.broadcasts.get(streamPath);
    if (broadcast?.getPublishStatus() === 'reconnecting') broadcast._finishPublish();
  }
}
