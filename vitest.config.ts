import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so a test run never depends on a stale build.
    alias: {
      '@dhuman/protocol': src('protocol'),
      '@dhuman/core': src('core'),
      '@dhuman/speech': src('speech'),
      '@dhuman/server': src('server'),
      '@dhuman/client': src('client'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
