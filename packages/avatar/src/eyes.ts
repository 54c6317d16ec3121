import type { Canvas2DLike } from './canvas.js';
import type { AvatarBrows, AvatarEyes, Point } from './format.js';
import { withAlpha } from './paint.js';

const DEG = Math.PI / 180;

/** The lid curves of one eye in eye-local units (origin at its centre, x towards the outer corner). */
function lidControls(eyes: AvatarEyes, blink: number) {
  const halfWidth = eyes.width / 2;
  const lower = eyes.height * (eyes.lowerCurve ?? 0.35);
  const upperOpen = -(eyes.height - lower);
  // A cubic whose two control points sit at 4/3 of a height peaks at that height.
  const lowerCtrl = lower * (4 / 3);
  const upperCtrl = (upperOpen + (lower * 0.85 - upperOpen) * blink) * (4 / 3);
  return { halfWidth, lowerCtrl, upperCtrl, restUpperCtrl: upperOpen * (4 / 3) };
}

/** Upper lid from the inner corner (-x) to the outer corner (+x), at control height `ctrl`. */
function upperLid(ctx: Canvas2DLike, halfWidth: number, ctrl: number, move: boolean): void {
  if (move) ctx.moveTo(-halfWidth, 0);
  ctx.bezierCurveTo(-halfWidth * 0.45, ctrl, halfWidth * 0.5, ctrl, halfWidth, 0);
}

/** Lower lid from the outer corner back to the inner one. */
function lowerLidBack(ctx: Canvas2DLike, halfWidth: number, ctrl: number): void {
  ctx.bezierCurveTo(halfWidth * 0.5, ctrl, -halfWidth * 0.45, ctrl, -halfWidth, 0);
}

/**
 * One eye at `centre`. `outward` is -1 for the eye on the picture's left (its outer corner points left) and 1
 * for the other; drawing in a mirrored frame keeps both eyes symmetric. The iris follows the gaze, and the
 * upper lid slides down to the lower one as `blink` goes to 1.
 */
function drawEye(
  ctx: Canvas2DLike,
  eyes: AvatarEyes,
  centre: Point,
  outward: -1 | 1,
  blink: number,
  gazeX: number,
  gazeY: number,
): void {
  const { halfWidth, lowerCtrl, upperCtrl, restUpperCtrl } = lidControls(eyes, blink);
  ctx.save();
  ctx.translate(centre[0], centre[1]);
  ctx.scale(outward, 1);
  ctx.rotate(-(eyes.tilt ?? 0) * DEG);

  // The eyelid (skin, a little darker than the face) over the whole eye; the open part is painted over it.
  ctx.beginPath();
  upperLid(ctx, halfWidth, restUpperCtrl, true);
  lowerLidBack(ctx, halfWidth, lowerCtrl);
  ctx.closePath();
  ctx.fillStyle = eyes.lid;
  ctx.fill();

  const opening = () => {
    ctx.beginPath();
    upperLid(ctx, halfWidth, upperCtrl, true);
    lowerLidBack(ctx, halfWidth, lowerCtrl);
    ctx.closePath();
  };
  const openHeight = (lowerCtrl - upperCtrl) * 0.75;
  if (openHeight > 0.3) {
    opening();
    ctx.fillStyle = eyes.white;
    ctx.fill();
    ctx.save();
    opening();
    ctx.clip();

    // Iris travel: sideways up to where the iris touches the corners, less up and down. The mirror makes
    // `outward` flip x back so both eyes look the same way.
    const r = eyes.irisRadius;
    const travelX = Math.max(0, halfWidth - r * 1.15);
    const ix = gazeX * travelX * outward;
    const iy = -eyes.height * 0.05 + gazeY * eyes.height * 0.25;
    const inner = eyes.irisInner ?? eyes.iris;
    const iris = ctx.createRadialGradient(ix, iy + r * 0.15, r * 0.1, ix, iy, r);
    iris.addColorStop(0, inner);
    iris.addColorStop(0.7, eyes.iris);
    iris.addColorStop(1, withAlpha(eyes.pupil, 0.85));
    ctx.beginPath();
    ctx.ellipse(ix, iy, r, r, 0, 0, 2 * Math.PI);
    ctx.fillStyle = iris;
    ctx.fill();
    ctx.beginPath();
    ctx.ellipse(ix, iy, eyes.pupilRadius, eyes.pupilRadius, 0, 0, 2 * Math.PI);
    ctx.fillStyle = eyes.pupil;
    ctx.fill();
    // Highlights stay on the same side of both eyes (the light does not mirror).
    ctx.fillStyle = eyes.highlight;
    ctx.beginPath();
    ctx.ellipse(ix + r * 0.38 * outward, iy - r * 0.38, r * 0.26, r * 0.26, 0, 0, 2 * Math.PI);
    ctx.fill();
    ctx.beginPath();
    ctx.ellipse(ix - r * 0.3 * outward, iy + r * 0.35, r * 0.11, r * 0.11, 0, 0, 2 * Math.PI);
    ctx.fill();

    // Shadow the lid casts on the top of the eye.
    ctx.beginPath();
    upperLid(ctx, halfWidth, upperCtrl, true);
    ctx.strokeStyle = withAlpha(eyes.lash, 0.22);
    ctx.lineWidth = eyes.height * 0.28;
    ctx.stroke();
    ctx.restore();
  }

  // Lash line with a wing at the outer corner, and a faint lower lash line.
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = eyes.lash;
  ctx.lineWidth = eyes.lashWidth;
  ctx.beginPath();
  upperLid(ctx, halfWidth, upperCtrl, true);
  ctx.stroke();
  const flick = eyes.lashFlick ?? 0;
  if (flick > 0) {
    const lift = flick * (0.55 - 0.45 * blink);
    ctx.beginPath();
    ctx.moveTo(halfWidth * 0.72, upperCtrl * 0.32);
    ctx.quadraticCurveTo(halfWidth + flick * 0.45, -lift * 0.2, halfWidth + flick, -lift);
    ctx.quadraticCurveTo(
      halfWidth + flick * 0.2,
      eyes.lashWidth * 0.3,
      halfWidth * 0.9,
      eyes.lashWidth * 0.2,
    );
    ctx.closePath();
    ctx.fillStyle = eyes.lash;
    ctx.fill();
  }
  ctx.beginPath();
  ctx.moveTo(halfWidth * 0.95, 0);
  lowerLidBack(ctx, halfWidth * 0.95, lowerCtrl);
  ctx.strokeStyle = withAlpha(eyes.lash, 0.3);
  ctx.lineWidth = eyes.lashWidth * 0.35;
  ctx.stroke();

  if (eyes.crease) {
    const { color, width, offset } = eyes.crease;
    ctx.beginPath();
    ctx.moveTo(-halfWidth * 0.75, -offset * 0.35);
    ctx.bezierCurveTo(
      -halfWidth * 0.35,
      restUpperCtrl - offset,
      halfWidth * 0.45,
      restUpperCtrl - offset,
      halfWidth * 0.95,
      -offset * 0.5,
    );
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.stroke();
  }
  ctx.restore();
}

