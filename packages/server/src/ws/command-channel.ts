import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SessionManager, SessionRecord } from '@dhuman/core';
import {
  describeIssue,
  driveCommandSchema,
  ERRORS,
  EVENT_TYPE,
  IvhError,
  SESSION_STATUS,
  type DriveEventPayload,
} from '@dhuman/protocol';
import type { VerifiedCaller } from '../auth/signature-verifier.js';
import type { DriveRegistry } from '../drive/drive-registry.js';
import { runCommand } from '../drive/run-command.js';
import type { SessionDrive } from '../drive/session-drive.js';
import { TokenBucket } from './token-bucket.js';
import { refuseUpgradeWith } from './upgrade-router.js';
import { rawToString, reqIdOf } from './frame-text.js';

export interface CommandChannelOptions {
  manager: SessionManager;
  drives: DriveRegistry;
  log: FastifyBaseLogger;
  /** WebSocket ping period; a peer that misses one pong is dropped. */
  pingIntervalMs?: number;
  /** Frames larger than this get an error event (the socket stays open up to the hard limit). */
  maxFrameBytes?: number;
  /** Upstream frames per second and burst per channel before 100012. */
  ratePerSecond?: number;
  burst?: number;
}

/** Close codes dhuman uses (4000-4999 are for applications); each close also carries a reason text. */
export const CLOSE_CODES = Object.freeze({
  SESSION_ENDED: 4000,
  REPLACED: 4001,
  IDLE: 4002,
  TOO_SLOW: 4003,
  SHUTDOWN: 1001,
});

const HARD_FRAME_LIMIT = 4 * 1024 * 1024;
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * The command channel (spec §4.3): one WebSocket per started session, authenticated in the upgrade. A new
 * connection replaces the old one (closed with 4001, so a client whose old socket is half-dead always gets
 * back in). On connect the last drives' speak-status events are re-sent, or with `resumefrom=<EventSeq>`
 * every event after it. Bad frames get an error event; the channel and session stay usable.
 */
