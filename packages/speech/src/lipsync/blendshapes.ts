import type { BlendshapeFrame, BlendshapeName, Viseme, VisemeEvent } from '@dhuman/core';
import { BLENDSHAPE_FRAME_MS, BLENDSHAPE_NAMES, VISEMES } from '@dhuman/core';

type Shape = Partial<Record<BlendshapeName, number>>;

/** Both sides of a left/right pair at once: the mouth is drawn symmetric. */
function both(
  base: 'mouthSmile' | 'mouthStretch' | 'mouthPress' | 'mouthLowerDown' | 'mouthUpperUp',
  w: number,
): Shape {
  return { [`${base}Left`]: w, [`${base}Right`]: w };
}

/**
 * The mouth pose of each viseme at full strength, in ARKit terms. Hand-tuned from the ARKit shape
 * definitions: open vowels drop the jaw, rounded ones funnel and pucker the lips, bilabials press them shut,
 * labiodentals tuck the lower lip under the upper teeth, spread vowels and sibilants stretch the corners.
 */
const SHAPES: Readonly<Record<Viseme, Shape>> = {
  sil: {},
  PP: {
    jawOpen: 0.05,
    mouthClose: 0.3,
    mouthRollLower: 0.2,
    mouthRollUpper: 0.15,
    ...both('mouthPress', 0.6),
  },
  FF: { jawOpen: 0.1, mouthRollLower: 0.55, ...both('mouthUpperUp', 0.3), ...both('mouthPress', 0.1) },
  TH: { jawOpen: 0.15, tongueOut: 0.45, ...both('mouthLowerDown', 0.1) },
  DD: { jawOpen: 0.2, ...both('mouthStretch', 0.1), ...both('mouthLowerDown', 0.15) },
  kk: { jawOpen: 0.25, ...both('mouthStretch', 0.2), ...both('mouthLowerDown', 0.1) },
  CH: {
    jawOpen: 0.15,
    mouthFunnel: 0.35,
    mouthPucker: 0.2,
    ...both('mouthUpperUp', 0.2),
    ...both('mouthLowerDown', 0.2),
  },
  SS: {
    jawOpen: 0.08,
    ...both('mouthStretch', 0.35),
    ...both('mouthSmile', 0.2),
    ...both('mouthUpperUp', 0.15),
  },
  nn: { jawOpen: 0.15, ...both('mouthStretch', 0.1), ...both('mouthLowerDown', 0.1) },
  RR: { jawOpen: 0.15, mouthFunnel: 0.3, mouthPucker: 0.25 },
  aa: { jawOpen: 0.7, ...both('mouthLowerDown', 0.3), ...both('mouthUpperUp', 0.1) },
  E: {
    jawOpen: 0.4,
    ...both('mouthStretch', 0.35),
    ...both('mouthSmile', 0.15),
    ...both('mouthLowerDown', 0.2),
  },
  ih: { jawOpen: 0.2, ...both('mouthSmile', 0.35), ...both('mouthStretch', 0.3) },
  oh: { jawOpen: 0.45, mouthFunnel: 0.6, mouthPucker: 0.2 },
  ou: { jawOpen: 0.15, mouthPucker: 0.75, mouthFunnel: 0.35 },
};

const POSES: ReadonlyMap<Viseme, Float32Array> = new Map(
  VISEMES.map((viseme) => [viseme, Float32Array.from(BLENDSHAPE_NAMES, (name) => SHAPES[viseme][name] ?? 0)]),
);

/** The pose of `viseme` at strength `weight` (0..1), as weights over BLENDSHAPE_NAMES. */
export function visemePose(viseme: Viseme, weight = 1): Float32Array {
  const pose = POSES.get(viseme) ?? new Float32Array(BLENDSHAPE_NAMES.length);
  return pose.map((w) => w * weight);
}

/**
 * How long the mouth takes to move from one shape to the next. About one frame and a half: quick enough for
 * short consonants to show, slow enough that the mouth glides instead of snapping (coarticulation).
 */
export const VISEME_ATTACK_MS = 60;

/** Smoothstep: starts and ends the move gently. */
function ease(elapsedMs: number): number {
  const x = Math.min(1, Math.max(0, elapsedMs / VISEME_ATTACK_MS));
  return x * x * (3 - 2 * x);
}

function mix(from: Float32Array, to: Float32Array, amount: number): Float32Array {
  return from.map((w, i) => w + ((to[i] ?? 0) - w) * amount);
}

/** Index of the last viseme starting at or before `timeMs`, or -1. */
function activeIndex(visemes: readonly VisemeEvent[], timeMs: number): number {
  let low = 0;
  let high = visemes.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((visemes[mid]?.timeMs ?? 0) <= timeMs) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/**
 * Face frames at every multiple of BLENDSHAPE_FRAME_MS in [fromMs, toMs), for visemes sorted by time. At each
 * viseme the mouth starts moving from wherever it was towards that viseme's pose (scaled by its weight),
 * arriving VISEME_ATTACK_MS later; a viseme shorter than that is left before it is reached, as real lips do.
 * A frame depends only on visemes that started at or before it (no look-ahead), so frames of a stream can be
 * computed as soon as its audio is known; the cost is that the mouth trails the sound by about half the
 * attack (≈30 ms), under the 45 ms at which audio leading video becomes noticeable (ITU-R BT.1359).
 * Pure: the same visemes and range give the same frames, however a stream is cut into ranges.
 */
export function visemesToBlendshapes(
  visemes: readonly VisemeEvent[],
  fromMs: number,
  toMs: number,
): BlendshapeFrame[] {
  const frames: BlendshapeFrame[] = [];
  const firstFrame = Math.ceil(fromMs / BLENDSHAPE_FRAME_MS) * BLENDSHAPE_FRAME_MS;
  if (firstFrame >= toMs) return frames;
  const target = (i: number): Float32Array => {
    const v = visemes[i];
    return v ? visemePose(v.viseme, v.weight) : visemePose('sil');
  };
  const time = (i: number): number => visemes[i]?.timeMs ?? 0;

  // Where the mouth is when viseme `i` starts: walk back to a viseme whose predecessor lasted a full attack
  // (so it started from a settled pose), then forward. Bounded by how many visemes are packed together.
  let index = activeIndex(visemes, firstFrame);
  let anchor = Math.max(0, index);
  while (anchor > 0 && time(anchor) - time(anchor - 1) < VISEME_ATTACK_MS) anchor--;
  let start = anchor > 0 ? target(anchor - 1) : visemePose('sil');
  for (let i = anchor; i < index; i++) start = mix(start, target(i), ease(time(i + 1) - time(i)));

  for (let t = firstFrame; t < toMs; t += BLENDSHAPE_FRAME_MS) {
    while (index + 1 < visemes.length && time(index + 1) <= t) {
      if (index >= 0) start = mix(start, target(index), ease(time(index + 1) - time(index)));
      index++;
    }
    const weights = index < 0 ? visemePose('sil') : mix(start, target(index), ease(t - time(index)));
    frames.push({ timeMs: t, weights });
  }
  return frames;
}
