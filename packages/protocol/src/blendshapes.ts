/**
 * dhuman's internal face channels: the 17 mouth blendshapes (Apple ARKit names) that speech lip-sync produces
 * and the avatar renderer draws. A `weights[i]` (0..1) of a blendshape frame is the channel
 * `BLENDSHAPE_NAMES[i]`. dhuman drives the mouth only: blinking and idle motion belong to the renderer. This is
 * not the order of the client-render channel's `ThFeat`; that is `THFEAT_CHANNELS`.
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

/**
 * The channels of `SpeechRsp.ThFeat` on the client-render channel (spec §6.2), in wire order: the vendor's
 * client-render Web SDK (3.7.1) applies value `i` of each frame to the morph target named
 * `THFEAT_CHANNELS[i]`, a fixed list of the 52 ARKit blendshapes. Established by driving the SDK with
 * `ThDim: 52` frames whose value `i` was distinct and reading back which morph target of a model carrying all
 * 52 took it. The SDK sets each morph target to the larger of the sent value and its idle pose, so a 0 leaves
 * the avatar's own blinking and idle motion alone.
 */
export const THFEAT_CHANNELS = [
  'mouthLowerDownRight',
  'mouthRollLower',
  'cheekSquintRight',
  'mouthStretchRight',
  'mouthSmileLeft',
  'mouthDimpleRight',
  'noseSneerRight',
  'jawOpen',
  'mouthPucker',
  'mouthFunnel',
  'mouthStretchLeft',
  'cheekSquintLeft',
  'mouthPressRight',
  'mouthDimpleLeft',
  'cheekPuff',
  'mouthClose',
  'mouthPressLeft',
  'jawRight',
  'mouthUpperUpLeft',
  'mouthLowerDownLeft',
  'mouthLeft',
  'mouthShrugUpper',
  'mouthFrownLeft',
  'mouthFrownRight',
  'mouthRight',
  'noseSneerLeft',
  'mouthShrugLower',
  'mouthUpperUpRight',
  'mouthRollUpper',
  'jawForward',
  'jawLeft',
  'mouthSmileRight',
  'eyeSquintRight',
  'browOuterUpRight',
  'eyeLookUpRight',
  'eyeWideRight',
  'eyeLookDownLeft',
  'browInnerUp',
  'eyeLookOutRight',
  'browDownLeft',
  'eyeLookUpLeft',
  'browDownRight',
  'eyeBlinkLeft',
  'eyeLookInLeft',
  'eyeLookOutLeft',
  'eyeSquintLeft',
  'tongueOut',
  'eyeBlinkRight',
  'browOuterUpLeft',
  'eyeLookDownRight',
  'eyeWideLeft',
  'eyeLookInRight',
] as const;

export type ThFeatChannel = (typeof THFEAT_CHANNELS)[number];

/** `ThDim` of the frames dhuman sends: the vendor's 52 channels. */
export const THFEAT_DIM = THFEAT_CHANNELS.length;

/** For each internal channel `BLENDSHAPE_NAMES[i]`, its index in `THFEAT_CHANNELS`. */
export const THFEAT_INDEX_OF_BLENDSHAPE: readonly number[] = BLENDSHAPE_NAMES.map((name) =>
  THFEAT_CHANNELS.indexOf(name),
);

/** Frames of face blendshapes are 40 ms apart (25 fps), as the vendor's client-render channel uses. */
export const BLENDSHAPE_FRAME_MS = 40;

/** Client-render audio: Base64 signed 16-bit little-endian mono PCM at this rate (spec §6.2). */
export const CLIENT_RENDER_SAMPLE_RATE = 24_000;
