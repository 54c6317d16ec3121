import { z } from 'zod';

/** The `format` string of every manifest this package reads. A breaking change to the format bumps it. */
export const AVATAR_FORMAT = 'dhuman-avatar/1';

/** Bounds that keep an uploaded manifest small (docs/reference/avatar-format.md, "Limits"). */
export const AVATAR_LIMITS = {
  /** Characters of SVG path data in one layer. */
  pathChars: 32_768,
  /** Characters of SVG path data over all layers: about 256 KB. */
  totalPathChars: 262_144,
  layers: 200,
  gradientStops: 16,
  /** Design-space coordinates are within ±this. */
  coordinate: 100_000,
  /** Design-space width and height. */
  size: 4096,
} as const;

/** `[x, y]` in design space (pixels of `size`, origin top-left, y down). */
export type Point = [number, number];

/** A colour: `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`. */
export type Color = string;

export interface GradientStop {
  /** 0..1 along the gradient. */
  offset: number;
  color: Color;
}

export interface LinearGradient {
  type: 'linear';
  from: Point;
  to: Point;
  stops: GradientStop[];
}

export interface RadialGradient {
  type: 'radial';
  /** Centre and radius of the end circle (offset 1). */
  center: Point;
  radius: number;
  /** Centre of the start circle (offset 0); default `center`. */
  focus?: Point;
  /** Radius of the start circle; default 0. */
  focusRadius?: number;
  stops: GradientStop[];
}

/** A flat colour or a gradient, in design-space coordinates. */
export type Paint = Color | LinearGradient | RadialGradient;

export interface LayerStroke {
  paint: Paint;
  width: number;
  join?: 'round' | 'bevel' | 'miter';
  cap?: 'round' | 'butt' | 'square';
}

/** One vector shape. Layers are painted in order; see `front` for the ones painted over the face features. */
export interface AvatarLayer {
  /** For people and error messages only. */
  name?: string;
  /**
   * `static` never moves (backdrop decorations); `body` breathes; `head` sways, tilts, nods and turns with the
   * head.
   */
  group: 'static' | 'body' | 'head';
  /** SVG path data (`d` attribute), in design space. */
  path: string;
  fill?: Paint;
  fillRule?: 'nonzero' | 'evenodd';
  stroke?: LayerStroke;
  /** 0..1, default 1. */
  opacity?: number;
  /** Painted after the eyes, brows and mouth (fringes, glasses). Default false. */
  front?: boolean;
  /**
   * How far the layer follows the head's sideways turn, as a multiple of `idle.turnAmount`: 1 moves with the
   * face features, 0 not at all, negative values move the other way (hair behind the head). Default 0.5 for
   * head layers; body layers ignore it.
   */
  depth?: number;
}

export interface AvatarEyes {
  /** Centres of the open eyes: the one on the left of the picture, and the one on the right. */
  left: Point;
  right: Point;
  /** Corner-to-corner width and open height of one eye. */
  width: number;
  height: number;
  /** Degrees the outer corners sit above the inner ones. Default 0. */
  tilt?: number;
  /** How far up the lower lid curves, as a fraction of `height`. Default 0.35. */
  lowerCurve?: number;
  white: Color;
  /** Iris colour at the rim; `irisInner` is the colour around the pupil (default `iris`). */
  iris: Color;
  irisInner?: Color;
  irisRadius: number;
  pupil: Color;
  pupilRadius: number;
  highlight: Color;
  /** Skin of the eyelid that closes over the eye. */
  lid: Color;
  /** Colour and width of the upper lash line; `lashFlick` is the length of the wing at the outer corner. */
  lash: Color;
  lashWidth: number;
  lashFlick?: number;
  /** The crease above the eye; omitted = none. `offset` is its distance above the lid line. */
  crease?: { color: Color; width: number; offset: number };
  /** Turn parallax, as for layers. Default 1. */
  depth?: number;
}

export interface AvatarBrows {
  /** Centres of the brows, picture left and right. */
  left: Point;
  right: Point;
  width: number;
  thickness: number;
  /** How high the middle arches above the ends. */
  arch: number;
  /** Degrees the inner ends sit below the outer ends (a frown is positive). Default 0. */
  angle?: number;
  color: Color;
  /** Design units the brows rise at jawOpen = 1. Default a quarter of the eye height. */
  jawLift?: number;
  depth?: number;
}

export interface AvatarMouth {
  /** Middle of the line where the lips meet, at rest. */
  center: Point;
  /** Corner-to-corner width at rest. */
  width: number;
  /** Visible thickness of the upper and lower lip at rest. */
  upperLip: number;
  lowerLip: number;
  /** How far the lips part at jawOpen = 1. */
  maxOpen: number;
  lipColor: Color;
  /** Default `lipColor`. */
  lowerLipColor?: Color;
  /** The line between the lips and the outline of the opening. */
  lineColor: Color;
  innerColor: Color;
  teethColor: Color;
  tongueColor: Color;
  /** A smile always present, 0..1 (added to mouthSmileLeft/Right). Default 0. */
  restSmile?: number;
  depth?: number;
}

