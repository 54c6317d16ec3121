import { z } from 'zod';

/**
 * The shape of an FAQ knowledge file, with the bounds that keep one file from costing a server more than a
 * moment to load and match. Checks that need more than the shape (SSML, duplicate ids, questions without
 * words) are in faq-knowledge.ts.
 */

export const FAQ_LIMITS = {
  /** A hand-written FAQ of a few hundred intents is well under this. */
  fileBytes: 1024 * 1024,
  intents: 2000,
  questionsPerIntent: 200,
  questionChars: 500,
  answerChars: 5000,
  fallbackChars: 1000,
  idChars: 64,
} as const;

export const FAQ_LANGUAGES = ['en-US', 'zh-CN'] as const;
export type FaqLanguage = (typeof FAQ_LANGUAGES)[number];

/** Messages a person fixing the file understands, instead of zod's "Invalid input: expected string…". */
function text(max: number, what = 'text') {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });
}

function flag() {
  return z.boolean({ error: 'must be true or false' }).optional();
}

const intentSchema = z.strictObject(
  {
    id: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
      .regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${FAQ_LIMITS.idChars - 1}}$`), {
        error: `must be 1–${FAQ_LIMITS.idChars} letters, digits, "_", "." or "-", starting with a letter or digit`,
      }),
    questions: z
      .array(text(FAQ_LIMITS.questionChars), {
        error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list of example questions'),
      })
      .min(1, { error: 'needs at least one example question' })
      .max(FAQ_LIMITS.questionsPerIntent, {
        error: `has more than ${FAQ_LIMITS.questionsPerIntent} example questions`,
      }),
    answer: text(FAQ_LIMITS.answerChars),
    uninterruptible: flag(),
    muted: flag(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'must be a mapping (id, questions, answer)' : undefined,
  },
);

export const faqFileSchema = z.strictObject(
  {
    language: z.enum(FAQ_LANGUAGES, { error: `must be one of ${FAQ_LANGUAGES.join(', ')}` }).optional(),
    fallback: text(FAQ_LIMITS.fallbackChars),
    threshold: z
      .number({ error: 'must be a number between 0 and 1' })
      .min(0, { error: 'must be a number between 0 and 1' })
      .max(1, { error: 'must be a number between 0 and 1' })
      .optional(),
    intents: z
      .array(intentSchema, {
        error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list of intents'),
      })
      .min(1, { error: 'needs at least one intent' })
      .max(FAQ_LIMITS.intents, { error: `has more than ${FAQ_LIMITS.intents} intents` }),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be a mapping with fallback and intents at the top level'
        : undefined,
  },
);

export type FaqFile = z.infer<typeof faqFileSchema>;

/** `["intents", 3, "questions", 0]` → `intents[3].questions[0]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** One line per file problem: the first issue, which is the one a person fixes first, and how many follow. */
export function describeSchemaError(error: z.ZodError): string {
  const [earliest, ...others] = error.issues;
  if (!earliest) return 'is invalid';
  // A misspelt field ("answr") also makes the real one missing; the misspelling is what to fix.
  const parentPath = issuePath(earliest.path.slice(0, -1));
  const first =
    error.issues.find(
      (issue) => issue.code === 'unrecognized_keys' && issuePath(issue.path) === parentPath,
    ) ?? earliest;
  const rest = first === earliest ? others : error.issues.filter((issue) => issue !== first);
  const message =
    first.code === 'unrecognized_keys'
      ? `unknown field${first.keys.length > 1 ? 's' : ''} ${first.keys.map((key) => JSON.stringify(key)).join(', ')}`
      : first.message;
  const path = issuePath(first.path);
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return `${path ? `${path}: ` : ''}${message}${more}`;
}
