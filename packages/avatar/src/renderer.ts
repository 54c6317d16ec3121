import type { Canvas2DLike, CanvasGradientLike, Path2DConstructor, Path2DLike } from './canvas.js';
import { drawBrows, drawEyes } from './eyes.js';
import type { AvatarLayer, AvatarManifest, Paint } from './format.js';
import type { IdlePose } from './motion.js';
import { idlePose } from './motion.js';
import { motionBounds } from './motion-box.js';
import { drawMouth, mouthShape, weight } from './mouth.js';
import { toStyle } from './paint.js';

/** One frame to draw: the mouth weights (BLENDSHAPE_NAMES order; null = rest) and the time for idle motion. */
export interface AvatarFrame {
  weights: ArrayLike<number> | null;
  timeSec: number;
}

export interface RendererOptions {
  /** The host's Path2D constructor; default `globalThis.Path2D` (browsers). Node passes @napi-rs/canvas's. */
  Path2D?: Path2DConstructor;
}

/** A rectangle in output pixels. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DrawOptions {
  /**
   * Draw only this part of the width×height picture, onto a canvas of the region's size (the region's top-left
   * corner at the canvas origin): the same pixels as that part of a whole draw, for less work when only part
   * of the picture changes (see `motionBox`). Default: the whole picture.
   */
  region?: PixelBox;
  /**
   * Which part of the picture to paint. `underlay`: the background and the static layers painted before
   * anything that moves: the same in every frame (`frame` is ignored). `overlay`: all the rest, to paint over
   * pixels that already hold the underlay. Default `all`: both.
   */
  part?: 'all' | 'underlay' | 'overlay';
}

/** Design space → output pixels: uniform scale, centred (letterboxed). */
interface Fit {
  scale: number;
  dx: number;
  dy: number;
}

const DEG = Math.PI / 180;

/**
 * Draws an avatar manifest on a Canvas 2D context. Everything drawn is a function of (manifest, weights,
 * timeSec, width, height) alone, so the same frame comes out the same in a browser and in Node.
 */
export class AvatarRenderer {
  readonly manifest: AvatarManifest;
  readonly #paths: readonly Path2DLike[];
  /** Per layer: part of the underlay (static, and painted before any layer that moves; `front` ones never). */
  readonly #underlay: readonly boolean[];
  /** Gradients made once per context (they are in design space, the same every frame), not a few per frame. */
  readonly #styles = new WeakMap<Canvas2DLike, Map<Paint, string | CanvasGradientLike>>();

