import type { z } from 'zod';

/**
 * Turns a zod failure into one line naming the field, e.g. `Payload.UserId: expected string, received number`.
 * Only the first issue is reported: it is the one a person fixes first, and the message stays short.
 */
export function describeIssue(error: z.ZodError, root = 'Payload'): string {
  const issue = error.issues[0];
  if (!issue) return `${root} is invalid`;
  const path = [root, ...issue.path.map(String)].join('.');
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path} is required`;
  return `${path}: ${issue.message}`;
}
