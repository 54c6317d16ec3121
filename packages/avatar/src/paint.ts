import type { Canvas2DLike, CanvasGradientLike } from './canvas.js';
import type { Color, Paint } from './format.js';

/** `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa` → [r, g, b, a] with r, g, b 0..255 and a 0..1. */
export function parseColor(color: Color): [number, number, number, number] {
  let hex = color.slice(1);
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  const byte = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return [byte(0), byte(2), byte(4), hex.length === 8 ? byte(6) / 255 : 1];
}

/** `a` moved towards `b` by `amount` (0..1), as an `rgba()` string; alpha is mixed too. */
export function mixColor(a: Color, b: Color, amount: number): string {
  const x = parseColor(a);
  const y = parseColor(b);
  const c = (i: number) => Math.round((x[i] ?? 0) + ((y[i] ?? 0) - (x[i] ?? 0)) * amount);
  const alpha = (x[3] + (y[3] - x[3]) * amount).toFixed(3);
  return `rgba(${c(0)}, ${c(1)}, ${c(2)}, ${alpha})`;
}

/** `color` with its alpha multiplied by `alpha`, as an `rgba()` string. */
export function withAlpha(color: Color, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${(a * alpha).toFixed(3)})`;
}

/** A fillStyle/strokeStyle for `paint`; gradients are in the coordinates current when they are painted. */
export function toStyle(ctx: Canvas2DLike, paint: Paint): string | CanvasGradientLike {
  if (typeof paint === 'string') return paint;
  const gradient =
    paint.type === 'linear'
      ? ctx.createLinearGradient(paint.from[0], paint.from[1], paint.to[0], paint.to[1])
      : ctx.createRadialGradient(
          (paint.focus ?? paint.center)[0],
          (paint.focus ?? paint.center)[1],
          paint.focusRadius ?? 0,
          paint.center[0],
          paint.center[1],
          paint.radius,
        );
  for (const stop of paint.stops) gradient.addColorStop(stop.offset, stop.color);
  return gradient;
}
