import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, errorsMarkdown } from '@dhuman/protocol';

const doc = readFileSync(new URL('../docs/reference/errors.md', import.meta.url), 'utf8');

/** Rows of the table as {code, name, message}. */
function documentedErrors(): Array<{ code: number; name: string; message: string }> {
  return doc
    .split('\n')
    .map((line) => /^\| (-?\d+) \| `([A-Z_]+)` \| ([^|]+) \|/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ code: Number(m[1]), name: m[2] ?? '', message: (m[3] ?? '').trim() }));
}

describe('docs/reference/errors.md', () => {
  it('documents every catalogue entry with its name and message', () => {
    const documented = new Map(documentedErrors().map((e) => [e.code, e]));
    for (const entry of Object.values(ERRORS).filter((e) => e.code !== 0)) {
      expect(documented.get(entry.code), `code ${entry.code}`).toEqual({
        code: entry.code,
        name: entry.name,
        message: entry.message,
      });
    }
  });

  it('documents nothing the catalogue does not have', () => {
    const catalogue = new Map(Object.values(ERRORS).map((e) => [e.code, e.name]));
    for (const row of documentedErrors()) expect(catalogue.get(row.code), `code ${row.code}`).toBe(row.name);
  });

  it('is exactly what `npm run docs:errors` generates', () => {
    expect(doc).toBe(errorsMarkdown());
  });
});
