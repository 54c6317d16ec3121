import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type {
  DialogueSettings,
  AvatarAsset,
  CloseFields,
  Credential,
  CredentialStore,
  Project,
  ProjectStore,
  SessionFilter,
  SessionRecord,
  SessionStore,
  StreamSettings,
  TemporaryCredential,
  TemporaryCredentialStore,
  UploadedAvatar,
  UploadedAvatarStore,
} from '@dhuman/core';
import { DEFAULT_STREAM_SETTINGS, parseDialogueSettings, parseStreamSettings } from '@dhuman/core';
import { SESSION_STATUS, type CloseType, type DriverType, type SessionStatus } from '@dhuman/protocol';
import { MIGRATIONS } from './migrations.js';

interface SessionRow {
  session_id: string;
  appkey: string;
  user_id: string;
  project_id: string;
  asset_key: string;
  voice: string;
  protocol: string;
  driver_type: number;
  status: number;
  is_started: number;
  speak_status: string;
  error_code: number;
  error_message: string;
  close_type: number | null;
  stream_max_interval_ms: number;
  timeout_sec: number | null;
  options: string;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  closed_at: number | null;
  last_activity_at: number;
  idle_timeout_ms: number;
  channel_idle_ms: number;
}

function toSession(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id,
    appkey: row.appkey,
    userId: row.user_id,
    projectId: row.project_id,
    assetKey: row.asset_key,
    voice: row.voice,
    protocol: row.protocol as SessionRecord['protocol'],
    driverType: row.driver_type as DriverType,
    status: row.status as SessionStatus,
    isStarted: row.is_started === 1,
    speakStatus: row.speak_status,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    closeType: row.close_type as CloseType | null,
    streamMaxIntervalMs: row.stream_max_interval_ms,
    timeoutSec: row.timeout_sec,
    options: JSON.parse(row.options) as SessionRecord['options'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    closedAt: row.closed_at,
    lastActivityAt: row.last_activity_at,
    idleTimeoutMs: row.idle_timeout_ms,
    channelIdleMs: row.channel_idle_ms,
  };
}

interface CredentialRow {
  appkey: string;
  accesstoken: string;
  name: string;
  max_sessions: number | null;
  created_at: number;
  revoked_at: number | null;
}

