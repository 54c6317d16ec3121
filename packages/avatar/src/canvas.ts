/**
 * The part of the Canvas 2D API the renderer uses, written structurally so that both the DOM's
 * CanvasRenderingContext2D and @napi-rs/canvas's SKRSContext2D satisfy it (canvas.typecheck.ts proves both).
 */

/** A Path2D object: opaque to the renderer, which only hands it back to fill/stroke/clip. */
export type Path2DLike = object;

/** The Path2D constructor of the host (the browser's, or @napi-rs/canvas's). */
export type Path2DConstructor = new (d?: string) => Path2DLike;

export interface CanvasGradientLike {
  addColorStop(offset: number, color: string): void;
}

export type FillRuleLike = 'nonzero' | 'evenodd';

export interface Canvas2DLike {
  save(): void;
  restore(): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  scale(x: number, y: number): void;

  get fillStyle(): unknown;
  set fillStyle(value: string | CanvasGradientLike);
  get strokeStyle(): unknown;
  set strokeStyle(value: string | CanvasGradientLike);
  lineWidth: number;
  lineCap: 'butt' | 'round' | 'square';
  lineJoin: 'bevel' | 'miter' | 'round';
  globalAlpha: number;

  createLinearGradient(x0: number, y0: number, x1: number, y1: number): CanvasGradientLike;
  createRadialGradient(
    x0: number,
    y0: number,
    r0: number,
    x1: number,
    y1: number,
    r1: number,
  ): CanvasGradientLike;

  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  quadraticCurveTo(cpx: number, cpy: number, x: number, y: number): void;
  bezierCurveTo(cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number): void;
  ellipse(
    x: number,
    y: number,
    radiusX: number,
    radiusY: number,
    rotation: number,
    startAngle: number,
    endAngle: number,
    counterclockwise?: boolean,
  ): void;
  rect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;

  fill(fillRule?: FillRuleLike): void;
  fill(path: Path2DLike, fillRule?: FillRuleLike): void;
  stroke(): void;
  stroke(path: Path2DLike): void;
  clip(fillRule?: FillRuleLike): void;
  clip(path: Path2DLike, fillRule?: FillRuleLike): void;
}
