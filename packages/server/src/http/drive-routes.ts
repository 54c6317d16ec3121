import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '@dhuman/core';
import {
  DRIVE_PATHS,
  driveCommandSchema,
  ERRORS,
  EVENT_TYPE,
  IvhError,
  SESSION_STATUS,
} from '@dhuman/protocol';
import type { DriveRegistry } from '../drive/drive-registry.js';
import { runCommand } from '../drive/run-command.js';
import { ivhRoute } from './envelope.js';

export interface DriveRoutesOptions {
  manager: SessionManager;
  drives: DriveRegistry;
  /** Minimum time between two HTTP commands of one appkey (spec §4.2: more than 1 s). */
  minIntervalMs: number;
}

const HTTP_COMMANDS: ReadonlySet<string> = new Set(['SEND_TEXT']);

/**
 * `POST …/interactdriverservice/command`: SEND_TEXT over HTTP with the channel's semantics. Its speak-status
 * events go to the session's command channel if one is open; an error the scheduler reports at once (bad
 * SSML, empty text) is answered in this response instead.
 */
export function registerDriveRoutes(app: FastifyInstance, options: DriveRoutesOptions): void {
  const { manager, drives } = options;
  const lastCall = new Map<string, number>();

  ivhRoute(app, DRIVE_PATHS.command, driveCommandSchema.shape.Payload, (payload, { caller }) => {
    const now = performance.now();
    const previous = lastCall.get(caller.appkey);
    if (previous !== undefined && now - previous < options.minIntervalMs) {
      throw new IvhError(
        ERRORS.TOO_FREQUENT,
        `send HTTP commands at most once per ${options.minIntervalMs} ms per appkey`,
      );
    }
    lastCall.set(caller.appkey, now);
    if (lastCall.size > 100_000) lastCall.clear(); // bound memory under appkey churn

    const session = manager.get(caller.appkey, payload.SessionId);
    if (session.status === SESSION_STATUS.CLOSED || session.status === SESSION_STATUS.FAILED) {
      throw new IvhError(ERRORS.SESSION_CLOSED, `session "${session.sessionId}" is closed`);
    }
    if (!session.isStarted) throw new IvhError(ERRORS.SESSION_NOT_STARTED, 'call startsession first');
    const drive = drives.forSession(session);
    // Keeps the session from the idle close; the channel does the same for every frame it receives.
    manager.touch(session.sessionId);
    let immediate: IvhError | undefined;
    const stop = drive.onEvent((event) => {
      if (
        event.Type === EVENT_TYPE.DRIVE_ERROR &&
        event.ReqId === payload.ReqId &&
        event.ErrorCode !== undefined
      ) {
        immediate ??= new IvhError({
          ...ERRORS.INVALID_PARAMETER,
          code: event.ErrorCode,
          message: event.ErrorMessage ?? '',
        });
      }
    });
    try {
      runCommand(drive, payload, HTTP_COMMANDS);
    } finally {
      stop();
    }
    if (immediate) throw immediate;
    return { SessionId: session.sessionId };
  });
}
