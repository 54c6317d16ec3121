/**
 * A box that SVG path data never draws outside of, without a canvas (browsers' Path2D has no bounds): every end
 * and control point (a Bézier curve stays inside the hull of its points), and for an arc the square around its
 * start that the arc's ellipse, radii scaled up as SVG scales them, cannot leave. Conservative, not tight.
 */

/** `[left, top, right, bottom]` in the path's own coordinates. */
export type Bounds = [number, number, number, number];

const TOKEN = /[MmZzLlHhVvCcSsQqTtAa]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;
/** Arc flags are one digit each and may be written without separators (`a5 5 0 011 2`). */
const FLAG = /\s*,?\s*([01])/y;
/** Numbers each command takes per repetition. */
const ARITY: Record<string, number> = { m: 2, l: 2, h: 1, v: 1, c: 6, s: 4, q: 4, t: 2, a: 7, z: 0 };

/** The bounds of `d`, or null when it draws nothing or is not path data this function can read. */
export function pathBounds(d: string): Bounds | null {
  const box: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number): void => {
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  };
  let x = 0;
  let y = 0;
  let startX = 0;
  let startY = 0;
  let command = '';
  // The last curve's last control point and kind, which S and T mirror about the current point.
  let controlX = 0;
  let controlY = 0;
  let curve: 'cubic' | 'quadratic' | '' = '';
  TOKEN.lastIndex = 0;
  const number = (): number | null => {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(d);
    if (!match || !/^[+\-.\d]/.test(match[0])) {
      TOKEN.lastIndex = at;
      return null;
    }
    return Number(match[0]);
  };
  const flag = (): boolean => {
    FLAG.lastIndex = TOKEN.lastIndex;
    const match = FLAG.exec(d);
    if (match) TOKEN.lastIndex = FLAG.lastIndex;
    return match !== null;
  };
  for (;;) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(d);
    if (!match) {
      // Only separators may follow the last command.
      if (d.slice(at).replace(/[\s,]/g, '') !== '') return null;
      break;
    }
    if (d.slice(at, match.index).replace(/[\s,]/g, '') !== '') return null;
    let token = match[0];
    if (/^[A-Za-z]$/.test(token)) {
      command = token;
    } else {
      // A number where a command was expected repeats the last one (after a moveto, as a lineto).
      if (command === '' || /[Zz]/.test(command)) return null;
      TOKEN.lastIndex = match.index;
      token = command;
    }
    const lower = token.toLowerCase();
    // Path data starts with a moveto.
    if (box[0] === Infinity && lower !== 'm') return null;
    const relative = token === lower;
    const arity = ARITY[lower];
    if (arity === undefined) return null;
    if (lower === 'z') {
      x = startX;
      y = startY;
      curve = '';
      continue;
    }
    const args: number[] = [];
    for (let i = 0; i < arity; i++) {
      if (lower === 'a' && (i === 3 || i === 4)) {
        if (!flag()) return null;
        args.push(0);
        continue;
      }
      const value = number();
      if (value === null || !Number.isFinite(value)) return null;
      args.push(value);
    }
    const ox = relative ? x : 0;
    const oy = relative ? y : 0;
    if (lower === 'h') {
      x = (args[0] as number) + ox;
    } else if (lower === 'v') {
      y = (args[0] as number) + oy;
    } else if (lower === 'a') {
      const [rx, ry, angle, , , ex, ey] = args as [number, number, number, number, number, number, number];
      const toX = ex + ox;
      const toY = ey + oy;
      const reach = 2 * arcRadius(x, y, toX, toY, rx, ry, angle);
      add(x - reach, y - reach);
      add(x + reach, y + reach);
      x = toX;
      y = toY;
    } else {
      // Control points and the end point, all relative to the current point for lowercase commands. S and T
      // begin with the mirror of the last control point (or the current point after another kind).
      const points: number[] = [];
      if (lower === 's' || lower === 't') {
        const mirrored = curve === (lower === 's' ? 'cubic' : 'quadratic');
        points.push(mirrored ? 2 * x - controlX : x, mirrored ? 2 * y - controlY : y);
      }
      for (let i = 0; i < args.length; i += 2)
        points.push((args[i] as number) + ox, (args[i + 1] as number) + oy);
      for (let i = 0; i < points.length; i += 2) add(points[i] as number, points[i + 1] as number);
      x = points[points.length - 2] as number;
      y = points[points.length - 1] as number;
      controlX = points[points.length - 4] ?? x;
      controlY = points[points.length - 3] ?? y;
    }
    curve = 'cs'.includes(lower) ? 'cubic' : 'qt'.includes(lower) ? 'quadratic' : '';
    add(x, y);
    if (lower === 'm') {
      startX = x;
      startY = y;
      command = relative ? 'l' : 'L';
    }
  }
  return box[0] <= box[2] ? box : null;
}

/**
 * The larger radius of an arc's ellipse once SVG has scaled too-small radii up to just span the chord
 * (SVG 1.1 appendix F.6.6); every point of the arc is within twice this of its start.
 */
function arcRadius(x0: number, y0: number, x1: number, y1: number, rx: number, ry: number, angleDeg: number) {
  const ax = Math.abs(rx);
  const ay = Math.abs(ry);
  if (ax === 0 || ay === 0) return Math.hypot(x1 - x0, y1 - y0) / 2;
  const phi = (angleDeg * Math.PI) / 180;
  const dx = (x0 - x1) / 2;
  const dy = (y0 - y1) / 2;
  const px = Math.cos(phi) * dx + Math.sin(phi) * dy;
  const py = -Math.sin(phi) * dx + Math.cos(phi) * dy;
  const lambda = (px * px) / (ax * ax) + (py * py) / (ay * ay);
  return Math.max(ax, ay) * Math.max(1, Math.sqrt(lambda));
}
