import { AvatarFormatError, parseAvatarManifest, type AvatarManifest } from '@dhuman/avatar';
import type { UploadedAvatarStore } from '@dhuman/core';
import { ERRORS, IvhError } from '@dhuman/protocol';
import { AVATAR_KEY, type KnownAvatar } from './avatar-folders.js';

/** Uploaded avatars one appkey may keep. */
export const MAX_UPLOADED_AVATARS = 50;

/** `Payload.Avatar.layers[3].path: …` from a format error, naming the field in the request. */
function describeFormatError(error: AvatarFormatError): string {
  const issue = error.issues[0];
  if (!issue) return `Payload.Avatar: ${error.message}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  const field = issue.path === '(manifest)' ? 'Payload.Avatar' : `Payload.Avatar.${issue.path}`;
  return `${field}: ${issue.message}${more}`;
}

/** Parsed uploads kept in memory; a session creation and its preparation read the same avatar twice. */
const PARSED_CACHE_SIZE = 256;

/**
 * The avatars known to the server, as each appkey sees them: shared ones (built-in and data-dir, loaded once at
 * start) and the appkey's own uploads (in the store, so every node sees them). Another appkey's upload is
 * invisible: looking it up gives the same answer as a key that does not exist.
 */
export class AvatarRegistry {
  private readonly shared: ReadonlyMap<string, KnownAvatar>;
  private readonly parsed = new Map<string, { updatedAt: number; manifest: AvatarManifest }>();

  constructor(
    shared: readonly KnownAvatar[],
    private readonly uploads: UploadedAvatarStore,
    /** Told of a stored upload that no longer parses (a stricter format); it is treated as absent. */
    private readonly onUnreadable: (appkey: string, key: string, message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.shared = new Map(shared.map((a) => [a.key, a]));
  }

  /** Built-in and data-dir avatars, built-in first. */
  sharedAvatars(): KnownAvatar[] {
    return [...this.shared.values()];
  }

  /** The shared avatar named `key` (built-in or data-dir), visible to everyone. */
  findShared(key: string): KnownAvatar | undefined {
    return this.shared.get(key);
  }

  /** The avatar named `key` as `appkey` sees it: a shared one, else its own upload. */
  find(appkey: string, key: string): KnownAvatar | undefined {
    return this.shared.get(key) ?? this.findUpload(appkey, key);
  }

  /** Every avatar `appkey` may use: shared ones, then its uploads oldest first. */
  list(appkey: string): KnownAvatar[] {
    const uploaded = this.uploads
      .listUploadedAvatars(appkey)
      .map((row) => this.readUpload(appkey, row.avatarKey, row.manifestJson, row.updatedAt))
      .filter((a): a is KnownAvatar => a !== undefined);
    return [...this.shared.values(), ...uploaded];
  }

  /**
   * Validates and stores `json` as `appkey`'s avatar `key`, replacing its earlier upload of that key. Refuses
   * keys of shared avatars and of `reservedKeys` (asset keys), a manifest whose `key` differs, and more than
   * MAX_UPLOADED_AVATARS per appkey; every refusal is 100001 naming the field.
   */
  upload(appkey: string, key: string, json: unknown, reservedKeys: (key: string) => boolean): KnownAvatar {
    assertAvatarKey(key);
    const shared = this.shared.get(key);
    if (shared) {
      const owner = shared.source === 'builtin' ? 'a built-in avatar' : 'an avatar of this server';
      throw invalid(`AvatarKey "${key}" is taken by ${owner}; choose another key`);
    }
    if (reservedKeys(key))
      throw invalid(`AvatarKey "${key}" is taken by an asset of this server; choose another key`);
    let manifest: AvatarManifest;
    try {
      manifest = parseAvatarManifest(json);
    } catch (error) {
      if (error instanceof AvatarFormatError) throw invalid(describeFormatError(error));
      throw error;
    }
    if (manifest.key !== key) {
      throw invalid(`Payload.Avatar.key "${manifest.key}" must equal the AvatarKey in the path ("${key}")`);
    }
    const existing = this.uploads.getUploadedAvatar(appkey, key);
    if (!existing && this.uploads.countUploadedAvatars(appkey) >= MAX_UPLOADED_AVATARS) {
      throw invalid(
        `this appkey already has ${MAX_UPLOADED_AVATARS} uploaded avatars (the limit); delete one first`,
      );
    }
    const at = Math.max(this.now(), (existing?.updatedAt ?? 0) + 1);
    this.uploads.putUploadedAvatar({
      appkey,
      avatarKey: key,
      manifestJson: JSON.stringify(manifest),
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    });
    this.parsed.delete(cacheKey(appkey, key));
    return { key, manifest, source: 'uploaded' };
  }

  /**
   * Deletes `appkey`'s upload `key`. A shared avatar is refused with 100005; a key the appkey has not uploaded
   * (another appkey's included) is 100001, as for a key that does not exist.
   */
  remove(appkey: string, key: string): void {
    assertAvatarKey(key);
    if (this.shared.has(key)) {
      throw new IvhError(
        ERRORS.UNAUTHORIZED,
        `avatar "${key}" belongs to the server; only uploads can be deleted`,
      );
    }
    if (!this.uploads.deleteUploadedAvatar(appkey, key)) throw notFound(key);
    this.parsed.delete(cacheKey(appkey, key));
  }

  /** The avatar, or 100001 "does not exist" (also for another appkey's upload). */
  require(appkey: string, key: string): KnownAvatar {
    assertAvatarKey(key);
    const avatar = this.find(appkey, key);
    if (!avatar) throw notFound(key);
    return avatar;
  }

  private findUpload(appkey: string, key: string): KnownAvatar | undefined {
    const row = this.uploads.getUploadedAvatar(appkey, key);
    return row && this.readUpload(appkey, key, row.manifestJson, row.updatedAt);
  }

  private readUpload(appkey: string, key: string, json: string, updatedAt: number): KnownAvatar | undefined {
    const id = cacheKey(appkey, key);
    const cached = this.parsed.get(id);
    if (cached?.updatedAt === updatedAt) return { key, manifest: cached.manifest, source: 'uploaded' };
    let manifest: AvatarManifest;
    try {
      manifest = parseAvatarManifest(JSON.parse(json));
    } catch (error) {
      this.onUnreadable(appkey, key, error instanceof Error ? error.message : String(error));
      return undefined;
    }
    this.parsed.delete(id);
    this.parsed.set(id, { updatedAt, manifest });
    if (this.parsed.size > PARSED_CACHE_SIZE) {
      const oldest = this.parsed.keys().next().value;
      if (oldest !== undefined) this.parsed.delete(oldest);
    }
    return { key, manifest, source: 'uploaded' };
  }
}

function cacheKey(appkey: string, key: string): string {
  return `${appkey}\u0000${key}`;
}

function assertAvatarKey(key: string): void {
  if (!AVATAR_KEY.test(key)) {
    throw invalid(`AvatarKey "${key.slice(0, 80)}" in the path must be 1-64 letters, digits, "_" or "-"`);
  }
}

function notFound(key: string): IvhError {
  return invalid(`avatar "${key}" does not exist (see GET /dhuman/avatars)`);
}

function invalid(detail: string): IvhError {
  return new IvhError(ERRORS.INVALID_PARAMETER, detail);
}
