import type { CloseType, SessionStatus } from '@dhuman/protocol';
import type {
  AvatarAsset,
  Credential,
  Project,
  SessionRecord,
  TemporaryCredential,
  UploadedAvatar,
} from './model.js';

/**
 * Storage contracts. The single-node implementation is SQLite; a Redis one slots in for scale-out, so nothing
 * here assumes one process sees every session. Calls are synchronous because SQLite answers in microseconds;
 * a networked store wraps its own cache behind the same shape or the interface grows async variants then.
 */
export interface CredentialStore {
  getCredential(appkey: string): Credential | undefined;
  /** Inserts, or replaces the credential with the same appkey (un-revoking it). */
  putCredential(credential: Credential): void;
  listCredentials(): Credential[];
  revokeCredential(appkey: string, at: number): boolean;
}

/** Short-lived credentials acting for another appkey; another node must verify them too, so they are stored. */
export interface TemporaryCredentialStore {
  getTemporaryCredential(appkey: string): TemporaryCredential | undefined;
  putTemporaryCredential(credential: TemporaryCredential): void;
  /** Deletes every credential expired at `now`; returns how many. */
  purgeExpiredTemporaryCredentials(now: number): number;
}

/** Avatars uploaded by appkeys, each visible to its appkey only. */
export interface UploadedAvatarStore {
  getUploadedAvatar(appkey: string, avatarKey: string): UploadedAvatar | undefined;
  /** Inserts, or replaces the appkey's avatar with the same key (keeping its `createdAt`). */
  putUploadedAvatar(avatar: UploadedAvatar): void;
  listUploadedAvatars(appkey: string): UploadedAvatar[];
  countUploadedAvatars(appkey: string): number;
  deleteUploadedAvatar(appkey: string, avatarKey: string): boolean;
}

/**
 * Asset keys as one appkey sees them: the stored asset rows, plus the avatars the server knows (built-in and
 * data-dir ones for everybody, uploaded ones for their appkey), which are usable as assets under their own key.
 */
export interface AssetCatalog {
  /** The asset, or undefined when `appkey` has none by that key (another appkey's upload looks the same). */
  findAsset(appkey: string, assetKey: string): AvatarAsset | undefined;
  /** Whether the avatar an asset draws (its `model`) can be loaded for `appkey`. */
  hasAvatar(appkey: string, avatarKey: string): boolean;
}

export interface ProjectStore {
  getProject(projectId: string): Project | undefined;
  createProject(project: Project): void;
  listProjects(): Project[];
  getAsset(assetKey: string): AvatarAsset | undefined;
  createAsset(asset: AvatarAsset): void;
  listAssets(): AvatarAsset[];
}

export interface SessionFilter {
  projectId?: string;
  assetKey?: string;
  userId?: string;
}

export interface CloseFields {
  closeType: CloseType;
  errorCode: number;
  errorMessage: string;
  at: number;
}

export interface SessionStore {
  insertSession(record: SessionRecord): void;
  getSession(sessionId: string): SessionRecord | undefined;
  /** Live (status 1 or 3) sessions of one appkey, oldest first. */
  listLive(appkey: string, filter?: SessionFilter): SessionRecord[];
  /** How many live sessions the appkey has; called on every createsession, so it must not scan. */
  countLive(appkey: string): number;
  /** Applies a status change only if the current status is `from`; false when it was not. */
  updateStatus(sessionId: string, from: SessionStatus, to: SessionStatus, at: number): boolean;
  markStarted(sessionId: string, at: number): void;
  markClosed(sessionId: string, from: SessionStatus, fields: CloseFields): boolean;
  markFailed(sessionId: string, errorCode: number, errorMessage: string, at: number): boolean;
  touch(sessionId: string, at: number): void;
  /** Records a live session's last drive state (`SpeakStatus` of statsession). */
  updateSpeakStatus(sessionId: string, speakStatus: string, at: number): void;
  /** Live sessions whose idle deadline (last activity + their idle timeout) is before `now`. */
  listIdle(now: number): SessionRecord[];
  /** Every live session, used once at start-up to close what a dead process left behind. */
  listAllLive(): SessionRecord[];
  countByStatus(): Map<SessionStatus, number>;
  /** Runs `fn` atomically: no other writer interleaves (quota checks rely on it). */
  transaction<T>(fn: () => T): T;
}
