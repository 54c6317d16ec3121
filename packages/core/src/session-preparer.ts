import { ERRORS, IvhError } from '@dhuman/protocol';
import type { SessionRecord } from './model.js';
import type { AssetCatalog } from './stores.js';

/**
 * Loads what a session needs before it may report READY (status 3 → 1). Each step throws an IvhError that
 * becomes the session's ErrorCode when it fails (status 4). Later layers (TTS voice warm-up, avatar model
 * load) add steps; the session manager only knows this interface.
 */
export interface PreparationStep {
  readonly label: string;
  prepare(session: SessionRecord, signal: AbortSignal): Promise<void>;
}

/**
 * Checks that the session's avatar asset exists for its appkey, has not expired, and that the avatar it draws
 * can be loaded. The asset or its avatar can be deleted or expire between createsession and preparation, so
 * this is checked here, not only at creation.
 */
export class AvatarAssetStep implements PreparationStep {
  readonly label = 'avatar-asset';

  constructor(
    private readonly assets: AssetCatalog,
    private readonly now: () => number = Date.now,
  ) {}

  prepare(session: SessionRecord): Promise<void> {
    const asset = this.assets.findAsset(session.appkey, session.assetKey);
    if (!asset) {
      return Promise.reject(
        new IvhError(ERRORS.AVATAR_LOAD_FAILED, `avatar asset "${session.assetKey}" does not exist`),
      );
    }
    if (asset.expiresAt !== null && asset.expiresAt <= this.now()) {
      return Promise.reject(new IvhError(ERRORS.ASSET_EXPIRED, `avatar asset "${asset.assetKey}" expired`));
    }
    if (!this.assets.hasAvatar(session.appkey, asset.model)) {
      return Promise.reject(
        new IvhError(
          ERRORS.AVATAR_LOAD_FAILED,
          `avatar "${asset.model}" of asset "${asset.assetKey}" is not available on this server`,
        ),
      );
    }
    return Promise.resolve();
  }
}
