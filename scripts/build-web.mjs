// Bundles the browser side with esbuild, after `tsc -b` has built the packages:
//   apps/web/dist/            the demo page served at `/` (index.html, app.js, styles.css), and the player page
//                             of a session's stream served at /dhuman/play/<SessionId> (play.html, play.js, play.css)
//   apps/web/dist/sdk/        the avatar player for any page: dhuman-player.js (<script>, global `DhumanPlayer`)
//                             and dhuman-player.mjs (ES module), and the WHEP stream player: dhuman-stream.js
//                             (global `DhumanStream`) and dhuman-stream.mjs, served at /dhuman/sdk/
// Sources are bundled from TypeScript directly (aliases below), so the page never lags behind the packages.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => `${root}${path}`;
const out = at('apps/web/dist');

const alias = {
  '@dhuman/protocol': at('packages/protocol/src/index.ts'),
  // Its own entry: esbuild maps a subpath of an aliased package under the alias, here the index file's path.
  '@dhuman/protocol/blendshapes': at('packages/protocol/src/blendshapes.ts'),
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

/** An SDK part as a classic script (one global) and as an ES module. */
const sdk = (entry, name, globalName) => [
  build({
    ...common,
    entryPoints: [at(entry)],
    format: 'iife',
    globalName,
    outfile: `${out}/sdk/${name}.js`,
  }),
  build({ ...common, entryPoints: [at(entry)], format: 'esm', outfile: `${out}/sdk/${name}.mjs` }),
];

await Promise.all([
  build({ ...common, entryPoints: [at('apps/web/src/main.ts')], format: 'esm', outfile: `${out}/app.js` }),
  build({
    ...common,
    entryPoints: [at('apps/web/src/play.ts')],
    format: 'esm',
    outfile: `${out}/play.js`,
    // The player page needs only the stream part of the SDK, and the rest (renderer, zod schemas) cannot be
    // tree-shaken away: ~7 KB instead of ~480 KB on a phone. Importing anything else fails this build loudly.
    alias: { ...alias, '@dhuman/client': at('packages/client/src/stream/index.ts') },
  }),
  ...sdk('packages/client/src/player/index.ts', 'dhuman-player', 'DhumanPlayer'),
  ...sdk('packages/client/src/stream/index.ts', 'dhuman-stream', 'DhumanStream'),
]);
