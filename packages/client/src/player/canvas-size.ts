/**
 * Sizes the canvas's pixel buffer to its CSS box times `devicePixelRatio`, so the avatar is sharp on HiDPI
 * screens and after zooming. A canvas without layout (not in the page, `display: none`) keeps its size.
 */
export function fitCanvas(canvas: HTMLCanvasElement): void {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (width <= 0 || height <= 0) return;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}