export interface AvatarIdle {
  /** Breathing: one breath every `breathPeriodSec`; the torso grows by `breathAmount` (fraction of height). */
  breathPeriodSec: number;
  breathAmount: number;
  /** Head roll (degrees, peak) and its main period. */
  swayDeg: number;
  swayPeriodSec: number;
  /** Head nod: vertical bob in design units, and its period. */
  nodAmount: number;
  nodPeriodSec: number;
  /** Sideways turn: how far (design units) the face features shift, and its period. */
  turnAmount: number;
  turnPeriodSec: number;
  /** Saccades: the eyes look somewhere new every ~`gazeIntervalSec`, up to `gazeRange` of the iris travel. */
  gazeRange: number;
  gazeIntervalSec: number;
  /** Idle brow movement, design units. */
  browAmount: number;
}

export interface AvatarBlink {
  /** Mean time between blinks. */
  meanIntervalSec: number;
  /** Closing + opening time of one blink. */
  durationMs: number;
  /** 0..1: how often a blink is followed at once by a second one. */
  doubleChance: number;
}

export interface AvatarManifest {
  format: 'dhuman-avatar/1';
  /** Lowercase letters, digits, `-` and `_`; 1..64 characters. */
  key: string;
  name: string;
  description?: string;
  /** A voice name the server uses when a project does not choose one. */
  defaultVoice?: string;
  /** The design space the coordinates are in; the picture is scaled to fit the output. */
  size: { width: number; height: number };
  /** Seeds the blink schedule, saccades and the phases of idle motion. */
  seed: number;
  /** Fills the whole output, letterbox included. */
  background: Paint;
  /** The neck joint the head turns about. */
  head: { pivot: Point };
  layers: AvatarLayer[];
  eyes: AvatarEyes;
  brows: AvatarBrows;
  mouth: AvatarMouth;
  idle: AvatarIdle;
  blink: AvatarBlink;
}

/** A manifest that does not follow the format. `message` starts with the JSON path that is wrong. */
export class AvatarFormatError extends Error {
  /** Every problem found, with its JSON path (`layers[3].path`), the first one first. */
  readonly issues: readonly { path: string; message: string }[];

  constructor(issues: readonly { path: string; message: string }[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(first ? `${first.path}: ${first.message}${more}` : 'invalid avatar manifest');
    this.name = 'AvatarFormatError';
    this.issues = issues;
  }
}

const { coordinate: MAX_COORD } = AVATAR_LIMITS;

const coord = z.number().min(-MAX_COORD).max(MAX_COORD);
const length = z.number().min(0).max(MAX_COORD);
const unit = z.number().min(0).max(1);
const point = z.tuple([coord, coord]);
const color = z
  .string()
  .max(9)
  .regex(
    /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/,
    'expected a colour #rgb, #rgba, #rrggbb or #rrggbbaa',
  );
const stops = z
  .array(z.strictObject({ offset: unit, color }))
  .min(1)
  .max(AVATAR_LIMITS.gradientStops);
const gradient = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('linear'), from: point, to: point, stops }),
    z.strictObject({
      type: z.literal('radial'),
      center: point,
      radius: length,
      focus: point.optional(),
      focusRadius: length.optional(),
      stops,
    }),
  ],
  { error: 'expected a gradient with type "linear" or "radial"' },
);
const paint = z.union([color, gradient], {
  error: 'expected a colour string or a gradient object',
});
const depth = z.number().min(-4).max(4);
/** SVG path data: commands, numbers, separators; nothing else, so a layer cannot carry arbitrary text. */
const pathData = z
  .string()
  .min(1)
  .max(AVATAR_LIMITS.pathChars)
  .regex(/^\s*[Mm][MmZzLlHhVvCcSsQqTtAa0-9eE.,+\-\s]*$/, 'expected SVG path data starting with M');
const seconds = (min: number, max: number, fallback: number) =>
  z.number().min(min).max(max).default(fallback);

const layer = z.strictObject({
  name: z.string().max(64).optional(),
  group: z.enum(['static', 'body', 'head']),
  path: pathData,
  fill: paint.optional(),
  fillRule: z.enum(['nonzero', 'evenodd']).optional(),
  stroke: z
    .strictObject({
      paint,
      width: z.number().min(0).max(1000),
      join: z.enum(['round', 'bevel', 'miter']).optional(),
      cap: z.enum(['round', 'butt', 'square']).optional(),
    })
    .optional(),
  opacity: unit.optional(),
  front: z.boolean().optional(),
  depth: depth.optional(),
});

