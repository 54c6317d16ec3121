import type { AssetCatalog, AvatarAsset, ProjectStore } from '@dhuman/core';
import { DEFAULT_VOICE } from '../bootstrap.js';
import type { KnownAvatar } from './avatar-folders.js';
import type { AvatarRegistry } from './avatar-registry.js';

/**
 * Asset keys as one appkey sees them: a stored asset row wins (`demo`, `ava`, `leo`, an operator's); otherwise
 * an avatar the appkey may use is an asset under its own key, drawing itself, with the manifest's default voice.
 */
export class ServerAssetCatalog implements AssetCatalog {
  constructor(
    private readonly projects: ProjectStore,
    private readonly avatars: AvatarRegistry,
  ) {}

  findAsset(appkey: string, assetKey: string): AvatarAsset | undefined {
    const stored = this.projects.getAsset(assetKey);
    if (stored) return stored;
    const avatar = this.avatars.find(appkey, assetKey);
    if (!avatar) return undefined;
    return {
      assetKey,
      name: avatar.manifest.name,
      model: avatar.key,
      defaultVoice: avatar.manifest.defaultVoice ?? DEFAULT_VOICE,
      expiresAt: null,
      createdAt: 0,
    };
  }

  hasAvatar(appkey: string, avatarKey: string): boolean {
    return this.avatars.find(appkey, avatarKey) !== undefined;
  }

  /** The avatar an asset draws, when both exist for the appkey. */
  avatarOfAsset(appkey: string, assetKey: string): KnownAvatar | undefined {
    const asset = this.findAsset(appkey, assetKey);
    return asset && this.avatars.find(appkey, asset.model);
  }
}
