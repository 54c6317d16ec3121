import type { FastifyInstance } from 'fastify';
import type { SessionManager, SessionRecord } from '@dhuman/core';
import {
  createSessionByAssetRequestSchema,
  createSessionRequestSchema,
  listOfAssetRequestSchema,
  listOfProjectRequestSchema,
  listOfUinRequestSchema,
  SESSION_PATHS,
  SESSION_STATUS,
  sessionRefRequestSchema,
  type CreateSessionResponse,
  type SessionListItem,
  type StatSessionResponse,
} from '@dhuman/protocol';
import { ivhRoute } from './envelope.js';

export interface SessionRoutesOptions {
  manager: SessionManager;
  /** The address a viewer plays the session from ("" when it is pushed elsewhere). */
  playStreamAddr: (session: SessionRecord) => string;
  /** Refuses a new session with 100008 when the machine cannot hold another stream of its project's format. */
  admitStream: (projectId: string | undefined) => void;
  /** The session's last stream failure, reported by statsession while the session is live. */
  streamError: (sessionId: string) => { code: number; message: string } | undefined;
}

function listItem(session: SessionRecord, play: string): SessionListItem {
  return {
    UserId: session.userId,
    SessionId: session.sessionId,
    SessionStatus: session.status,
    PlayStreamAddr: play,
    DriverType: session.driverType,
    IsSessionStarted: session.isStarted,
    VirtualmanProjectId: session.projectId,
    AssetVirtualmanKey: session.assetKey,
  };
}

/** The session manager API (spec §3) with every field real clients read (spec §9.2). */
export function registerSessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): void {
  const { manager, playStreamAddr, admitStream, streamError } = options;

  const created = (session: SessionRecord): Omit<CreateSessionResponse, 'ReqId'> => ({
    SessionId: session.sessionId,
    SessionStatus: session.status,
    PlayStreamAddr: playStreamAddr(session),
  });

  ivhRoute(app, SESSION_PATHS.createsession, createSessionRequestSchema, (payload, { caller }) => {
    admitStream(payload.VirtualmanProjectId);
    return created(manager.createFromProject(caller.appkey, payload));
  });

  ivhRoute(
    app,
    SESSION_PATHS.createsessionbyasset,
    createSessionByAssetRequestSchema,
    (payload, { caller }) => {
      admitStream(undefined);
      return created(manager.createFromAsset(caller.appkey, payload));
    },
  );

  ivhRoute(app, SESSION_PATHS.statsession, sessionRefRequestSchema, (payload, { caller }) => {
    const session = manager.get(caller.appkey, payload.SessionId);
    const failure = session.status === SESSION_STATUS.READY ? streamError(session.sessionId) : undefined;
    const stat: Omit<StatSessionResponse, 'ReqId'> = {
      SessionId: session.sessionId,
      UserId: session.userId,
      SessionStatus: session.status,
      IsSessionStarted: session.isStarted,
      PlayStreamAddr: playStreamAddr(session),
      SpeakStatus: session.speakStatus,
      DriverType: session.driverType,
      Protocol: session.protocol,
      ErrorCode: failure?.code ?? session.errorCode,
      ErrorMessage: failure?.message ?? session.errorMessage,
      ...(session.status === SESSION_STATUS.CLOSED &&
        session.closeType !== null && { CloseType: session.closeType }),
    };
    return stat;
  });

  ivhRoute(app, SESSION_PATHS.startsession, sessionRefRequestSchema, (payload, { caller }) => {
    manager.start(caller.appkey, payload.SessionId);
    return { SessionId: payload.SessionId };
  });

  ivhRoute(app, SESSION_PATHS.closesession, sessionRefRequestSchema, (payload, { caller }) => {
    manager.close(caller.appkey, payload.SessionId);
    return { SessionId: payload.SessionId };
  });

  const list = (sessions: SessionRecord[]) => ({
    Sessions: sessions.map((s) => listItem(s, playStreamAddr(s))),
  });

  ivhRoute(app, SESSION_PATHS.listsessionofuin, listOfUinRequestSchema, (_payload, { caller }) =>
    list(manager.list(caller.appkey)),
  );

  ivhRoute(app, SESSION_PATHS.listsessionofprojectid, listOfProjectRequestSchema, (payload, { caller }) =>
    list(manager.list(caller.appkey, { projectId: payload.VirtualmanProjectId })),
  );

  for (const path of [SESSION_PATHS.listsessionofassetvk, SESSION_PATHS.listsessionofvk]) {
    ivhRoute(app, path, listOfAssetRequestSchema, (payload, { caller }) => {
      const key = payload.AssetVirtualmanKey ?? payload.VirtualmanKey ?? '';
      // The Web SDK passes its project id as VirtualmanKey; match either binding.
      return list(manager.list(caller.appkey).filter((s) => s.assetKey === key || s.projectId === key));
    });
  }
}
