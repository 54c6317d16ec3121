// The subpath, not the index: the render worker loads this module, and the index would bring zod with it.
import { BLENDSHAPE_NAMES } from '@dhuman/protocol/blendshapes';
import type { BlendshapeName } from '@dhuman/protocol/blendshapes';
import type { Canvas2DLike } from './canvas.js';
import type { AvatarMouth } from './format.js';
import { mixColor, withAlpha } from './paint.js';

const INDEX = new Map<BlendshapeName, number>(BLENDSHAPE_NAMES.map((name, i) => [name, i]));

/** Channel `name` of a weights array, clamped to 0..1; missing, NaN or null weights read as 0. */
export function weight(weights: ArrayLike<number> | null, name: BlendshapeName): number {
  if (!weights) return 0;
  const value = weights[INDEX.get(name) ?? 0];
  if (value === undefined || !(value > 0)) return 0;
  return value > 1 ? 1 : value;
}

type Xy = [number, number];
/** A cubic curve segment's two control points and its end point. */
type Cubic = [Xy, Xy, Xy];

/** One side of the mouth, picture-left (-1) or picture-right (+1). */
interface Corner {
  x: number;
  y: number;
}

/**
 * The mouth's outline for one set of weights, in mouth-local design units (origin at `mouth.center`, y down).
 * Every curve runs from the picture-left corner to the picture-right corner.
 */
