import { EventEmitter } from 'node:events';
import {
  CLOSE_TYPE,
  ERRORS,
  IvhError,
  SESSION_STATUS,
  type CloseType,
  type CreateSessionByAssetRequest,
  type CreateSessionRequest,
} from '@dhuman/protocol';
import { newSessionId } from './ids.js';
import type { Project, SessionOptions, SessionRecord } from './model.js';
import type { PreparationStep } from './session-preparer.js';
import { assertTransition, isLive } from './session-state.js';
import type { AssetCatalog, CredentialStore, ProjectStore, SessionFilter, SessionStore } from './stores.js';

export interface SessionManagerOptions {
  sessions: SessionStore;
  projects: ProjectStore;
  credentials: CredentialStore;
  /** Resolves `AssetVirtualmanKey` as the calling appkey sees it. */
  assets: AssetCatalog;
  steps: readonly PreparationStep[];
  /** Live sessions an appkey may hold unless its credential says otherwise. */
  defaultMaxSessions: number;
  /** A session with no drive, heartbeat or start for this long is closed (spec §3.7: 10 min), unless its
   * project sets its own. */
  idleTimeoutMs: number;
  /** Default for a session's command channel idle close (spec §3.7: 3 min). */
  channelIdleMs: number;
  /** How long preparation may take before the session fails with -111004. */
  prepareTimeoutMs: number;
  now?: () => number;
}

export interface SessionManagerEvents {
  /** A session reached CLOSED or FAILED; outputs and channels tied to it must go. */
  ended: [session: SessionRecord];
  ready: [session: SessionRecord];
  /** A preparation step or store call failed outside any request. */
  error: [error: unknown, sessionId: string];
}

interface CloseReason {
  closeType: CloseType;
  errorCode: number;
  errorMessage: string;
}

type CreateRequest =
  | { kind: 'project'; request: CreateSessionRequest }
  | { kind: 'asset'; request: CreateSessionByAssetRequest };

const DEFAULT_STREAM_MAX_INTERVAL_MS = 2000;

/** The request fields kept for the media layers; only those the client sent. */
function sessionOptions(create: CreateRequest): SessionOptions {
  const { request } = create;
  const asset = create.kind === 'asset' ? create.request : undefined;
  const options: SessionOptions = {};
  if (request.ProtocolOption) options.protocolOption = request.ProtocolOption;
  if (request.ExtraInfo) options.extraInfo = request.ExtraInfo;
  if (asset?.SpeechParam) options.speechParam = asset.SpeechParam;
  if (asset?.Backgrounds) options.backgrounds = asset.Backgrounds;
  if (asset?.Foregrounds) options.foregrounds = asset.Foregrounds;
  if (asset?.AnchorParam) options.anchorParam = asset.AnchorParam;
  return options;
}

/** Whether `appkey` may use the project: shared ones (no owner) and its own. */
export function projectVisibleTo(project: Project, appkey: string): boolean {
  return project.appkey === null || project.appkey === appkey;
}

