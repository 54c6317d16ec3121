import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = (path: string) => join(root, path);

/** The options scripts/build-web.mjs bundles the pages with (entry, target, aliases to the TypeScript sources). */
function bundle(entry: string, outfile: string, alias: Record<string, string>) {
  return build({
    entryPoints: [source(entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    logLevel: 'silent',
    alias,
  });
}

/**
 * Builds the web pages into `outDir` as scripts/build-web.mjs does: the public files, the demo page's app.js and
 * the player page's play.js (which gets only the stream part of the client).
 */
export async function buildWebPages(outDir: string): Promise<void> {
  cpSync(source('apps/web/public'), outDir, { recursive: true });
  const alias = {
    '@dhuman/protocol': source('packages/protocol/src/index.ts'),
    '@dhuman/protocol/blendshapes': source('packages/protocol/src/blendshapes.ts'),
    '@dhuman/avatar': source('packages/avatar/src/index.ts'),
    '@dhuman/client': source('packages/client/src/index.ts'),
  };
  await Promise.all([
    bundle('apps/web/src/main.ts', join(outDir, 'app.js'), alias),
    bundle('apps/web/src/play.ts', join(outDir, 'play.js'), {
      ...alias,
      '@dhuman/client': source('packages/client/src/stream/index.ts'),
    }),
  ]);
}