export interface MouthShape {
  left: Corner;
  right: Corner;
  /** Inner edges of the lips: the opening lies between them (they coincide when the mouth is shut). */
  upperInner: Cubic[];
  lowerInner: Cubic[];
  /** Outer edges of the lips. */
  upperOuter: Cubic[];
  lowerOuter: Cubic[];
  /** Opening at the middle, design units. */
  gap: number;
  upperInnerY: number;
  lowerInnerY: number;
  lowerOuterY: number;
  teethHeight: number;
  /** How far the lower teeth show above the lower lip edge, 0..1. */
  lowerTeeth: number;
  tongueOut: number;
  /** Half the rest width, for scaling details. */
  half: number;
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/**
 * Half an inner lip edge, from a corner to the middle. `round` 0 gives a lens (the flat slit of a wide mouth),
 * 1 a quarter ellipse (the O of a funnelled mouth).
 */
function innerHalf(corner: Corner, midY: number, round: number): [Xy, Xy] {
  const c1: Xy = [
    lerp(corner.x * 0.68, corner.x, round),
    lerp(lerp(corner.y, midY, 0.72), lerp(corner.y, midY, 0.55), round),
  ];
  const c2: Xy = [lerp(corner.x * 0.32, corner.x * 0.55, round), midY];
  return [c1, c2];
}

/**
 * ARKit mouth weights → lip curves. Left/right channels are the avatar's own sides, so `…Left` moves the corner
 * on the right of the picture. Each channel does what its ARKit namesake does: jawOpen parts the lips (mostly by
 * lowering the lower one), mouthClose cancels jawOpen's parting, press flattens and thins, funnel and pucker
 * narrow and round (funnel opens a little, pucker closes), smile lifts and widens the corners, stretch widens
 * them sideways and a little down, lowerDown and upperUp bare the teeth, the rolls tuck the lips in, and
 * tongueOut pushes the tongue over the lower lip.
 */
export function mouthShape(mouth: AvatarMouth, weights: ArrayLike<number> | null): MouthShape {
  const half = mouth.width / 2;
  const rest = mouth.restSmile ?? 0;
  const w = (name: BlendshapeName): number => weight(weights, name);

  const jaw = w('jawOpen');
  const funnel = w('mouthFunnel');
  const pucker = w('mouthPucker');
  const press = (w('mouthPressLeft') + w('mouthPressRight')) / 2;
  const lowerDown = (w('mouthLowerDownLeft') + w('mouthLowerDownRight')) / 2;
  const upperUp = (w('mouthUpperUpLeft') + w('mouthUpperUpRight')) / 2;
  const rollLower = w('mouthRollLower');
  const rollUpper = w('mouthRollUpper');
  const tongueOut = w('tongueOut');
  const round = Math.min(1, funnel * 1.1 + pucker * 0.9);

  // The opening: jaw drop less what mouthClose and press hold shut, plus what funnel, lowerDown and upperUp
  // pull open; pucker squeezes it.
  const parted = Math.max(0, jaw - w('mouthClose')) * (1 - 0.85 * press);
  const open = mouth.maxOpen;
  let upperInnerY = -(parted * 0.1 + upperUp * 0.16 + funnel * 0.07) * open;
  let lowerInnerY = (parted * 0.9 + lowerDown * 0.2 * Math.min(1, parted * 4 + 0.3) + funnel * 0.1) * open;
  const squeeze = 1 - 0.5 * pucker * (1 - funnel * 0.5);
  upperInnerY *= squeeze;
  lowerInnerY *= squeeze;
  const gap = lowerInnerY - upperInnerY;

  const side = (sign: -1 | 1): Corner => {
    const suffix = sign > 0 ? 'Left' : 'Right';
    const smile = Math.min(1, rest + w(`mouthSmile${suffix}`));
    const stretch = w(`mouthStretch${suffix}`);
    const sidePress = w(`mouthPress${suffix}`);
    const widen =
      1 + 0.14 * smile + 0.2 * stretch + 0.05 * parted - 0.34 * pucker - 0.24 * funnel - 0.04 * sidePress;
    return {
      x: sign * half * Math.max(0.45, widen),
      y: -half * (0.2 * smile - 0.06 * stretch) + gap * (0.3 + 0.15 * round) + upperInnerY,
    };
  };
  const left = side(-1);
  const right = side(1);

  const upperInner: Cubic[] = [];
  const lowerInner: Cubic[] = [];
  {
    const [a1, a2] = innerHalf(left, upperInnerY, round);
    const [b1, b2] = innerHalf(right, upperInnerY, round);
    upperInner.push([a1, a2, [0, upperInnerY]], [b2, b1, [right.x, right.y]]);
    const [c1, c2] = innerHalf(left, lowerInnerY, round);
    const [d1, d2] = innerHalf(right, lowerInnerY, round);
    lowerInner.push([c1, c2, [0, lowerInnerY]], [d2, d1, [right.x, right.y]]);
  }

  // Lip thickness: rolls tuck a lip in, press thins both, funnel and pucker push them out (fuller).
  const fuller = 1 + 0.35 * funnel + 0.5 * pucker;
  const upperThick = mouth.upperLip * (1 - 0.75 * rollUpper) * (1 - 0.3 * press) * fuller;
  const lowerThick = mouth.lowerLip * (1 - 0.75 * rollLower) * (1 - 0.3 * press) * fuller;

  // Upper lip outer edge with a Cupid's bow: corner → bow peak → dip in the middle → peak → corner.
  const upperOuter: Cubic[] = [];
  {
    const top = upperInnerY - upperThick;
    const bow = 0.32 * half * (1 - 0.3 * round);
    const peakY = top - upperThick * 0.08;
    const dipY = top + upperThick * 0.22 * (1 - 0.5 * round);
    const rise = (c: Corner): Xy => [c.x * 0.72, lerp(c.y, peakY, 0.85)];
    upperOuter.push(
      [rise(left), [-bow * 1.6, peakY], [-bow, peakY]],
      [
        [-bow * 0.5, peakY],
        [-bow * 0.25, dipY],
        [0, dipY],
      ],
      [
        [bow * 0.25, dipY],
        [bow * 0.5, peakY],
        [bow, peakY],
      ],
      [[bow * 1.6, peakY], rise(right), [right.x, right.y]],
    );
  }

  // Lower lip outer edge: a full curve under the opening.
  const lowerOuterY = lowerInnerY + lowerThick;
  const lowerOuter: Cubic[] = [];
  {
    const drop = (c: Corner): Xy => [
      c.x * lerp(0.78, 0.95, round),
      lerp(c.y, lowerOuterY, lerp(0.75, 0.6, round)),
    ];
    const flat = (c: Corner): Xy => [c.x * lerp(0.42, 0.55, round), lowerOuterY];
    lowerOuter.push(
      [drop(left), flat(left), [0, lowerOuterY]],
      [flat(right), drop(right), [right.x, right.y]],
    );
  }

  return {
    left,
    right,
    upperInner,
    lowerInner,
    upperOuter,
    lowerOuter,
    gap,
    upperInnerY,
    lowerInnerY,
    lowerOuterY,
    teethHeight: open * 0.26,
    lowerTeeth: Math.min(1, 0.2 + lowerDown * 0.9),
    tongueOut,
    half,
  };
}

function trace(ctx: Canvas2DLike, curves: readonly Cubic[]): void {
  for (const [c1, c2, end] of curves) ctx.bezierCurveTo(c1[0], c1[1], c2[0], c2[1], end[0], end[1]);
}

/** The same curves walked backwards, ending at `start` (the first curve's start point). */
function traceBack(ctx: Canvas2DLike, curves: readonly Cubic[], start: Corner): void {
  for (let i = curves.length - 1; i >= 0; i--) {
    const curve = curves[i];
    if (!curve) continue;
    const previous = i > 0 ? curves[i - 1]?.[2] : undefined;
    const end: Xy = previous ?? [start.x, start.y];
    ctx.bezierCurveTo(curve[1][0], curve[1][1], curve[0][0], curve[0][1], end[0], end[1]);
  }
}

/** A closed region between two curves that share their end points (picture-left corner → picture-right). */
function band(ctx: Canvas2DLike, shape: MouthShape, a: readonly Cubic[], b: readonly Cubic[]): void {
  ctx.beginPath();
  ctx.moveTo(shape.left.x, shape.left.y);
  trace(ctx, a);
  traceBack(ctx, b, shape.left);
  ctx.closePath();
}

/** Draws the mouth with its centre at the origin of the current transform. */
export function drawMouth(ctx: Canvas2DLike, mouth: AvatarMouth, shape: MouthShape): void {
  const { half } = shape;
  const lowerColor = mouth.lowerLipColor ?? mouth.lipColor;
  const lineWidth = Math.max(0.75, half * 0.045);
  const isOpen = shape.gap > half * 0.03;

  if (isOpen) {
    // Inside of the mouth, then teeth and tongue clipped to it.
    band(ctx, shape, shape.upperInner, shape.lowerInner);
    ctx.fillStyle = mouth.innerColor;
    ctx.fill();
    ctx.save();
    band(ctx, shape, shape.upperInner, shape.lowerInner);
    ctx.clip();

    const tongueY = shape.lowerInnerY - shape.gap * 0.18;
    ctx.beginPath();
    ctx.ellipse(0, tongueY + half * 0.3, half * 0.62, half * 0.42, 0, 0, 2 * Math.PI);
    ctx.fillStyle = mouth.tongueColor;
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(0, tongueY + half * 0.02);
    ctx.lineTo(0, tongueY + half * 0.22);
    ctx.strokeStyle = mixColor(mouth.tongueColor, '#000000', 0.18);
    ctx.lineWidth = lineWidth;
    ctx.lineCap = 'round';
    ctx.stroke();

    // Teeth: wider than the opening (the clip trims them), greyer towards the corners, where they recede.
    const teethWidth = half * 1.2;
    const th = shape.teethHeight;
    const teeth = ctx.createLinearGradient(-half, 0, half, 0);
    const shade = mixColor(mouth.teethColor, mouth.innerColor, 0.45);
    teeth.addColorStop(0, shade);
    teeth.addColorStop(0.3, mouth.teethColor);
    teeth.addColorStop(0.7, mouth.teethColor);
    teeth.addColorStop(1, shade);
    ctx.fillStyle = teeth;
    ctx.beginPath();
    ctx.moveTo(-teethWidth, shape.upperInnerY - th);
    ctx.lineTo(teethWidth, shape.upperInnerY - th);
    ctx.lineTo(teethWidth, shape.upperInnerY + th * 0.2);
    ctx.quadraticCurveTo(0, shape.upperInnerY + th * 1.6, -teethWidth, shape.upperInnerY + th * 0.2);
    ctx.closePath();
    ctx.fill();
    const lowerTop = shape.lowerInnerY - th * shape.lowerTeeth;
    ctx.beginPath();
    ctx.moveTo(-teethWidth, shape.lowerInnerY + th);
    ctx.lineTo(teethWidth, shape.lowerInnerY + th);
    ctx.lineTo(teethWidth, lowerTop + th * 0.5);
    ctx.quadraticCurveTo(0, lowerTop - th * 0.5, -teethWidth, lowerTop + th * 0.5);
    ctx.closePath();
    ctx.fill();
    ctx.restore();
  }

  // Lower lip, with a soft highlight.
  band(ctx, shape, shape.lowerInner, shape.lowerOuter);
  ctx.fillStyle = lowerColor;
  ctx.fill();
  const lowerThick = shape.lowerOuterY - shape.lowerInnerY;
  if (lowerThick > 0.5) {
    ctx.beginPath();
    ctx.ellipse(
      -half * 0.12,
      shape.lowerInnerY + lowerThick * 0.45,
      half * 0.28,
      lowerThick * 0.16,
      0,
      0,
      2 * Math.PI,
    );
    ctx.fillStyle = mixColor(lowerColor, '#ffffff', 0.3);
    ctx.fill();
  }

  // A tongue pushed out: from under the upper teeth to over the lower lip.
  if (shape.tongueOut > 0.02) {
    const top = shape.upperInnerY + shape.teethHeight * 0.6;
    const bottom = shape.lowerInnerY + shape.tongueOut * (lowerThick * 0.9 + half * 0.1);
    const ry = Math.max(0.5, (bottom - top) / 2);
    ctx.beginPath();
    ctx.ellipse(0, top + ry, half * 0.44, ry, 0, 0, 2 * Math.PI);
    ctx.fillStyle = mouth.tongueColor;
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(0, top + ry * 0.6);
    ctx.lineTo(0, bottom - ry * 0.5);
    ctx.strokeStyle = mixColor(mouth.tongueColor, '#000000', 0.18);
    ctx.lineWidth = lineWidth;
    ctx.lineCap = 'round';
    ctx.stroke();
  }

  // Upper lip.
  band(ctx, shape, shape.upperInner, shape.upperOuter);
  ctx.fillStyle = mouth.lipColor;
  ctx.fill();

  // The line where the lips meet (or the rim of the opening), and the corners' creases.
  ctx.strokeStyle = mouth.lineColor;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = lineWidth;
  ctx.beginPath();
  ctx.moveTo(shape.left.x, shape.left.y);
  trace(ctx, shape.upperInner);
  ctx.stroke();
  ctx.strokeStyle = withAlpha(mouth.lineColor, 0.45);
  for (const corner of [shape.left, shape.right]) {
    const s = Math.sign(corner.x);
    ctx.beginPath();
    ctx.moveTo(corner.x - s * half * 0.04, corner.y - half * 0.06);
    ctx.quadraticCurveTo(
      corner.x + s * half * 0.07,
      corner.y,
      corner.x - s * half * 0.02,
      corner.y + half * 0.08,
    );
    ctx.stroke();
  }
}
