import type { CloseType, DriverType, SessionStatus, SpeechParam } from '@dhuman/protocol';
import type { DialogueSettings } from './dialogue/settings.js';
import type { StreamSettings } from './stream-settings.js';

/** An appkey and the secret its requests are signed with. HMAC needs the secret itself, so it is stored as is. */
export interface Credential {
  appkey: string;
  accesstoken: string;
  name: string;
  /** Live-session quota for this appkey; null uses the server default. */
  maxSessions: number | null;
  createdAt: number;
  revokedAt: number | null;
}

/** A project binds an avatar, a voice and a dialogue engine, as the IVH console's projects do. */
export interface Project {
  projectId: string;
  name: string;
  /** Owning appkey; null means every appkey may use it (the built-in `demo`). */
  appkey: string | null;
  avatar: string;
  voice: string;
  /** Opening line answered by describeactionconfigcommanddetail; "" for none. */
  openingLine: string;
  /** Idle rules of this project's sessions (spec §3.7); null uses the server's. */
  sessionIdleSec: number | null;
  channelIdleSec: number | null;
  /** Size, rate and PlayStreamAddr form of its sessions' streams; projects stored without them have the defaults. */
  stream: StreamSettings;
  /** Where its visitors' questions go; absent: no dialogue engine, every text is spoken as given. */
  dialogue?: DialogueSettings;
  createdAt: number;
}

/** An avatar asset, addressed by `AssetVirtualmanKey`. */
export interface AvatarAsset {
  assetKey: string;
  name: string;
  /** The key of the avatar that draws it (a built-in, data-dir or uploaded avatar). */
  model: string;
  /** Voice used when neither the project nor SpeechParam names one. */
  defaultVoice: string;
  /** Unix ms after which the asset may not start new sessions (100015); null = never. */
  expiresAt: number | null;
  createdAt: number;
}

export type StreamProtocolSupported = 'webrtc' | 'rtmp';

export interface SessionRecord {
  sessionId: string;
  appkey: string;
  userId: string;
  /** '' for sessions created by asset. */
  projectId: string;
  assetKey: string;
  voice: string;
  protocol: StreamProtocolSupported;
  driverType: DriverType;
  status: SessionStatus;
  isStarted: boolean;
  speakStatus: string;
  errorCode: number;
  errorMessage: string;
  closeType: CloseType | null;
  streamMaxIntervalMs: number;
  /** The undocumented createsession `Timeout` (seconds), stored as sent. */
  timeoutSec: number | null;
  /** Options passed through for the media layers: ProtocolOption, ExtraInfo, SpeechParam, layers. */
  options: SessionOptions;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  closedAt: number | null;
  lastActivityAt: number;
  /** Closed after this long without start, drive or heartbeat (from the project, else the server default). */
  idleTimeoutMs: number;
  /** Its command channel is closed after this long without an upstream frame. */
  channelIdleMs: number;
}

export interface SessionOptions {
  protocolOption?: Record<string, unknown>;
  extraInfo?: Record<string, unknown>;
  speechParam?: SpeechParam;
  backgrounds?: Record<string, unknown>[];
  foregrounds?: Record<string, unknown>[];
  anchorParam?: Record<string, unknown>;
}

/**
 * An avatar manifest an appkey uploaded (`PUT /dhuman/avatars/<key>`). Only that appkey sees or uses it. The
 * manifest is kept as the JSON text that passed validation; readers validate it again, so a stricter format
 * in a later version cannot hand them something it no longer accepts.
 */
export interface UploadedAvatar {
  appkey: string;
  avatarKey: string;
  manifestJson: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * A short-lived credential that signs like any other but acts for another appkey: whatever it creates belongs
 * to `actsFor`. The server issues them to the local demo page (`POST /dhuman/dev/token`).
 */
export interface TemporaryCredential {
  appkey: string;
  accesstoken: string;
  actsFor: string;
  createdAt: number;
  /** Unix ms; from then on it is refused and may be purged. */
  expiresAt: number;
}
