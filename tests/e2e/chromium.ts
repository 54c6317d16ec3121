import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (scripts/system-packages.mjs installs it for `npm test`); playwright-core brings none. */
export const CHROMIUM_PATH = process.env.DHUMAN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium as the browser tests need it: no sandbox (CI runs as root), no GPU, nothing that phones
 * home, and audio allowed to start without a click so Web Audio runs in a test. `extraArgs` are added to these,
 * e.g. a fake microphone playing a file.
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
}

/** Where browser tests write screenshots and other artefacts (kept by CI, ignored by git). */
export function artefactPath(name: string): string {
  const dir = fileURLToPath(new URL('../../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${name}`;
}
