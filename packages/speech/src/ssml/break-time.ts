import { ssmlError } from './position.js';
import type { ElementNode } from './tree.js';

/** Pauses for `strength`, from "barely a breath" to a long paragraph pause. `none` is SSML's explicit no-pause. */
export const BREAK_STRENGTH_MS: Readonly<Record<string, number>> = {
  none: 0,
  'x-weak': 0,
  weak: 100,
  medium: 250,
  strong: 500,
  'x-strong': 800,
};

/** The longest pause one `<break>` may ask for; longer ones are shortened rather than left to stall a session. */
export const MAX_BREAK_MS = 10_000;

/**
 * The pause of a `<break>` in milliseconds. `time` wins over `strength`; it needs a unit (`500ms`, `1.5s`)
 * because a bare number is ambiguous. Neither attribute means a medium break.
 */
export function breakMs(element: ElementNode, input: string): number {
  const time = element.attributes.get('time');
  if (time) {
    const match = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(ms|s)\s*$/i.exec(time.value);
    if (!match) {
      throw ssmlError(input, time.offset, `invalid break time "${time.value}" (expected e.g. 500ms or 1.5s)`);
    }
    const ms = Number(match[1]) * (match[2]?.toLowerCase() === 's' ? 1000 : 1);
    return Math.round(Math.min(MAX_BREAK_MS, Math.max(0, ms)));
  }
  const strength = element.attributes.get('strength');
  if (!strength) return BREAK_STRENGTH_MS.medium ?? 250;
  const ms = BREAK_STRENGTH_MS[strength.value.trim().toLowerCase()];
  if (ms === undefined) {
    throw ssmlError(
      input,
      strength.offset,
      `invalid break strength "${strength.value}" (expected x-weak, weak, medium, strong or x-strong)`,
    );
  }
  return ms;
}
