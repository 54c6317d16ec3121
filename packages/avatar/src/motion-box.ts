import type { AvatarLayer, AvatarManifest, Point } from './format.js';
import type { Bounds } from './path-bounds.js';
import { pathBounds } from './path-bounds.js';

/**
 * Where anything that moves can ever be drawn, in design space: every body and head layer, the eyes, brows and
 * mouth, each at the farthest its idle motion (breath, nod, turn, sway) and its own movement (blinks, gaze,
 * brow lifts, any mouth weights) can carry it. Outside this box every frame is the same picture: the background
 * and the static layers. Generous on purpose: the features sit inside the face anyway, so their margins cost no
 * area, and a box a little too big only costs drawing time while one too small would freeze pixels.
 *
 * Null when it cannot be told (path data this module cannot read): then the whole picture counts as moving.
 */
export function motionBounds(manifest: AvatarManifest): Bounds | null {
  const out: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const layer of manifest.layers) {
    if (layer.group === 'static') continue;
    const bounds = layerBounds(layer);
    if (!bounds) return null;
    union(
      out,
      layer.group === 'body' ? bodyReach(manifest, bounds) : headReach(manifest, bounds, layer.depth ?? 0.5),
    );
  }
  const { eyes, brows, mouth } = manifest;
  for (const centre of [eyes.left, eyes.right]) {
    union(out, headReach(manifest, around(centre, eyeRadius(manifest)), eyes.depth ?? 1));
  }
  const browRadius =
    Math.hypot(brows.width / 2 + brows.thickness, 3 * Math.abs(brows.arch) + brows.thickness) + 1;
  // drawBrows lifts by pose.brow (0..browAmount) + jawLift × jawOpen, less a little during blinks.
  const jawLift = brows.jawLift ?? eyes.height * 0.25;
  const liftMax = manifest.idle.browAmount + Math.max(0, jawLift);
  const liftMin = Math.min(0, jawLift) - eyes.height * 0.04;
  for (const centre of [brows.left, brows.right]) {
    const box = around(centre, browRadius);
    union(out, headReach(manifest, [box[0], box[1] - liftMax, box[2], box[3] - liftMin], brows.depth ?? 1));
  }
  union(out, headReach(manifest, mouthBounds(manifest), mouth.depth ?? 1));
  return out[0] <= out[2] ? out : null;
}

/** A layer's path bounds grown by its stroke: half the width, more where miter joins or square caps poke out. */
function layerBounds(layer: AvatarLayer): Bounds | null {
  const bounds = pathBounds(layer.path);
  if (!bounds || !layer.stroke) return bounds;
  const { width, join, cap } = layer.stroke;
  // Canvas' default miterLimit is 10: a miter reaches at most 10 half-widths from the joint.
  const factor = join === 'miter' ? 10 : cap === 'square' ? Math.SQRT2 : 1;
  return grow(bounds, (width / 2) * factor);
}

/** The body breathes by stretching up to `breathAmount` from the bottom edge (see AvatarRenderer's #body). */
function bodyReach(manifest: AvatarManifest, [x0, y0, x1, y1]: Bounds): Bounds {
  const { size, idle } = manifest;
  const g = idle.breathAmount;
  const sx = (x: number) => size.width / 2 + (x - size.width / 2) * (1 + g * 0.25);
  const sy = (y: number) => size.height + (y - size.height) * (1 + g);
  return [Math.min(x0, sx(x0)), Math.min(y0, sy(y0)), Math.max(x1, sx(x1)), Math.max(y1, sy(y1))];
}

/**
 * Head motion (see AvatarRenderer's #head): shifted by up to turnAmount × depth sideways, nodAmount up or down
 * and the breath's lift up, then rolled up to swayDeg about the pivot, which moves a point at distance r from it
 * by at most 2r·sin(θ/2).
 */
function headReach(manifest: AvatarManifest, [x0, y0, x1, y1]: Bounds, depth: number): Bounds {
  const { size, head, idle } = manifest;
  const turn = Math.abs(idle.turnAmount * depth);
  const lift = (size.height - head.pivot[1]) * idle.breathAmount;
  const moved: Bounds = [x0 - turn, y0 - idle.nodAmount - lift, x1 + turn, y1 + idle.nodAmount];
  const [px, py] = head.pivot;
  const reach = Math.max(
    Math.hypot(moved[0] - px, moved[1] - py),
    Math.hypot(moved[2] - px, moved[1] - py),
    Math.hypot(moved[0] - px, moved[3] - py),
    Math.hypot(moved[2] - px, moved[3] - py),
  );
  const roll = (Math.min(180, idle.swayDeg) * Math.PI) / 180;
  return grow(moved, 2 * reach * Math.sin(roll / 2));
}

/**
 * The radius around an eye's centre that its lids, lashes, wing and crease stay within, at any blink and in
 * any tilt (see drawEye): the upper lid's control points are at most 4/3 of the open height up.
 */
function eyeRadius({ eyes }: AvatarManifest): number {
  const up = eyes.height * (4 / 3) + (eyes.crease ? eyes.crease.offset + eyes.crease.width : 0);
  const down = eyes.height * (4 / 3);
  const flick = eyes.lashFlick ?? 0;
  return Math.hypot(eyes.width / 2 + flick, Math.max(up + flick, down)) + eyes.lashWidth + 1;
}

/**
 * The mouth at any weights (see mouthShape): corners widen to 1.39 half-widths, the lips part by up to 1.2 ×
 * maxOpen below and 0.33 × maxOpen above, lips thicken up to 1.85×, the tongue pokes out over the lower lip.
 * Rounded up generously.
 */
function mouthBounds({ mouth }: AvatarManifest): Bounds {
  const half = mouth.width / 2;
  const line = Math.max(0.75, half * 0.045) + 1;
  const open = mouth.maxOpen;
  const [cx, cy] = mouth.center;
  return [
    cx - half * 1.6 - line,
    cy - (open * 0.4 + mouth.upperLip * 2.1 + half * 0.3 + line),
    cx + half * 1.6 + line,
    cy + open * 1.3 + mouth.lowerLip * 2 + half * 0.3 + line,
  ];
}

function around([x, y]: Point, radius: number): Bounds {
  return [x - radius, y - radius, x + radius, y + radius];
}

function grow([x0, y0, x1, y1]: Bounds, by: number): Bounds {
  return [x0 - by, y0 - by, x1 + by, y1 + by];
}

function union(into: Bounds, [x0, y0, x1, y1]: Bounds): void {
  into[0] = Math.min(into[0], x0);
  into[1] = Math.min(into[1], y0);
  into[2] = Math.max(into[2], x1);
  into[3] = Math.max(into[3], y1);
}
