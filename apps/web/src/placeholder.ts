/**
 * What the avatar canvas shows before a player is attached: a soft, breathing silhouette with a light sweep
 * across it, in the page's theme colours, so the empty stage reads as "an avatar will appear here" rather than
 * as a broken image. Honours prefers-reduced-motion by drawing one still frame.
 */

interface Palette {
  top: string;
  bottom: string;
  glow: string;
  figure: string;
  shine: string;
}

function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const get = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    top: get('--stage-top', '#eef0fb'),
    bottom: get('--stage-bottom', '#dfe3f6'),
    glow: get('--stage-glow', 'rgba(99, 102, 241, 0.18)'),
    figure: get('--stage-figure', 'rgba(71, 85, 105, 0.22)'),
    shine: get('--stage-shine', 'rgba(255, 255, 255, 0.55)'),
  };
}

/** The head-and-shoulders outline in a 1×1 box, so it scales with the canvas. */
function figurePath(breath: number): Path2D {
  const path = new Path2D();
  // Head, bobbing a little with each breath.
  path.ellipse(0.5, 0.39 - breath * 0.004, 0.125, 0.155, 0, 0, Math.PI * 2);
  // Neck flaring into the shoulders, which rise on each breath.
  const top = 0.66 - breath * 0.01;
  path.moveTo(0.455, 0.5);
  path.lineTo(0.545, 0.5);
  path.bezierCurveTo(0.545, top - 0.06, 0.56, top - 0.02, 0.62, top);
  path.bezierCurveTo(0.78, top + 0.04, 0.86, top + 0.12, 0.88, 1.02);
  path.lineTo(0.12, 1.02);
  path.bezierCurveTo(0.14, top + 0.12, 0.22, top + 0.04, 0.38, top);
  path.bezierCurveTo(0.44, top - 0.02, 0.455, top - 0.06, 0.455, 0.5);
  path.closePath();
  return path;
}

function drawFrame(ctx: CanvasRenderingContext2D, size: number, palette: Palette, timeSec: number): void {
  const background = ctx.createLinearGradient(0, 0, 0, size);
  background.addColorStop(0, palette.top);
  background.addColorStop(1, palette.bottom);
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, size, size);

  const glow = ctx.createRadialGradient(size * 0.5, size * 0.42, 0, size * 0.5, size * 0.42, size * 0.5);
  glow.addColorStop(0, palette.glow);
  glow.addColorStop(1, 'rgba(0, 0, 0, 0)');
  ctx.fillStyle = glow;
  ctx.fillRect(0, 0, size, size);

  const breath = Math.sin((timeSec * Math.PI * 2) / 4.5);
  ctx.save();
  ctx.scale(size, size);
  const figure = figurePath(breath);
  ctx.fillStyle = palette.figure;
  ctx.fill(figure);

  // A diagonal band of light crossing the figure every few seconds, like a loading skeleton.
  const phase = (timeSec % 2.8) / 2.8;
  const x = -0.4 + phase * 1.8;
  const shine = ctx.createLinearGradient(x, 0.2, x + 0.4, 0.6);
  shine.addColorStop(0, 'rgba(255, 255, 255, 0)');
  shine.addColorStop(0.5, palette.shine);
  shine.addColorStop(1, 'rgba(255, 255, 255, 0)');
  ctx.clip(figure);
  ctx.fillStyle = shine;
  ctx.fillRect(0, 0, 1, 1);
  ctx.restore();
}

/** Starts drawing; the returned function stops it (the canvas keeps the last frame). */
export function startPlaceholder(canvas: HTMLCanvasElement): () => void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return () => {};
  const view = canvas.ownerDocument.defaultView ?? window;
  const motion = view.matchMedia('(prefers-reduced-motion: reduce)');
  const scheme = view.matchMedia('(prefers-color-scheme: dark)');
  let palette = readPalette(canvas);
  const onScheme = () => {
    palette = readPalette(canvas);
    if (motion.matches) drawFrame(ctx, canvas.width, palette, 0);
  };
  scheme.addEventListener('change', onScheme);

  let frame = 0;
  const started = performance.now();
  const tick = (now: number) => {
    drawFrame(ctx, canvas.width, palette, (now - started) / 1000);
    frame = motion.matches ? 0 : view.requestAnimationFrame(tick);
  };
  drawFrame(ctx, canvas.width, palette, 0);
  if (!motion.matches) frame = view.requestAnimationFrame(tick);

  return () => {
    view.cancelAnimationFrame(frame);
    scheme.removeEventListener('change', onScheme);
  };
}
