import type { AvatarManifest } from '@dhuman/avatar';
import type { ProjectStore } from '@dhuman/core';
import { DEFAULT_STREAM_SETTINGS } from '@dhuman/core';
import { ERRORS, IvhError } from '@dhuman/protocol';
import type { ServerAssetCatalog } from '../avatars/asset-catalog.js';

/** What a `VirtualmanKey` stands for in a video: the avatar, its voice and the picture size. */
export interface Virtualman {
  assetKey: string;
  manifest: AvatarManifest;
  voice: string;
  width: number;
  height: number;
  fps: number;
}

/**
 * Resolves a video's `VirtualmanKey`. IVH's key names an avatar preset (character, outfit, resolution); in dhuman
 * it is a project id (its avatar, voice and stream size: `demo`, or a project made with a 720p stream) or an
 * avatar asset key (its default voice, 512×512). Projects of other appkeys are not visible.
 */
export class VirtualmanResolver {
  constructor(
    private readonly projects: ProjectStore,
    private readonly assets: ServerAssetCatalog,
    private readonly now: () => number = Date.now,
  ) {}

  resolve(appkey: string, key: string): Virtualman {
    const project = this.projects.getProject(key);
    if (project && (project.appkey === null || project.appkey === appkey)) {
      const { width, height, fps } = project.stream;
      return { ...this.avatar(appkey, project.avatar, key), voice: project.voice, width, height, fps };
    }
    const asset = this.assets.findAsset(appkey, key);
    if (!asset) {
      throw new IvhError(
        ERRORS.RESOURCE_NOT_FOUND,
        `Payload.VirtualmanKey "${key.slice(0, 128)}" is neither a project nor an avatar asset of this appkey`,
      );
    }
    const { width, height, fps } = DEFAULT_STREAM_SETTINGS;
    return { ...this.avatar(appkey, key, key), voice: asset.defaultVoice, width, height, fps };
  }

  private avatar(
    appkey: string,
    assetKey: string,
    key: string,
  ): { assetKey: string; manifest: AvatarManifest } {
    const asset = this.assets.findAsset(appkey, assetKey);
    if (asset && asset.expiresAt !== null && asset.expiresAt <= this.now()) {
      throw new IvhError(ERRORS.VIRTUALMAN_KEY_EXPIRED, `the avatar asset of "${key.slice(0, 128)}" expired`);
    }
    const avatar = this.assets.avatarOfAsset(appkey, assetKey);
    if (!avatar) {
      throw new IvhError(
        ERRORS.RESOURCE_NOT_FOUND,
        `the avatar of VirtualmanKey "${key.slice(0, 128)}" does not exist (asset "${assetKey}")`,
      );
    }
    return { assetKey, manifest: avatar.manifest };
  }
}
