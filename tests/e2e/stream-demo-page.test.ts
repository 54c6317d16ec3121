// The demo page's "Server stream" mode: the same project rendered on the server and played over WebRTC beside
// the client-render canvas. The server video must actually play (frames advance), speak with the page, and go
// away with the toggle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from '../integration/harness.js';
import { artefactPath, launchChromium } from './chromium.js';
import { buildWebPages } from './web-pages.js';

let server: TestServer;
let browser: Browser;
let webDir: string;

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'dhuman-demo-stream-'));
  await buildWebPages(webDir);
  server = await startTestServer({ DHUMAN_WEB_DIR: webDir });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

/** Frames the server video has presented so far. */
function presentedFrames(page: Page): Promise<number> {
  return page.$eval(
    '#server-video',
    (v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
  );
}

describe('demo page, server stream mode', () => {
  it('plays the server-rendered stream beside the canvas and stops it when unticked', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${server.url}/`);
    await page.click('#use-dev');
    await page.click('#connect');
    await page.waitForFunction(
      () => (window as { dhumanDemo?: { player?: unknown } }).dhumanDemo?.player,
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.check('#server-stream');
    await page.waitForFunction(
      () => {
        const video = document.querySelector<HTMLVideoElement>('#server-video');
        return video !== null && video.readyState >= 2 && video.currentTime > 0.5;
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.isVisible('#server-video')).toBe(true);
    expect(await page.isVisible('canvas#avatar')).toBe(true);
    expect(server.streams.running).toBe(1);
    const before = await presentedFrames(page);
    await page.waitForTimeout(2_000);
    expect((await presentedFrames(page)) - before).toBeGreaterThan(40); // about 25 fps for 2 s

    await page.fill('#text', 'Both views speak this sentence at the same time.');
    await page.click('#speak');
    // Speaking: the canvas shows subtitles; the server video's mouth moves with its own session's voice.
    await page.waitForFunction(
      () => (document.querySelector('#subtitle')?.textContent ?? '').includes('Both'),
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.waitForTimeout(600);
    await page.screenshot({ path: artefactPath('demo-server-stream.png') });

    await page.uncheck('#server-stream');
    expect(await page.isVisible('#server-video')).toBe(false);
    await waitFor(() => Promise.resolve(server.streams.viewers === 0 || undefined), 5_000);
    await page.close();
  }, 60_000);
});
