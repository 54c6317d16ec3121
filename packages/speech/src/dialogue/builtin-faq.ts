import { fileURLToPath } from 'node:url';

/** Knowledge files that ship with dhuman, named in project settings as `builtin:<name>`. */
export const BUILTIN_FAQS = ['assistant'] as const;
export type BuiltinFaq = (typeof BUILTIN_FAQS)[number];

/**
 * The path of a shipped knowledge file. They live in the package's `dialogue/` folder, outside `src/`, so the
 * build leaves them alone; this module sits two levels below the package root both as src/dialogue/*.ts (tests)
 * and as dist/dialogue/*.js, so one relative URL finds them from either. `name` is what follows `builtin:`.
 */
export function builtinFaqPath(name: string = 'assistant'): string {
  if (!(BUILTIN_FAQS as readonly string[]).includes(name)) {
    throw new RangeError(
      `no built-in knowledge file ${JSON.stringify(name)}; known: ${BUILTIN_FAQS.join(', ')}`,
    );
  }
  return fileURLToPath(new URL(`../../dialogue/${name}.yaml`, import.meta.url));
}
