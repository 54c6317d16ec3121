// System (Debian) packages that dhuman needs outside node_modules.
// scripts/setup.mjs checks that each `command` is on PATH and installs the missing `pkg`s.
//
// `for` says which entry point needs it:
//   build — `npm ci` / `npm run build` (so every entry point needs it)
//   run   — `npm start` / the running server
//   test  — only `npm test` (setup.mjs --test)

/**
 * @typedef {object} SystemPackage
 * @property {string} command binary looked up on PATH (or, with `file`, the name shown for it)
 * @property {string} [file] a data file checked instead of a command (a model that ships no binary)
 * @property {string} pkg Debian package that provides it
 * @property {'build' | 'run' | 'test'} for which entry point needs it
 * @property {string} why shown to the user when it is missing
 */

/** @type {SystemPackage[]} */
export const systemPackages = [
  // better-sqlite3 compiles from source with node-gyp because its prebuilt binary download cannot be fetched.
  { command: 'python3', pkg: 'python3', for: 'build', why: 'node-gyp compiles better-sqlite3 from source' },
  { command: 'make', pkg: 'make', for: 'build', why: 'node-gyp compiles better-sqlite3 from source' },
  { command: 'g++', pkg: 'g++', for: 'build', why: 'node-gyp compiles better-sqlite3 from source' },
  // Live streams and generated videos: the encoder (packages/media) spawns ffmpeg; ffprobe comes in the same package.
  {
    command: 'ffmpeg',
    pkg: 'ffmpeg',
    for: 'run',
    why: 'live streams and videos are encoded by an ffmpeg child process',
  },
  // Burned-in video subtitles: libass finds the face through fontconfig; Noto Sans CJK covers Latin and CJK text.
  {
    command: 'NotoSansCJK-Regular.ttc',
    file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
    pkg: 'fonts-noto-cjk',
    for: 'run',
    why: 'burned-in video subtitles draw Chinese, Japanese and Korean text',
  },
  // Speech recognition of the voice channel: Debian's pocketsphinx (its library, loaded by a child process) and
  // the US English model, which the library package does not pull in.
  {
    command: 'pocketsphinx_continuous',
    pkg: 'pocketsphinx',
    for: 'run',
    why: 'the voice channel recognises speech with pocketsphinx',
  },
  {
    command: 'en-us.lm.bin',
    file: '/usr/share/pocketsphinx/model/en-us/en-us.lm.bin',
    pkg: 'pocketsphinx-en-us',
    for: 'run',
    why: 'the voice channel recognises speech with pocketsphinx',
  },
  // Spoken questions for the voice tests and the conversation benchmark: pocketsphinx reads flite's voices well
  // and espeak-ng's badly (components.md).
  { command: 'flite', pkg: 'flite', for: 'test', why: 'the voice tests speak their questions with flite' },
  // Browser tests (tests/e2e) drive Debian's Chromium through playwright-core, which downloads no browser.
  {
    command: 'chromium',
    pkg: 'chromium',
    for: 'test',
    why: 'the browser tests in tests/e2e run in Chromium',
  },
];