function toCredential(row: CredentialRow): Credential {
  return {
    appkey: row.appkey,
    accesstoken: row.accesstoken,
    name: row.name,
    maxSessions: row.max_sessions,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

interface ProjectRow {
  project_id: string;
  name: string;
  appkey: string | null;
  avatar: string;
  voice: string;
  opening_line: string;
  created_at: number;
  session_idle_sec: number | null;
  channel_idle_sec: number | null;
  stream: string | null;
  dialogue: string | null;
}

function toProject(row: ProjectRow): Project {
  return {
    projectId: row.project_id,
    name: row.name,
    appkey: row.appkey,
    avatar: row.avatar,
    voice: row.voice,
    openingLine: row.opening_line,
    createdAt: row.created_at,
    sessionIdleSec: row.session_idle_sec,
    channelIdleSec: row.channel_idle_sec,
    stream: streamOf(row.stream),
    ...dialogueOf(row.dialogue, row.project_id),
  };
}

/**
 * A project's stored dialogue setting. Unlike stream settings there is no safe default to fall back on: a row
 * that no longer validates reads as no engine, and the project's questions are then spoken as given.
 */
function dialogueOf(stored: string | null, projectId: string): { dialogue?: DialogueSettings } {
  if (stored === null) return {};
  try {
    return { dialogue: parseDialogueSettings(JSON.parse(stored)) };
  } catch (error) {
    process.emitWarning(`project ${projectId}: stored dialogue setting ignored: ${String(error)}`);
    return {};
  }
}

/**
 * A project's stored stream settings. NULL (projects made before they existed) and anything that no longer
 * passes validation (a hand-edited row, bounds tightened later) read as the defaults: a project must stay usable.
 */
function streamOf(stored: string | null): StreamSettings {
  if (stored === null) return { ...DEFAULT_STREAM_SETTINGS };
  try {
    return parseStreamSettings(JSON.parse(stored));
  } catch {
    return { ...DEFAULT_STREAM_SETTINGS };
  }
}

interface AssetRow {
  asset_key: string;
  name: string;
  model: string;
  default_voice: string;
  expires_at: number | null;
  created_at: number;
}

function toAsset(row: AssetRow): AvatarAsset {
  return {
    assetKey: row.asset_key,
    name: row.name,
    model: row.model,
    defaultVoice: row.default_voice,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

interface UploadedAvatarRow {
  appkey: string;
  avatar_key: string;
  manifest: string;
  created_at: number;
  updated_at: number;
}

function toUploadedAvatar(row: UploadedAvatarRow): UploadedAvatar {
  return {
    appkey: row.appkey,
    avatarKey: row.avatar_key,
    manifestJson: row.manifest,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface TemporaryCredentialRow {
  appkey: string;
  accesstoken: string;
  acts_for: string;
  created_at: number;
  expires_at: number;
}

function toTemporaryCredential(row: TemporaryCredentialRow): TemporaryCredential {
  return {
    appkey: row.appkey,
    accesstoken: row.accesstoken,
    actsFor: row.acts_for,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

const LIVE = `status IN (${SESSION_STATUS.READY}, ${SESSION_STATUS.PREPARING})`;

/**
 * SQLite (WAL) implementation of every store. The database file holds accesstokens, so it and its WAL/SHM
 * companions are made readable by the owner only.
 */
export class SqliteStore
  implements SessionStore, CredentialStore, ProjectStore, UploadedAvatarStore, TemporaryCredentialStore
{
  private readonly db: Database.Database;
  private readonly path: string;
  private readonly stmt;

  constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.restrictPermissions();
    const db = this.db;
    this.stmt = {
      getCredential: db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE appkey = ?'),
      putCredential: db.prepare(
        `INSERT OR REPLACE INTO credentials (appkey, accesstoken, name, max_sessions, created_at, revoked_at)
         VALUES (@appkey, @accesstoken, @name, @maxSessions, @createdAt, @revokedAt)`,
      ),
      listCredentials: db.prepare<[], CredentialRow>('SELECT * FROM credentials ORDER BY created_at, appkey'),
      revokeCredential: db.prepare(
        'UPDATE credentials SET revoked_at = ? WHERE appkey = ? AND revoked_at IS NULL',
      ),
      getProject: db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE project_id = ?'),
      insertProject: db.prepare(
        `INSERT INTO projects (project_id, name, appkey, avatar, voice, opening_line, created_at, session_idle_sec,
           channel_idle_sec, stream, dialogue)
         VALUES (@projectId, @name, @appkey, @avatar, @voice, @openingLine, @createdAt, @sessionIdleSec,
           @channelIdleSec, @stream, @dialogue)`,
      ),
      listProjects: db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY created_at, project_id'),
      getAsset: db.prepare<[string], AssetRow>('SELECT * FROM assets WHERE asset_key = ?'),
      insertAsset: db.prepare(
        `INSERT INTO assets (asset_key, name, model, default_voice, expires_at, created_at)
         VALUES (@assetKey, @name, @model, @defaultVoice, @expiresAt, @createdAt)`,
      ),
      listAssets: db.prepare<[], AssetRow>('SELECT * FROM assets ORDER BY created_at, asset_key'),
      getUploadedAvatar: db.prepare<[string, string], UploadedAvatarRow>(
        'SELECT * FROM uploaded_avatars WHERE appkey = ? AND avatar_key = ?',
      ),
      putUploadedAvatar: db.prepare(
        `INSERT INTO uploaded_avatars (appkey, avatar_key, manifest, created_at, updated_at)
         VALUES (@appkey, @avatarKey, @manifestJson, @createdAt, @updatedAt)
         ON CONFLICT (appkey, avatar_key) DO UPDATE SET manifest = excluded.manifest,
           updated_at = excluded.updated_at`,
      ),
      listUploadedAvatars: db.prepare<[string], UploadedAvatarRow>(
        'SELECT * FROM uploaded_avatars WHERE appkey = ? ORDER BY created_at, avatar_key',
      ),
      countUploadedAvatars: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM uploaded_avatars WHERE appkey = ?',
      ),
      deleteUploadedAvatar: db.prepare('DELETE FROM uploaded_avatars WHERE appkey = ? AND avatar_key = ?'),
      getTemporaryCredential: db.prepare<[string], TemporaryCredentialRow>(
        'SELECT * FROM temporary_credentials WHERE appkey = ?',
      ),
      putTemporaryCredential: db.prepare(
        `INSERT INTO temporary_credentials (appkey, accesstoken, acts_for, created_at, expires_at)
         VALUES (@appkey, @accesstoken, @actsFor, @createdAt, @expiresAt)`,
      ),
      purgeTemporaryCredentials: db.prepare('DELETE FROM temporary_credentials WHERE expires_at <= ?'),
      insertSession: db.prepare(
        `INSERT INTO sessions (session_id, appkey, user_id, project_id, asset_key, voice, protocol, driver_type,
           status, is_started, speak_status, error_code, error_message, close_type, stream_max_interval_ms,
           timeout_sec, options, created_at, updated_at, started_at, closed_at, last_activity_at, idle_timeout_ms,
           channel_idle_ms)
         VALUES (@session_id, @appkey, @user_id, @project_id, @asset_key, @voice, @protocol, @driver_type,
           @status, @is_started, @speak_status, @error_code, @error_message, @close_type, @stream_max_interval_ms,
           @timeout_sec, @options, @created_at, @updated_at, @started_at, @closed_at, @last_activity_at,
           @idle_timeout_ms, @channel_idle_ms)`,
      ),
      getSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_id = ?'),
      listLive: db.prepare<[string], SessionRow>(
        `SELECT * FROM sessions WHERE appkey = ? AND ${LIVE} ORDER BY created_at, session_id`,
      ),
      listLiveOfUser: db.prepare<[string, string], SessionRow>(
        `SELECT * FROM sessions WHERE appkey = ? AND user_id = ? AND ${LIVE} ORDER BY created_at, session_id`,
      ),
      countLive: db.prepare<[string], { n: number }>('SELECT n FROM live_counts WHERE appkey = ?'),
      updateStatus: db.prepare(
        'UPDATE sessions SET status = ?, updated_at = ? WHERE session_id = ? AND status = ?',
      ),
      markStarted: db.prepare(
        `UPDATE sessions SET is_started = 1, started_at = @at, updated_at = @at, last_activity_at = @at
         WHERE session_id = @sessionId`,
      ),
      markClosed: db.prepare(
        `UPDATE sessions SET status = ${SESSION_STATUS.CLOSED}, close_type = @closeType, error_code = @errorCode,
           error_message = @errorMessage, closed_at = @at, updated_at = @at
         WHERE session_id = @sessionId AND status = @from`,
      ),
      markFailed: db.prepare(
        `UPDATE sessions SET status = ${SESSION_STATUS.FAILED}, error_code = @errorCode,
           error_message = @errorMessage, closed_at = @at, updated_at = @at
         WHERE session_id = @sessionId AND status = ${SESSION_STATUS.PREPARING}`,
      ),
      touch: db.prepare(
        `UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE session_id = ? AND ${LIVE}`,
      ),
      updateSpeakStatus: db.prepare(
        `UPDATE sessions SET speak_status = @speakStatus, updated_at = @at WHERE session_id = @sessionId AND ${LIVE}`,
      ),
      listIdle: db.prepare<[number], SessionRow>(
        `SELECT * FROM sessions WHERE ${LIVE} AND last_activity_at + idle_timeout_ms < ?`,
      ),
      listAllLive: db.prepare<[], SessionRow>(`SELECT * FROM sessions WHERE ${LIVE}`),
      countByStatus: db.prepare<[], { status: number; n: number }>(
        'SELECT status, count(*) AS n FROM sessions GROUP BY status',
      ),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `${this.path} has schema version ${version}, newer than this dhuman (${MIGRATIONS.length}); upgrade dhuman`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] ?? '');
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private restrictPermissions(): void {
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      if (existsSync(file)) chmodSync(file, 0o600);
    }
  }

  // Credentials

  getCredential(appkey: string): Credential | undefined {
    const row = this.stmt.getCredential.get(appkey);
    return row && toCredential(row);
  }

  putCredential(credential: Credential): void {
    this.stmt.putCredential.run(credential);
  }

  listCredentials(): Credential[] {
    return this.stmt.listCredentials.all().map(toCredential);
  }

  revokeCredential(appkey: string, at: number): boolean {
    return this.stmt.revokeCredential.run(at, appkey).changes > 0;
  }

  // Projects and assets

  getProject(projectId: string): Project | undefined {
    const row = this.stmt.getProject.get(projectId);
    return row && toProject(row);
  }

  /** Throws a RangeError for stream settings out of bounds rather than store what would read back as others. */
  createProject(project: Project): void {
    this.stmt.insertProject.run({
      ...project,
      stream: JSON.stringify(parseStreamSettings(project.stream)),
      dialogue: project.dialogue ? JSON.stringify(parseDialogueSettings(project.dialogue)) : null,
    });
  }

  listProjects(): Project[] {
    return this.stmt.listProjects.all().map(toProject);
  }

  getAsset(assetKey: string): AvatarAsset | undefined {
    const row = this.stmt.getAsset.get(assetKey);
    return row && toAsset(row);
  }

  createAsset(asset: AvatarAsset): void {
    this.stmt.insertAsset.run(asset);
  }

  listAssets(): AvatarAsset[] {
    return this.stmt.listAssets.all().map(toAsset);
  }

  // Uploaded avatars

  getUploadedAvatar(appkey: string, avatarKey: string): UploadedAvatar | undefined {
    const row = this.stmt.getUploadedAvatar.get(appkey, avatarKey);
    return row && toUploadedAvatar(row);
  }

  putUploadedAvatar(avatar: UploadedAvatar): void {
    this.stmt.putUploadedAvatar.run(avatar);
  }

  listUploadedAvatars(appkey: string): UploadedAvatar[] {
    return this.stmt.listUploadedAvatars.all(appkey).map(toUploadedAvatar);
  }

  countUploadedAvatars(appkey: string): number {
    return this.stmt.countUploadedAvatars.get(appkey)?.n ?? 0;
  }

  deleteUploadedAvatar(appkey: string, avatarKey: string): boolean {
    return this.stmt.deleteUploadedAvatar.run(appkey, avatarKey).changes > 0;
  }

  // Temporary credentials

  getTemporaryCredential(appkey: string): TemporaryCredential | undefined {
    const row = this.stmt.getTemporaryCredential.get(appkey);
    return row && toTemporaryCredential(row);
  }

  putTemporaryCredential(credential: TemporaryCredential): void {
    this.stmt.putTemporaryCredential.run(credential);
  }

  purgeExpiredTemporaryCredentials(now: number): number {
    return this.stmt.purgeTemporaryCredentials.run(now).changes;
  }

  // Sessions

  insertSession(r: SessionRecord): void {
    this.stmt.insertSession.run({
      session_id: r.sessionId,
      appkey: r.appkey,
      user_id: r.userId,
      project_id: r.projectId,
      asset_key: r.assetKey,
      voice: r.voice,
      protocol: r.protocol,
      driver_type: r.driverType,
      status: r.status,
      is_started: r.isStarted ? 1 : 0,
      speak_status: r.speakStatus,
      error_code: r.errorCode,
      error_message: r.errorMessage,
      close_type: r.closeType,
      stream_max_interval_ms: r.streamMaxIntervalMs,
      timeout_sec: r.timeoutSec,
      options: JSON.stringify(r.options),
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      started_at: r.startedAt,
      closed_at: r.closedAt,
      last_activity_at: r.lastActivityAt,
      idle_timeout_ms: r.idleTimeoutMs,
      channel_idle_ms: r.channelIdleMs,
    });
  }

  getSession(sessionId: string): SessionRecord | undefined {
    const row = this.stmt.getSession.get(sessionId);
    return row && toSession(row);
  }

  listLive(appkey: string, filter: SessionFilter = {}): SessionRecord[] {
    // The UserId lookup runs on every createsession, so it uses its own index instead of a scan.
    const rows =
      filter.userId === undefined
        ? this.stmt.listLive.all(appkey)
        : this.stmt.listLiveOfUser.all(appkey, filter.userId);
    return rows
      .map(toSession)
      .filter(
        (s) =>
          (filter.projectId === undefined || s.projectId === filter.projectId) &&
          (filter.assetKey === undefined || s.assetKey === filter.assetKey) &&
          (filter.userId === undefined || s.userId === filter.userId),
      );
  }

  countLive(appkey: string): number {
    return this.stmt.countLive.get(appkey)?.n ?? 0;
  }

  updateStatus(sessionId: string, from: SessionStatus, to: SessionStatus, at: number): boolean {
    return this.stmt.updateStatus.run(to, at, sessionId, from).changes > 0;
  }

  markStarted(sessionId: string, at: number): void {
    this.stmt.markStarted.run({ sessionId, at });
  }

  markClosed(sessionId: string, from: SessionStatus, fields: CloseFields): boolean {
    return this.stmt.markClosed.run({ sessionId, from, ...fields }).changes > 0;
  }

  markFailed(sessionId: string, errorCode: number, errorMessage: string, at: number): boolean {
    return this.stmt.markFailed.run({ sessionId, errorCode, errorMessage, at }).changes > 0;
  }

  touch(sessionId: string, at: number): void {
    this.stmt.touch.run(at, sessionId);
  }

  updateSpeakStatus(sessionId: string, speakStatus: string, at: number): void {
    this.stmt.updateSpeakStatus.run({ sessionId, speakStatus, at });
  }

  listIdle(now: number): SessionRecord[] {
    return this.stmt.listIdle.all(now).map(toSession);
  }

  listAllLive(): SessionRecord[] {
    return this.stmt.listAllLive.all().map(toSession);
  }

  countByStatus(): Map<SessionStatus, number> {
    return new Map(this.stmt.countByStatus.all().map((r) => [r.status as SessionStatus, r.n]));
  }

  /** The open database, for the stores of other modules that keep their tables in this file (video tasks). */
  get database(): Database.Database {
    return this.db;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
