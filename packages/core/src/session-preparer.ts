import { ERRORS, IvhError } from '@dhuman/protocol';
import type { SessionRecord } from './model.js';
import type { ProjectStore } from './stores.js';

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
 * Checks that the session's avatar asset exists and has not expired. The asset can be deleted or expire
 * between createsession and preparation, so this is checked here, not only at creation.
 */
export class AvatarAssetStep implements PreparationStep {
  readonly label = 'avatar-asset';

  constructor(
    private readonly projects: ProjectStore,
    private readonly now: () => number = Date.now,
  ) {}

  prepare(session: SessionRecord): Promise<void> {
    const asset = this.projects.getAsset(session.assetKey);
    if (!asset) {
      return Promise.reject(
        new IvhError(ERRORS.AVATAR_LOAD_FAILED, `avatar asset "${session.assetKey}" does not exist`),
      );
    }
    if (asset.expiresAt !== null && asset.expiresAt <= this.now()) {
      return Promise.reject(new IvhError(ERRORS.ASSET_EXPIRED, `avatar asset "${asset.assetKey}" expired`));
    }
    return Promise.resolve();
  }
}
