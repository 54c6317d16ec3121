/**
 * The face channels of the client-render channel's `ThFeat` (spec §6.2), in wire order, named after Apple ARKit
 * blendshapes. dhuman drives the mouth only: blinking and idle motion belong to the renderer. A frame's
 * `weights[i]` (0..1) is the channel `BLENDSHAPE_NAMES[i]`, and `ThDim` is this list's length.
 */
export const BLENDSHAPE_NAMES = [
  'jawOpen',
  'mouthClose',
  'mouthFunnel',
  'mouthPucker',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'tongueOut',
] as const;

export type BlendshapeName = (typeof BLENDSHAPE_NAMES)[number];

/** Frames of face blendshapes are 40 ms apart (25 fps), as the vendor's client-render channel uses. */
export const BLENDSHAPE_FRAME_MS = 40;

/** Client-render audio: Base64 signed 16-bit little-endian mono PCM at this rate (spec §6.2). */
export const CLIENT_RENDER_SAMPLE_RATE = 24_000;
