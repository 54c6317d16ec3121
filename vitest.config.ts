import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));
const pkg = (name: string) => ({
  find: new RegExp(`^@dhuman/${name}$`),
  replacement: src(`${name}/src/index.ts`),
});

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so a test run never depends on a stale build. Exact matches
    // (regexes), so that a subpath such as `@dhuman/avatar/node` is not rewritten as a prefix of another entry.
    alias: [
      pkg('protocol'),
      pkg('avatar'),
      { find: /^@dhuman\/avatar\/node$/, replacement: src('avatar/src/node/index.ts') },
      pkg('core'),
      pkg('speech'),
      pkg('media'),
      pkg('server'),
      pkg('client'),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