/** Both eyes, in design space. */
export function drawEyes(
  ctx: Canvas2DLike,
  eyes: AvatarEyes,
  blink: number,
  gazeX: number,
  gazeY: number,
): void {
  drawEye(ctx, eyes, eyes.left, -1, blink, gazeX, gazeY);
  drawEye(ctx, eyes, eyes.right, 1, blink, gazeX, gazeY);
}

/** One brow: a tapered arc, thick at the inner end. `outward` as for eyes. */
function drawBrow(ctx: Canvas2DLike, brows: AvatarBrows, centre: Point, outward: -1 | 1, lift: number): void {
  ctx.save();
  ctx.translate(centre[0], centre[1] - lift);
  ctx.scale(outward, 1);
  ctx.rotate(-(brows.angle ?? 0) * DEG);
  const half = brows.width / 2;
  // Centre line: a quadratic from the inner end (-x) to the outer end (+x), peaking at `arch`, a little
  // towards the outside.
  const at = (u: number): [number, number] => {
    const x0 = -half;
    const x1 = half * 0.15;
    const x2 = half;
    const y1 = -2 * brows.arch;
    const v = 1 - u;
    return [v * v * x0 + 2 * v * u * x1 + u * u * x2, 2 * v * u * y1 + u * u * brows.arch * 0.5];
  };
  const steps = 20;
  const top: [number, number][] = [];
  const bottom: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const u = i / steps;
    const [x, y] = at(u);
    const [xa, ya] = at(Math.max(0, u - 0.01));
    const [xb, yb] = at(Math.min(1, u + 0.01));
    const dx = xb - xa;
    const dy = yb - ya;
    const len = Math.hypot(dx, dy) || 1;
    // Thick at the inner end, tapering to a point; the first tenth rounds the inner end off.
    const taper = (1 - u) ** 0.6 * Math.min(1, 0.55 + u * 4.5);
    const t = (brows.thickness / 2) * taper;
    top.push([x + (dy / len) * t, y - (dx / len) * t]);
    bottom.push([x - (dy / len) * t, y + (dx / len) * t]);
  }
  ctx.beginPath();
  top.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  for (let i = bottom.length - 1; i >= 0; i--) {
    const p = bottom[i];
    if (p) ctx.lineTo(p[0], p[1]);
  }
  ctx.closePath();
  ctx.fillStyle = brows.color;
  ctx.fill();
  ctx.restore();
}

/** Both brows, raised by `lift` design units. */
export function drawBrows(ctx: Canvas2DLike, brows: AvatarBrows, lift: number): void {
  drawBrow(ctx, brows, brows.left, -1, lift);
  drawBrow(ctx, brows, brows.right, 1, lift);
}
