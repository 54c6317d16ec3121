import type { AvatarManifest } from './format.js';

/**
 * Idle motion and blinking as pure functions of time and the manifest's seed: no state, no Math.random, no
 * clock. Any frame can be computed on its own, in any order, and gives the same pose in a browser and on the
 * server. Random-looking schedules come from hashing (seed, stream, slot index).
 */

/** The pose of everything that moves on its own at one instant. */
export interface IdlePose {
  /** 0..1: lungs empty to full. */
  breath: number;
  /** Head roll, degrees (positive = clockwise on screen). */
  swayDeg: number;
  /** Head bob, design units (positive = down). */
  nod: number;
  /** Sideways turn, design units the face features shift (positive = to the right of the picture). */
  turn: number;
  /** 0 = eyes open, 1 = shut. */
  blink: number;
  /** Where the eyes look, each -1..1 of the iris travel (x right, y down). */
  gazeX: number;
  gazeY: number;
  /** Idle brow raise, design units (positive = up). */
  brow: number;
}

/** A uniform number in [0, 1) from three integers (a 32-bit integer mix; the same in every JS engine). */
export function hash01(seed: number, stream: number, index: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

// Streams of hash01, one per independent random choice.
const PHASE = 1;
const BLINK_AT = 2;
const BLINK_DOUBLE = 3;
const GAZE_AT = 4;
const GAZE_X = 5;
const GAZE_Y = 6;
const GAZE_CENTRE = 7;

const TAU = 2 * Math.PI;

function smoothstep(x: number): number {
  const t = Math.min(1, Math.max(0, x));
  return t * t * (3 - 2 * t);
}

/** 0..1 eyelid closure `dt` seconds into a blink of `duration` seconds: shuts in 40 % of it, reopens slower. */
function blinkShape(dt: number, duration: number): number {
  if (dt <= 0 || dt >= duration) return 0;
  const u = dt / duration;
  return u < 0.4 ? smoothstep(u / 0.4) : 1 - smoothstep((u - 0.4) / 0.6);
}

/**
 * Blinks: time is cut into slots of `meanIntervalSec`; each slot has one blink at a hashed offset (so gaps
 * range from about 0.2× to 1.8× the mean), sometimes followed by a second one. Looking back a bounded number
 * of slots finds any blink still under way at `timeSec`.
 */
export function blinkAmount(manifest: AvatarManifest, timeSec: number): number {
  const { meanIntervalSec: slot, durationMs, doubleChance } = manifest.blink;
  const duration = durationMs / 1000;
  const span = duration * 2.25;
  const current = Math.floor(timeSec / slot);
  const lookBack = Math.ceil(span / slot) + 1;
  let amount = 0;
  for (let index = current - lookBack; index <= current; index++) {
    const start = (index + 0.1 + 0.8 * hash01(manifest.seed, BLINK_AT, index)) * slot;
    amount = Math.max(amount, blinkShape(timeSec - start, duration));
    if (hash01(manifest.seed, BLINK_DOUBLE, index) < doubleChance) {
      amount = Math.max(amount, blinkShape(timeSec - start - duration * 1.25, duration));
    }
  }
  return amount;
}

/** Where slot `index`'s saccade lands: often back to the viewer, otherwise a hashed point in the range. */
function gazeTarget(manifest: AvatarManifest, index: number): [number, number] {
  const seed = manifest.seed;
  if (hash01(seed, GAZE_CENTRE, index) < 0.4) return [0, 0];
  const range = manifest.idle.gazeRange;
  return [(hash01(seed, GAZE_X, index) * 2 - 1) * range, (hash01(seed, GAZE_Y, index) * 2 - 1) * range * 0.6];
}

/** Saccades: one per slot of `gazeIntervalSec`, at a hashed moment, each a 60 ms jump to a new target. */
export function gaze(manifest: AvatarManifest, timeSec: number): [number, number] {
  const slot = manifest.idle.gazeIntervalSec;
  const index = Math.floor(timeSec / slot);
  const at = (index + 0.6 * hash01(manifest.seed, GAZE_AT, index)) * slot;
  const from = gazeTarget(manifest, index - 1);
  const to = gazeTarget(manifest, index);
  const k = smoothstep((timeSec - at) / 0.06);
  return [from[0] + (to[0] - from[0]) * k, from[1] + (to[1] - from[1]) * k];
}

/** Two sines with hashed phases; the second, faster and weaker, keeps the motion from looking periodic. */
function wobble(seed: number, channel: number, timeSec: number, period: number, ratio: number): number {
  const p1 = hash01(seed, PHASE, channel * 2) * TAU;
  const p2 = hash01(seed, PHASE, channel * 2 + 1) * TAU;
  return (
    0.75 * Math.sin((TAU * timeSec) / period + p1) + 0.25 * Math.sin((TAU * timeSec) / (period * ratio) + p2)
  );
}

/** The whole idle pose at `timeSec`. */
export function idlePose(manifest: AvatarManifest, timeSec: number): IdlePose {
  const { idle, seed } = manifest;
  const [gazeX, gazeY] = gaze(manifest, timeSec);
  const breathPhase = hash01(seed, PHASE, 100) * TAU;
  const browWave = 0.5 + 0.5 * Math.sin((TAU * timeSec) / 6.3 + hash01(seed, PHASE, 101) * TAU);
  return {
    breath: 0.5 - 0.5 * Math.cos((TAU * timeSec) / idle.breathPeriodSec + breathPhase),
    swayDeg: idle.swayDeg * wobble(seed, 0, timeSec, idle.swayPeriodSec, 0.41),
    nod: idle.nodAmount * wobble(seed, 1, timeSec, idle.nodPeriodSec, 0.53),
    turn: idle.turnAmount * wobble(seed, 2, timeSec, idle.turnPeriodSec, 0.37),
    blink: blinkAmount(manifest, timeSec),
    gazeX,
    gazeY,
    brow: idle.browAmount * browWave * browWave * browWave,
  };
}
