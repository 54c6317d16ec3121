import type { AvatarManifest } from '@dhuman/avatar';
import type { VideoBackground } from './video-types.js';

/**
 * Fully transparent black. The renderer fills its background with the manifest's paint on a canvas the worker
 * has just cleared, and filling with zero alpha leaves the cleared pixels as they are: the avatar comes out on
 * nothing, with no change to the renderer or the worker.
 */
const TRANSPARENT = '#00000000';

/**
 * A copy of `manifest` whose background is the video's (the input is not modified). The avatar's backdrop
 * decorations (its `static` layers, such as a soft glow behind the head) are left out: on a green screen they
 * would spoil the key, on a transparent video they would be a pale halo, and behind a customer's picture they
 * would cover it.
 */
export function withVideoBackground(manifest: AvatarManifest, background: VideoBackground): AvatarManifest {
  return {
    ...manifest,
    background: background === 'transparent' ? TRANSPARENT : background.color,
    layers: manifest.layers.filter((layer) => layer.group !== 'static'),
  };
}