/**
 * The session lifecycle of the session-manager API: create, prepare, start, stat, close, list, UserId takeover,
 * per-appkey quota and idle close. It holds no I/O of its own; stores and preparation steps are injected.
 * Sessions of one appkey are invisible to every other appkey: a foreign id answers 110018 like an unknown one.
 */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  private readonly opts: SessionManagerOptions;
  private readonly now: () => number;
  private readonly preparing = new Map<string, AbortController>();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: SessionManagerOptions) {
    super();
    this.opts = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * Closes every live session as lost to a service restart: at start-up for what a dead process left behind
   * (its media died with it, so "running" would be a lie) and at shutdown. Returns how many were closed.
   */
  closeAllForRestart(): number {
    const live = this.opts.sessions.listAllLive();
    for (const session of live) {
      this.end(session, {
        closeType: CLOSE_TYPE.SERVICE_RESTART,
        errorCode: ERRORS.CONNECTION_DROPPED.code,
        errorMessage: 'the service restarted and the session media was lost; create a new session',
      });
    }
    return live.length;
  }

  /** Starts the periodic idle sweep; the timer does not keep the process alive. */
  startIdleSweep(intervalMs = Math.min(10_000, Math.max(1000, this.opts.idleTimeoutMs / 4))): void {
    this.idleTimer ??= setInterval(() => this.closeIdleSessions(), intervalMs);
    this.idleTimer.unref();
  }

  closeIdleSessions(): number {
    const idle = this.opts.sessions.listIdle(this.now());
    for (const session of idle) {
      this.end(session, {
        closeType: CLOSE_TYPE.IDLE_TIMEOUT,
        errorCode: ERRORS.SESSION_CLOSED.code,
        errorMessage: `closed after ${Math.round(session.idleTimeoutMs / 1000)} s without a drive command or heartbeat`,
      });
    }
    return idle.length;
  }

  createFromProject(appkey: string, request: CreateSessionRequest): SessionRecord {
    return this.create(appkey, { kind: 'project', request });
  }

  createFromAsset(appkey: string, request: CreateSessionByAssetRequest): SessionRecord {
    return this.create(appkey, { kind: 'asset', request });
  }

  private create(appkey: string, create: CreateRequest): SessionRecord {
    this.assertOpen();
    const { request } = create;
    const protocol = request.Protocol;
    if (protocol === 'trtc') {
      throw new IvhError(
        ERRORS.INVALID_PARAMETER,
        'Payload.Protocol "trtc" needs Tencent RTC and is not available on dhuman; use "webrtc" or "rtmp"',
      );
    }
    if (request.ExtraInfo?.AlphaChannelEnable === true) {
      // Said plainly rather than accepted and ignored: every stream dhuman serves is H.264 (WebRTC, RTMP, HLS),
      // which has no alpha channel, so a client counting on transparency would get a background box.
      throw new IvhError(
        ERRORS.INVALID_PARAMETER,
        'Payload.ExtraInfo.AlphaChannelEnable: dhuman streams are H.264 (WebRTC, RTMP, HLS) and carry no alpha ' +
          'channel; leave it false for an opaque background, or draw the avatar in the page with the ' +
          'client-render player',
      );
    }
    const binding = this.resolveBinding(appkey, create);
    const { sessions } = this.opts;
    const takenOver: SessionRecord[] = [];
    const record = sessions.transaction(() => {
      if (request.SessionId !== undefined && sessions.getSession(request.SessionId)) {
        throw new IvhError(
          ERRORS.INVALID_PARAMETER,
          `Payload.SessionId "${request.SessionId}" already exists`,
        );
      }
      // Same UserId under one appkey: the newer session wins and the older one is closed (spec §3.1).
      for (const older of sessions.listLive(appkey, { userId: request.UserId })) {
        const ended = this.markEnded(older, {
          closeType: CLOSE_TYPE.TAKEN_OVER,
          errorCode: ERRORS.SESSION_TAKEN_OVER.code,
          errorMessage: ERRORS.SESSION_TAKEN_OVER.message,
        });
        if (ended) takenOver.push(ended);
      }
      const limit = this.quotaOf(appkey);
      const live = sessions.countLive(appkey);
      if (live >= limit) {
        throw new IvhError(
          ERRORS.CONCURRENCY_LIMIT_EXCEEDED,
          `this appkey already has ${live} live sessions (limit ${limit}); close one first`,
        );
      }
      const at = this.now();
      const fresh: SessionRecord = {
        sessionId: request.SessionId ?? this.uniqueSessionId(),
        appkey,
        userId: request.UserId,
        projectId: binding.projectId,
        assetKey: binding.assetKey,
        voice: binding.voice,
        protocol,
        driverType: request.DriverType ?? 1,
        status: SESSION_STATUS.PREPARING,
        isStarted: false,
        speakStatus: '',
        errorCode: 0,
        errorMessage: '',
        closeType: null,
        streamMaxIntervalMs: request.StreamMaxInterval ?? DEFAULT_STREAM_MAX_INTERVAL_MS,
        timeoutSec: request.Timeout ?? null,
        options: sessionOptions(create),
        createdAt: at,
        updatedAt: at,
        startedAt: null,
        closedAt: null,
        lastActivityAt: at,
        idleTimeoutMs:
          binding.sessionIdleSec === null ? this.opts.idleTimeoutMs : binding.sessionIdleSec * 1000,
        channelIdleMs:
          binding.channelIdleSec === null ? this.opts.channelIdleMs : binding.channelIdleSec * 1000,
      };
      sessions.insertSession(fresh);
      return fresh;
    });
    // Only after the commit: a quota refusal rolls the takeover back, and nobody may have heard of it.
    for (const ended of takenOver) this.afterEnd(ended);
    this.prepare(record);
    return record;
  }

  private resolveBinding(
    appkey: string,
    create: CreateRequest,
  ): {
    projectId: string;
    assetKey: string;
    voice: string;
    sessionIdleSec: number | null;
    channelIdleSec: number | null;
  } {
    if (create.kind === 'project') {
      const project = this.visibleProject(appkey, create.request.VirtualmanProjectId);
      return {
        projectId: project.projectId,
        assetKey: project.avatar,
        voice: project.voice,
        sessionIdleSec: project.sessionIdleSec,
        channelIdleSec: project.channelIdleSec,
      };
    }
    const key = create.request.AssetVirtualmanKey;
    const asset = this.opts.assets.findAsset(appkey, key);
    if (!asset) {
      throw new IvhError(ERRORS.INVALID_PARAMETER, `Payload.AssetVirtualmanKey "${key}" does not exist`);
    }
    if (asset.expiresAt !== null && asset.expiresAt <= this.now()) {
      throw new IvhError(ERRORS.ASSET_EXPIRED, `avatar asset "${key}" expired`);
    }
    const voice = create.request.SpeechParam?.TimbreKey || asset.defaultVoice;
    return { projectId: '', assetKey: asset.assetKey, voice, sessionIdleSec: null, channelIdleSec: null };
  }

  /** A project the appkey may use: shared ones and its own. Others look like they do not exist. */
  visibleProject(appkey: string, projectId: string, field = 'VirtualmanProjectId'): Project {
    const project = this.opts.projects.getProject(projectId);
    if (!project || !projectVisibleTo(project, appkey)) {
      throw new IvhError(
        ERRORS.INVALID_PARAMETER,
        `Payload.${field} "${projectId.slice(0, 128)}" is not a project of this appkey (see \`dhuman project list\`)`,
      );
    }
    return project;
  }

  private quotaOf(appkey: string): number {
    return this.opts.credentials.getCredential(appkey)?.maxSessions ?? this.opts.defaultMaxSessions;
  }

  private uniqueSessionId(): string {
    for (;;) {
      const id = newSessionId();
      if (!this.opts.sessions.getSession(id)) return id;
    }
  }

  /** Runs the preparation steps in order, then READY; any failure or the timeout makes it FAILED. */
  private prepare(record: SessionRecord): void {
    const controller = new AbortController();
    this.preparing.set(record.sessionId, controller);
    const limit = this.opts.prepareTimeoutMs;
    const timeout = setTimeout(
      () =>
        controller.abort(
          new IvhError(ERRORS.STREAM_CREATE_TIMEOUT, `preparation took longer than ${limit} ms`),
        ),
      limit,
    );
    void this.runSteps(record, controller.signal)
      .then(
        () => this.settlePreparation(record, undefined),
        (error: unknown) => this.settlePreparation(record, error),
      )
      .finally(() => {
        clearTimeout(timeout);
        this.preparing.delete(record.sessionId);
      });
  }

  /**
   * Each step runs against the abort signal, so a step that ignores it (an engine warm-up) cannot hold the
   * session in PREPARING past the timeout, a close, or a takeover.
   */
  private async runSteps(record: SessionRecord, signal: AbortSignal): Promise<void> {
    const stopped = new Promise<never>((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    stopped.catch(() => undefined); // only ever observed through the race below
    for (const step of this.opts.steps) {
      signal.throwIfAborted();
      await Promise.race([step.prepare(record, signal), stopped]);
    }
  }

  private settlePreparation(record: SessionRecord, error: unknown): void {
    // After shutdown the store may already be closed; the restart recovery reports these sessions.
    if (this.closed) return;
    const { sessions } = this.opts;
    try {
      if (error === undefined) {
        if (
          sessions.updateStatus(record.sessionId, SESSION_STATUS.PREPARING, SESSION_STATUS.READY, this.now())
        ) {
          const ready = sessions.getSession(record.sessionId);
          if (ready) this.emit('ready', ready);
        }
        return;
      }
      const ivh =
        error instanceof IvhError
          ? error
          : new IvhError(
              ERRORS.AVATAR_LOAD_FAILED,
              error instanceof Error ? error.message : 'preparation failed',
            );
      // A session closed or taken over while preparing is no longer PREPARING, so nothing changes for it.
      if (sessions.markFailed(record.sessionId, ivh.code, ivh.message, this.now())) {
        if (!(error instanceof IvhError)) this.emit('error', error, record.sessionId);
        const failed = sessions.getSession(record.sessionId);
        if (failed) this.emit('ended', failed);
      }
    } catch (storeError) {
      this.emit('error', storeError, record.sessionId);
    }
  }

  /**
   * A session by id alone, for callers that hold another proof of access (a stream's play token); everything
   * signed goes through `get`, which checks the owner.
   */
  find(sessionId: string): SessionRecord | undefined {
    return this.opts.sessions.getSession(sessionId);
  }

  /** The session if `appkey` owns it; 110018 for unknown ids and other appkeys' sessions alike. */
  get(appkey: string, sessionId: string): SessionRecord {
    const session = this.opts.sessions.getSession(sessionId);
    if (!session || session.appkey !== appkey) {
      throw new IvhError(ERRORS.SESSION_NOT_FOUND, `no session "${sessionId}" for this appkey`);
    }
    return session;
  }

  start(appkey: string, sessionId: string): SessionRecord {
    const session = this.get(appkey, sessionId);
    this.assertNotEnded(session);
    if (session.status === SESSION_STATUS.PREPARING) {
      throw new IvhError(
        ERRORS.SESSION_NOT_READY,
        'the session is still preparing (status 3); poll statsession',
      );
    }
    const at = this.now();
    if (!session.isStarted) this.opts.sessions.markStarted(sessionId, at);
    else this.opts.sessions.touch(sessionId, at);
    return this.get(appkey, sessionId);
  }

  close(appkey: string, sessionId: string): SessionRecord {
    const session = this.get(appkey, sessionId);
    this.assertNotEnded(session);
    this.end(session, { closeType: CLOSE_TYPE.OWNER, errorCode: 0, errorMessage: '' });
    return this.get(appkey, sessionId);
  }

  /** Records activity that keeps a session from the idle close (start, drive, heartbeat). */
  touch(sessionId: string): void {
    this.opts.sessions.touch(sessionId, this.now());
  }

  /** Records the session's last drive state, which statsession reports as `SpeakStatus` (spec §3.4). */
  recordSpeakStatus(sessionId: string, speakStatus: string): void {
    this.opts.sessions.updateSpeakStatus(sessionId, speakStatus, this.now());
  }

  list(appkey: string, filter?: SessionFilter): SessionRecord[] {
    return this.opts.sessions.listLive(appkey, filter);
  }

  private assertNotEnded(session: SessionRecord): void {
    if (session.status === SESSION_STATUS.CLOSED) {
      throw new IvhError(
        ERRORS.SESSION_CLOSED,
        session.errorMessage || `session "${session.sessionId}" is closed`,
      );
    }
    if (session.status === SESSION_STATUS.FAILED) {
      throw new IvhError(
        ERRORS.SESSION_CLOSED,
        `session "${session.sessionId}" failed: ${session.errorMessage}`,
      );
    }
  }

  private end(session: SessionRecord, fields: CloseReason): void {
    const ended = this.markEnded(session, fields);
    if (ended) this.afterEnd(ended);
  }

  /** Writes the CLOSED status; returns the closed record, or undefined if it was no longer live. */
  private markEnded(session: SessionRecord, fields: CloseReason): SessionRecord | undefined {
    if (!isLive(session.status)) return undefined;
    assertTransition(session.sessionId, session.status, SESSION_STATUS.CLOSED);
    if (!this.opts.sessions.markClosed(session.sessionId, session.status, { ...fields, at: this.now() })) {
      return undefined;
    }
    return this.opts.sessions.getSession(session.sessionId);
  }

  private afterEnd(ended: SessionRecord): void {
    this.preparing.get(ended.sessionId)?.abort();
    this.emit('ended', ended);
  }

  private assertOpen(): void {
    if (this.closed) throw new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'the service is shutting down');
  }

  /** Stops timers and in-flight preparation. Idempotent. Live sessions stay in the store for recovery. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const controller of this.preparing.values()) controller.abort();
  }
}