  constructor(manifest: AvatarManifest, options: RendererOptions = {}) {
    this.manifest = manifest;
    const Path2D = options.Path2D ?? (globalThis as { Path2D?: Path2DConstructor }).Path2D;
    if (!Path2D) {
      throw new TypeError('AvatarRenderer: no Path2D here; pass options.Path2D (e.g. from @napi-rs/canvas)');
    }
    this.#paths = manifest.layers.map((layer) => new Path2D(layer.path));
    // Front layers are painted after the face features, so only the others decide what lies under them.
    let below = true;
    this.#underlay = manifest.layers.map((layer) => {
      if (layer.front) return false;
      below &&= layer.group === 'static';
      return below;
    });
  }

  /**
   * Draws the picture (background included) scaled to fit width×height, or the region and part `options`
   * say: the overlay drawn over the underlay's pixels makes the whole picture.
   */
  draw(
    ctx: Canvas2DLike,
    frame: AvatarFrame,
    width: number,
    height: number,
    options: DrawOptions = {},
  ): void {
    const manifest = this.manifest;
    const pose = idlePose(manifest, frame.timeSec);
    const fit = this.#fit(width, height, options.region);
    const part = options.part ?? 'all';
    ctx.save();
    if (part !== 'overlay') this.#background(ctx, fit, options.region ?? { x: 0, y: 0, width, height });
    ctx.setTransform(fit.scale, 0, 0, fit.scale, fit.dx, fit.dy);
    ctx.globalAlpha = 1;

    const layers = manifest.layers;
    const under = this.#underlay;
    layers.forEach((layer, i) => {
      if (!layer.front && (part === 'all' || (part === 'underlay') === under[i]))
        this.#layer(ctx, layer, i, pose);
    });
    if (part === 'underlay') {
      ctx.restore();
      return;
    }

    // Face features ride on the head, shifted by the turn like layers of depth 1 (by default).
    const jaw = weight(frame.weights, 'jawOpen');
    ctx.save();
    this.#head(ctx, pose, manifest.eyes.depth ?? 1);
    drawEyes(ctx, manifest.eyes, pose.blink, pose.gazeX, pose.gazeY);
    ctx.restore();
    ctx.save();
    this.#head(ctx, pose, manifest.brows.depth ?? 1);
    const jawLift = manifest.brows.jawLift ?? manifest.eyes.height * 0.25;
    drawBrows(ctx, manifest.brows, pose.brow + jawLift * jaw - pose.blink * manifest.eyes.height * 0.04);
    ctx.restore();
    ctx.save();
    this.#head(ctx, pose, manifest.mouth.depth ?? 1);
    ctx.translate(manifest.mouth.center[0], manifest.mouth.center[1]);
    drawMouth(ctx, manifest.mouth, mouthShape(manifest.mouth, frame.weights));
    ctx.restore();

    layers.forEach((layer, i) => {
      if (layer.front) this.#layer(ctx, layer, i, pose);
    });
    ctx.restore();
  }

  /**
   * The box, in output pixels for a width×height output, outside which every frame is the same picture (the
   * background and the static layers): everything that moves stays inside it (see `motionBounds`). The whole
   * output when that cannot be told.
   */
  motionBox(width: number, height: number): PixelBox {
    const bounds = motionBounds(this.manifest);
    if (!bounds) return { x: 0, y: 0, width, height };
    const fit = this.#fit(width, height);
    // Two pixels more on each side for antialiasing.
    const x0 = Math.max(0, Math.floor(fit.dx + bounds[0] * fit.scale) - 2);
    const y0 = Math.max(0, Math.floor(fit.dy + bounds[1] * fit.scale) - 2);
    const x1 = Math.min(width, Math.ceil(fit.dx + bounds[2] * fit.scale) + 2);
    const y1 = Math.min(height, Math.ceil(fit.dy + bounds[3] * fit.scale) + 2);
    return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
  }

  /**
   * The box the mouth stays in (at any weights and idle pose), in output pixels for a width×height output:
   * rest width plus what smiles and stretches add, from the top of the upper lip to the lowest the lower lip
   * reaches, plus the farthest the head's idle motion carries it.
   */
  mouthBox(width: number, height: number): PixelBox {
    const { mouth } = this.manifest;
    const half = mouth.width / 2;
    return this.#box(width, height, mouth.center, mouth.depth ?? 1, [
      -half * 1.4,
      -(mouth.upperLip * 1.6 + half * 0.3 + mouth.maxOpen * 0.2),
      half * 1.4,
      mouth.maxOpen * 1.25 + mouth.lowerLip * 1.6,
    ]);
  }

  /** The box both eyes stay in, in output pixels (same idea as mouthBox). */
  eyesBox(width: number, height: number): PixelBox {
    const { eyes } = this.manifest;
    const cx = (eyes.left[0] + eyes.right[0]) / 2;
    const cy = (eyes.left[1] + eyes.right[1]) / 2;
    const halfSpan = Math.abs(eyes.right[0] - eyes.left[0]) / 2 + eyes.width / 2 + (eyes.lashFlick ?? 0);
    const halfTilt = Math.abs(eyes.right[1] - eyes.left[1]) / 2;
    return this.#box(width, height, [cx, cy], eyes.depth ?? 1, [
      -halfSpan,
      -eyes.height - halfTilt - eyes.lashWidth,
      halfSpan,
      eyes.height * 0.6 + halfTilt + eyes.lashWidth,
    ]);
  }

  /** Design space → canvas pixels; with a region, relative to its top-left corner. */
  #fit(width: number, height: number, region?: PixelBox): Fit {
    const { size } = this.manifest;
    const scale = Math.min(width / size.width, height / size.height);
    const dx = (width - size.width * scale) / 2 - (region?.x ?? 0);
    const dy = (height - size.height * scale) / 2 - (region?.y ?? 0);
    return { scale, dx, dy };
  }

  /** Fills `area` (the whole output, or the region drawn) with the background. */
  #background(ctx: Canvas2DLike, fit: Fit, area: PixelBox): void {
    // Painted in design space, so gradients stay put on the avatar, over the whole output (letterbox too).
    ctx.setTransform(fit.scale, 0, 0, fit.scale, fit.dx, fit.dy);
    ctx.fillStyle = this.#style(ctx, this.manifest.background);
    ctx.fillRect(-fit.dx / fit.scale, -fit.dy / fit.scale, area.width / fit.scale, area.height / fit.scale);
  }

  #style(ctx: Canvas2DLike, paint: Paint): string | CanvasGradientLike {
    if (typeof paint === 'string') return paint;
    let styles = this.#styles.get(ctx);
    if (!styles) this.#styles.set(ctx, (styles = new Map<Paint, string | CanvasGradientLike>()));
    let style = styles.get(paint);
    if (!style) styles.set(paint, (style = toStyle(ctx, paint)));
    return style;
  }

  /** The head's transform: ride the chest's breath, bob, turn (scaled by `depth`) and roll about the pivot. */
  #head(ctx: Canvas2DLike, pose: IdlePose, depth: number): void {
    const { size, head, idle } = this.manifest;
    const [px, py] = head.pivot;
    const lift = (size.height - py) * idle.breathAmount * pose.breath;
    ctx.translate(pose.turn * depth, pose.nod - lift);
    ctx.translate(px, py);
    ctx.rotate(pose.swayDeg * DEG);
    ctx.translate(-px, -py);
  }

  /** The body's transform: breathing stretches the torso up from the bottom edge, and a little sideways. */
  #body(ctx: Canvas2DLike, pose: IdlePose): void {
    const { size, idle } = this.manifest;
    const grow = idle.breathAmount * pose.breath;
    ctx.translate(size.width / 2, size.height);
    ctx.scale(1 + grow * 0.25, 1 + grow);
    ctx.translate(-size.width / 2, -size.height);
  }

  #layer(ctx: Canvas2DLike, layer: AvatarLayer, index: number, pose: IdlePose): void {
    const path = this.#paths[index];
    if (!path) return;
    ctx.save();
    if (layer.group === 'head') this.#head(ctx, pose, layer.depth ?? 0.5);
    else if (layer.group === 'body') this.#body(ctx, pose);
    ctx.globalAlpha = layer.opacity ?? 1;
    if (layer.fill !== undefined) {
      ctx.fillStyle = this.#style(ctx, layer.fill);
      ctx.fill(path, layer.fillRule ?? 'nonzero');
    }
    if (layer.stroke) {
      ctx.strokeStyle = this.#style(ctx, layer.stroke.paint);
      ctx.lineWidth = layer.stroke.width;
      ctx.lineJoin = layer.stroke.join ?? 'round';
      ctx.lineCap = layer.stroke.cap ?? 'round';
      ctx.stroke(path);
    }
    ctx.restore();
  }

  /**
   * A design-space box around `centre` (offsets `[left, top, right, bottom]`), grown by the idle motion's reach
   * (roll about the pivot, bob, breath, turn), mapped to output pixels, rounded outwards and clipped.
   */
  #box(
    width: number,
    height: number,
    centre: readonly [number, number],
    depth: number,
    [left, top, right, bottom]: [number, number, number, number],
  ): PixelBox {
    const { head, idle, size } = this.manifest;
    const reach = Math.hypot(centre[0] - head.pivot[0], centre[1] - head.pivot[1]);
    const roll = reach * Math.sin(Math.min(90, idle.swayDeg) * DEG);
    const mx = roll + Math.abs(idle.turnAmount * depth);
    const my = roll + idle.nodAmount + (size.height - head.pivot[1]) * idle.breathAmount;
    const fit = this.#fit(width, height);
    const x0 = Math.max(0, Math.floor(fit.dx + (centre[0] + left - mx) * fit.scale));
    const y0 = Math.max(0, Math.floor(fit.dy + (centre[1] + top - my) * fit.scale));
    const x1 = Math.min(width, Math.ceil(fit.dx + (centre[0] + right + mx) * fit.scale));
    const y1 = Math.min(height, Math.ceil(fit.dy + (centre[1] + bottom + my) * fit.scale));
    return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
  }
}
