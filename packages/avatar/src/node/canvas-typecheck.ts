// Compile-time only: both hosts' contexts must satisfy Canvas2DLike, and both Path2D classes Path2DConstructor.
import type { Path2D as SkiaPath2D, SKRSContext2D } from '@napi-rs/canvas';
import type { Canvas2DLike, Path2DConstructor } from '../canvas.js';

type Assert<T extends true> = T;
export type DomContextFits = Assert<CanvasRenderingContext2D extends Canvas2DLike ? true : false>;
export type SkiaContextFits = Assert<SKRSContext2D extends Canvas2DLike ? true : false>;
export type DomPathFits = Assert<typeof Path2D extends Path2DConstructor ? true : false>;
export type SkiaPathFits = Assert<typeof SkiaPath2D extends Path2DConstructor ? true : false>;
