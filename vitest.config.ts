import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));
const pkg = (name: string) => ({
  find: new RegExp(`^@dhuman/${name}$`),
  replacement: src(`${name}/src/index.ts`),
});

/** Tests that measure real-time behaviour (streams at 25 fps, sync over minutes, barge-in within 150 ms). */
const TIMED = [
  'tests/e2e/stream-*.test.ts',
  'packages/media/src/stream/*-long.test.ts',
  'tests/integration/voice.test.ts',
  'packages/media/src/video/*-speed.test.ts',
];

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so a test run never depends on a stale build. Exact matches
    // (regexes), so that a subpath such as `@dhuman/avatar/node` is not rewritten as a prefix of another entry.
    alias: [
      pkg('protocol'),
      { find: /^@dhuman\/protocol\/blendshapes$/, replacement: src('protocol/src/blendshapes.ts') },
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
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 10_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: [...TIMED, '**/node_modules/**'],
        },
      },
      {
        // What these measure (frame rate, A/V offset on a 2-core machine) is what a busy machine breaks: they
        // run after everything else, one file at a time.
        extends: true,
        test: { name: 'timed', include: TIMED, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