const schema = z
  .strictObject({
    format: z.literal(AVATAR_FORMAT),
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected 1..64 characters: lowercase letters, digits, - and _'),
    name: z.string().min(1).max(80),
    description: z.string().max(1000).optional(),
    defaultVoice: z.string().min(1).max(64).optional(),
    size: z.strictObject({
      width: z.number().int().min(16).max(AVATAR_LIMITS.size),
      height: z.number().int().min(16).max(AVATAR_LIMITS.size),
    }),
    seed: z.number().int().min(0).max(0xffff_ffff).default(1),
    background: paint,
    head: z.strictObject({ pivot: point }),
    layers: z.array(layer).max(AVATAR_LIMITS.layers),
    eyes: z.strictObject({
      left: point,
      right: point,
      width: length,
      height: length,
      tilt: z.number().min(-45).max(45).optional(),
      lowerCurve: unit.optional(),
      white: color,
      iris: color,
      irisInner: color.optional(),
      irisRadius: length,
      pupil: color,
      pupilRadius: length,
      highlight: color,
      lid: color,
      lash: color,
      lashWidth: length,
      lashFlick: length.optional(),
      crease: z.strictObject({ color, width: length, offset: length }).optional(),
      depth: depth.optional(),
    }),
    brows: z.strictObject({
      left: point,
      right: point,
      width: length,
      thickness: length,
      arch: coord,
      angle: z.number().min(-45).max(45).optional(),
      color,
      jawLift: coord.optional(),
      depth: depth.optional(),
    }),
    mouth: z.strictObject({
      center: point,
      width: length,
      upperLip: length,
      lowerLip: length,
      maxOpen: length,
      lipColor: color,
      lowerLipColor: color.optional(),
      lineColor: color,
      innerColor: color,
      teethColor: color,
      tongueColor: color,
      restSmile: unit.optional(),
      depth: depth.optional(),
    }),
    idle: z
      .strictObject({
        breathPeriodSec: seconds(0.5, 60, 4.2),
        breathAmount: z.number().min(0).max(0.1).default(0.008),
        swayDeg: z.number().min(0).max(20).default(1.6),
        swayPeriodSec: seconds(0.5, 120, 7.3),
        nodAmount: length.default(2),
        nodPeriodSec: seconds(0.5, 120, 5.1),
        turnAmount: length.default(3),
        turnPeriodSec: seconds(0.5, 120, 9.7),
        gazeRange: unit.default(0.35),
        gazeIntervalSec: seconds(0.2, 60, 1.9),
        browAmount: length.default(1.5),
      })
      .prefault({}),
    blink: z
      .strictObject({
        meanIntervalSec: seconds(0.5, 120, 4),
        durationMs: z.number().min(40).max(2000).default(180),
        doubleChance: unit.default(0.15),
      })
      .prefault({}),
  })
  .superRefine((manifest, ctx) => {
    let total = 0;
    manifest.layers.forEach((item, index) => {
      total += item.path.length;
      if (total > AVATAR_LIMITS.totalPathChars) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', index, 'path'],
          message: `the layers' path data exceed ${AVATAR_LIMITS.totalPathChars} characters in all`,
        });
        total = -Infinity;
      }
    });
  });

/**
 * The manifest schema (strict: unknown keys are errors; every string and array is bounded). Parsing fills in
 * the defaults of `seed`, `idle` and `blink`.
 */
export const avatarManifestSchema: z.ZodType<AvatarManifest> = schema;

/** `layers[3].path` from zod's `['layers', 3, 'path']`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(manifest)' : out;
}

/** zod issues → `{path, message}`, looking inside unions for the branch the input was meant for. */
function describeIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[] = []) {
  const out: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.input !== undefined) {
      // The branch that got past the type check (a string for a colour, an object for a gradient) says
      // what is wrong; when none did, the union's own message does.
      const branch = issue.errors.find((branchIssues) =>
        branchIssues.some((i) => i.path.length > 0 || i.code !== 'invalid_type'),
      );
      if (branch) {
        out.push(...describeIssues(branch, path));
        continue;
      }
    }
    const missing =
      issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
    out.push({ path: formatJsonPath(path), message: missing ? 'is required' : issue.message });
  }
  return out;
}

/** Validates a parsed JSON value as a manifest. Throws AvatarFormatError naming the wrong field. */
export function parseAvatarManifest(json: unknown): AvatarManifest {
  const result = avatarManifestSchema.safeParse(json, { reportInput: true });
  if (result.success) return result.data;
  throw new AvatarFormatError(describeIssues(result.error.issues));
}