export class CommandChannels {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });
  private readonly open = new Map<string, WebSocket>();
  private readonly opts: CommandChannelOptions;

  constructor(options: CommandChannelOptions) {
    this.opts = options;
    options.drives.onEnded((sessionId, reason) => {
      this.open.get(sessionId)?.close(CLOSE_CODES.SESSION_ENDED, truncateReason(`session ended: ${reason}`));
    });
  }

  get openChannels(): number {
    return this.open.size;
  }

  readonly handleUpgrade = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: VerifiedCaller,
  ): void => {
    const sessionId = caller.query.get('requestid') ?? '';
    let session: SessionRecord;
    try {
      session = this.opts.manager.get(caller.appkey, sessionId);
      if (session.status === SESSION_STATUS.CLOSED || session.status === SESSION_STATUS.FAILED) {
        throw new IvhError(ERRORS.SESSION_CLOSED, `session "${sessionId}" is closed`);
      }
      if (!session.isStarted) {
        throw new IvhError(
          ERRORS.SESSION_NOT_STARTED,
          'call startsession before opening the command channel',
        );
      }
    } catch (error) {
      const ivh =
        error instanceof IvhError ? error : new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'upgrade failed');
      this.opts.log.info({ sessionId, code: ivh.code }, 'command channel refused');
      refuseUpgradeWith(socket, ivh);
      return;
    }
    const resume = caller.query.get('resumefrom');
    const resumeFrom = resume !== null && /^\d{1,12}$/.test(resume) ? Number(resume) : undefined;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(ws, session, resumeFrom));
  };

  private attach(ws: WebSocket, session: SessionRecord, resumeFrom: number | undefined): void {
    const { sessionId } = session;
    const previous = this.open.get(sessionId);
    if (previous) previous.close(CLOSE_CODES.REPLACED, 'replaced by a newer connection for this session');
    this.open.set(sessionId, ws);
    const drive = this.opts.drives.forSession(session);
    this.opts.manager.touch(sessionId);

    const replay =
      resumeFrom === undefined ? drive.events.recentDriveStatus() : drive.events.since(resumeFrom).events;
    for (const event of replay) this.send(ws, event);
    const unsubscribe = drive.onEvent((event) => this.send(ws, event));

    const bucket = new TokenBucket(this.opts.ratePerSecond ?? 50, this.opts.burst ?? 100);
    const idleMs = session.channelIdleMs;
    let idleTimer = this.armIdle(ws, idleMs);
    let alive = true;
    ws.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, this.opts.pingIntervalMs ?? 30_000);
    ping.unref();

    ws.on('message', (data, isBinary) => {
      clearTimeout(idleTimer);
      idleTimer = this.armIdle(ws, idleMs);
      this.opts.manager.touch(sessionId);
      if (!bucket.take()) {
        this.reject(
          drive,
          '',
          new IvhError(ERRORS.TOO_FREQUENT, `more than ${this.opts.ratePerSecond ?? 50} frames per second`),
        );
        return;
      }
      this.onFrame(drive, data, isBinary);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(idleTimer);
      clearInterval(ping);
      unsubscribe();
      if (this.open.get(sessionId) === ws) this.open.delete(sessionId);
      this.opts.log.info({ sessionId, code, reason: reason.toString() }, 'command channel closed');
    });
    ws.on('error', (error) => this.opts.log.warn({ sessionId, err: error }, 'command channel error'));
  }

  private onFrame(drive: SessionDrive, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.reject(
        drive,
        '',
        new IvhError(ERRORS.INVALID_PARAMETER, 'binary frames are not accepted; send JSON text frames'),
      );
      return;
    }
    const text = rawToString(data);
    const limit = this.opts.maxFrameBytes ?? 256 * 1024;
    if (Buffer.byteLength(text) > limit) {
      this.reject(drive, '', new IvhError(ERRORS.INVALID_PARAMETER, `frame is larger than ${limit} bytes`));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.reject(drive, '', new IvhError(ERRORS.INVALID_PARAMETER, 'frame is not valid JSON'));
      return;
    }
    const parsed = driveCommandSchema.safeParse(json);
    const reqId = reqIdOf(json);
    if (!parsed.success) {
      this.reject(drive, reqId, new IvhError(ERRORS.INVALID_PARAMETER, describeIssue(parsed.error, 'frame')));
      return;
    }
    const payload = parsed.data.Payload;
    if (payload.SessionId !== drive.sessionId) {
      const detail = `Payload.SessionId "${payload.SessionId}" is not this channel's session "${drive.sessionId}"`;
      this.reject(drive, reqId, new IvhError(ERRORS.INVALID_PARAMETER, detail));
      return;
    }
    try {
      runCommand(drive, payload);
    } catch (error) {
      const ivh = error instanceof IvhError ? error : new IvhError(ERRORS.DRIVE_FAILED, String(error));
      if (!(error instanceof IvhError)) this.opts.log.error({ err: error }, 'drive command failed');
      this.reject(drive, reqId, ivh);
    }
  }

  /** Reports a refused frame as an error event on the command's ReqId (or "" when it has none). */
  private reject(drive: SessionDrive, reqId: string, error: IvhError): void {
    drive.reportError(reqId, error);
  }

  private send(ws: WebSocket, event: DriveEventPayload): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(CLOSE_CODES.TOO_SLOW, 'client reads too slowly');
      return;
    }
    const code = event.Type === EVENT_TYPE.DRIVE_ERROR ? (event.ErrorCode ?? ERRORS.DRIVE_FAILED.code) : 0;
    const message = event.Type === EVENT_TYPE.DRIVE_ERROR ? (event.ErrorMessage ?? '') : '';
    ws.send(
      JSON.stringify({
        Header: {
          Code: code,
          Message: message,
          RequestID: `e${event.EventSeq}`,
          SessionID: event.SessionId,
          DialogID: '',
        },
        Payload: event,
      }),
    );
  }

  private armIdle(ws: WebSocket, idleMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      ws.close(CLOSE_CODES.IDLE, `no frame for ${Math.round(idleMs / 1000)} s`);
    }, idleMs);
    timer.unref();
    return timer;
  }

  /** Closes every channel (server shutdown). */
  close(): void {
    for (const ws of this.open.values()) ws.close(CLOSE_CODES.SHUTDOWN, 'server shutting down');
    this.open.clear();
    this.wss.close();
  }
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 110)}…`;
}
