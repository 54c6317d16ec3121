import { readFileSync } from 'node:fs';

/** The package version, read once from the CLI's package.json. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
