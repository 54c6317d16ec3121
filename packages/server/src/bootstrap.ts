import type { Credential, CredentialStore, ProjectStore } from '@dhuman/core';
import { BUILTIN_FAQ_PREFIX, DEFAULT_STREAM_SETTINGS, newHexId } from '@dhuman/core';
import type { KnownAvatar } from './avatars/avatar-folders.js';

/** The built-in avatar and project every install has (architecture.md): drawn avatar, English voice, no bot. */
export const DEMO_ASSET = 'demo';
export const DEMO_PROJECT = 'demo';
/** The built-in avatar the demo asset draws. */
export const DEMO_AVATAR = 'ava';
export const DEFAULT_VOICE = 'en-us';
const DEMO_OPENING_LINE = "Hello, I am the dhuman demo avatar. Type something and I'll say it.";
/**
 * The built-in project that answers questions (issue 7): the demo avatar with the FAQ about dhuman that ships
 * with it, so the demo page's microphone has something to talk to. `demo` itself stays without a bot: its texts
 * are spoken as given, as existing clients expect.
 */
export const ASSISTANT_PROJECT = 'assistant';
const ASSISTANT_OPENING_LINE = 'Hello, I am the dhuman assistant. Ask me what I can do.';

export function ensureBuiltins(store: ProjectStore, now = Date.now()): void {
  if (!store.getAsset(DEMO_ASSET)) {
    store.createAsset({
      assetKey: DEMO_ASSET,
      name: 'Demo avatar',
      model: DEMO_AVATAR,
      defaultVoice: DEFAULT_VOICE,
      expiresAt: null,
      createdAt: now,
    });
  }
  if (!store.getProject(DEMO_PROJECT)) {
    store.createProject({
      projectId: DEMO_PROJECT,
      name: 'Demo',
      appkey: null,
      avatar: DEMO_ASSET,
      voice: DEFAULT_VOICE,
      openingLine: DEMO_OPENING_LINE,
      createdAt: now,
      sessionIdleSec: null,
      channelIdleSec: null,
      stream: { ...DEFAULT_STREAM_SETTINGS },
    });
  }
  if (!store.getProject(ASSISTANT_PROJECT)) {
    store.createProject({
      projectId: ASSISTANT_PROJECT,
      name: 'Assistant (FAQ)',
      appkey: null,
      avatar: DEMO_ASSET,
      voice: DEFAULT_VOICE,
      openingLine: ASSISTANT_OPENING_LINE,
      createdAt: now,
      sessionIdleSec: null,
      channelIdleSec: null,
      stream: { ...DEFAULT_STREAM_SETTINGS },
      dialogue: { engine: 'faq', file: `${BUILTIN_FAQ_PREFIX}assistant` },
    });
  }
}

/**
 * Gives every built-in avatar an asset row under its own key (`ava`, `leo`), so `AssetVirtualmanKey` and
 * `dhuman project create --avatar` name them like any stored asset. Existing rows are left as they are.
 */
export function ensureAvatarAssets(
  store: ProjectStore,
  avatars: readonly KnownAvatar[],
  now = Date.now(),
): void {
  for (const avatar of avatars) {
    if (avatar.source !== 'builtin' || store.getAsset(avatar.key)) continue;
    store.createAsset({
      assetKey: avatar.key,
      name: avatar.manifest.name,
      model: avatar.key,
      defaultVoice: avatar.manifest.defaultVoice ?? DEFAULT_VOICE,
      expiresAt: null,
      createdAt: now,
    });
  }
}

export interface EnsuredCredential {
  credential: Credential;
  /** True when this start created it: the only time its accesstoken is shown without being asked for. */
  created: boolean;
}

/**
 * Makes sure a usable credential exists: the one from the environment when given (its accesstoken wins over a
 * stored one, so rotating means changing the variable), else the first live stored one, else a new one.
 */
export function ensureCredential(
  store: CredentialStore,
  fromEnv: { appkey: string; accesstoken: string } | undefined,
  now = Date.now(),
): EnsuredCredential {
  if (fromEnv) {
    const existing = store.getCredential(fromEnv.appkey);
    if (existing && existing.accesstoken === fromEnv.accesstoken && existing.revokedAt === null) {
      return { credential: existing, created: false };
    }
    const credential: Credential = {
      appkey: fromEnv.appkey,
      accesstoken: fromEnv.accesstoken,
      name: 'from DHUMAN_APPKEY',
      maxSessions: existing?.maxSessions ?? null,
      createdAt: existing?.createdAt ?? now,
      revokedAt: null,
    };
    store.putCredential(credential);
    return { credential, created: false };
  }
  const live = store.listCredentials().find((c) => c.revokedAt === null);
  if (live) return { credential: live, created: false };
  return { credential: createCredential(store, 'first start', null, now), created: true };
}

export function createCredential(
  store: CredentialStore,
  name: string,
  maxSessions: number | null,
  now = Date.now(),
): Credential {
  const credential: Credential = {
    appkey: newHexId(),
    accesstoken: newHexId(),
    name,
    maxSessions,
    createdAt: now,
    revokedAt: null,
  };
  store.putCredential(credential);
  return credential;
}
