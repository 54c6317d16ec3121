// Bundles the browser side with esbuild, after `tsc -b` has built the packages:
//   apps/web/dist/            the demo page served at `/` (index.html, app.js, styles.css)
//   apps/web/dist/sdk/        the avatar player for any page: dhuman-player.js (<script>, global `DhumanPlayer`)
//                             and dhuman-player.mjs (ES module), served at /dhuman/sdk/
// Sources are bundled from TypeScript directly (aliases below), so the page never lags behind the packages.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => `${root}${path}`;
const out = at('apps/web/dist');

const alias = {
  '@dhuman/protocol': at('packages/protocol/src/index.ts'),
  '@dhuman/avatar': at('packages/avatar/src/index.ts'),
  '@dhuman/client': at('packages/client/src/index.ts'),
};
const common = {
  bundle: true,
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  alias,
};

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/sdk`, { recursive: true });
cpSync(at('apps/web/public'), out, { recursive: true });

await Promise.all([
  build({ ...common, entryPoints: [at('apps/web/src/main.ts')], format: 'esm', outfile: `${out}/app.js` }),
  build({
    ...common,
    entryPoints: [at('packages/client/src/player/index.ts')],
    format: 'iife',
    globalName: 'DhumanPlayer',
    outfile: `${out}/sdk/dhuman-player.js`,
  }),
  build({
    ...common,
    entryPoints: [at('packages/client/src/player/index.ts')],
    format: 'esm',
    outfile: `${out}/sdk/dhuman-player.mjs`,
  }),
]);
