// The demo page at `/`, end to end in Chromium against a real server: dev credential, connect, speak (sound,
// moving mouth, subtitles, latency), interrupt (silence and a shut mouth within 150 ms), no credential in what
// is served, and a phone-sized layout. The page is bundled from source into a temp dir in beforeAll, so the test
// never runs against a stale apps/web/dist (and never rewrites it under another test that serves it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startTestServer, type TestServer } from '../integration/harness.js';
import { artefactPath, launchChromium } from './chromium.js';
import { buildWebPages } from './web-pages.js';

const SHORT_TEXT = 'Hello there! This is a quick test of the talking avatar.';
const LONG_TEXT =
  'This is a much longer sentence, written so that the avatar keeps talking for many seconds: it goes on ' +
  'about the weather, the mountains, the sea, the quiet towns along the coast, and the people who live there, ' +
  'so that there is plenty of time to interrupt it in the middle of a word.';
/** Contract: an interrupt silences audio and shuts the mouth within this, measured in the page. */
const INTERRUPT_BUDGET_MS = 150;
/** RMS of the analyser's window above which the player counts as audible / below which as silent. */
const AUDIBLE_RMS = 0.01;
const SILENT_RMS = 0.001;
/**
 * Mouth-colour pixels above the most seen at rest that count as an open mouth, and that a shut mouth stays
 * under: at rest a few anti-aliased pixels of the lip line match (about 10, varying with the head's sway), an
 * open mouth shows hundreds.
 */
const OPEN_MARGIN = 40;
const SHUT_MARGIN = 15;

/** One look at the page, taken every animation frame by the monitor installed in the page. */
interface Sample {
  t: number;
  rms: number;
  /** Pixels of the mouth's inner colour inside the mouth box: 0 when shut, grows as the mouth opens. */
  open: number;
}

interface Monitor {
  samples: Sample[];
  /**
   * The analyser's RMS every few milliseconds besides: animation frames can be 50 ms apart on a loaded machine,
   * which would blur when the sound stopped. (The mouth changes only when a frame is drawn, so frames suffice.)
   */
  audio: { t: number; rms: number }[];
  events: { t: number; type: string; reqId: string }[];
  stop(): void;
}

interface PlayerHandle {
  analyser: AnalyserNode;
  audioContext: AudioContext;
  renderer: {
    manifest: { mouth: { innerColor: string } };
    mouthBox(width: number, height: number): { x: number; y: number; width: number; height: number };
  };
  on(listener: (event: { type: string; reqId: string }) => void): () => void;
}

type DemoWindow = Window & { dhumanDemo?: { player: PlayerHandle }; demoMonitor?: Monitor };

/**
 * Starts sampling, every animation frame and on the page's own clock, the analyser's RMS and how open the mouth
 * is: the pixels of the mouth's inner colour inside the renderer's mouth box (which holds the mouth at any pose
 * and weights), so idle sway and blinks do not count and a shut mouth counts (about) zero.
 */
async function installMonitor(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as DemoWindow;
    w.demoMonitor?.stop();
    const player = w.dhumanDemo?.player;
    const canvas = document.querySelector<HTMLCanvasElement>('canvas#avatar');
    const ctx = canvas?.getContext('2d');
    if (!player || !canvas || !ctx) throw new Error('not connected');
    let hex = player.renderer.manifest.mouth.innerColor.slice(1);
    if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
    const [ir, ig, ib] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    const buffer = new Float32Array(player.analyser.fftSize);
    const rms = () => {
      player.analyser.getFloatTimeDomainData(buffer);
      let sum = 0;
      for (const v of buffer) sum += v * v;
      return Math.sqrt(sum / buffer.length);
    };
    const monitor: Monitor = { samples: [], audio: [], events: [], stop: () => {} };
    const off = player.on((event) =>
      monitor.events.push({ t: performance.now(), type: event.type, reqId: event.reqId }),
    );
    let frame = 0;
    const tick = () => {
      const box = player.renderer.mouthBox(canvas.width, canvas.height);
      const pixels = ctx.getImageData(box.x, box.y, box.width, box.height).data;
      let open = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const d =
          Math.abs((pixels[i] ?? 0) - ir) +
          Math.abs((pixels[i + 1] ?? 0) - ig) +
          Math.abs((pixels[i + 2] ?? 0) - ib);
        if (d < 36) open++;
      }
      monitor.samples.push({ t: performance.now(), rms: rms(), open });
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    const timer = setInterval(() => monitor.audio.push({ t: performance.now(), rms: rms() }), 4);
    monitor.stop = () => {
      cancelAnimationFrame(frame);
      clearInterval(timer);
      off();
    };
    w.demoMonitor = monitor;
  });
}

function readMonitor(page: Page): Promise<Monitor> {
  return page.evaluate(() => {
    const monitor = (window as DemoWindow).demoMonitor;
    return {
      samples: monitor?.samples ?? [],
      audio: monitor?.audio ?? [],
      events: monitor?.events ?? [],
      stop: () => {},
    };
  });
}

/** Waits until the monitor has seen an event of `type` (for any ReqId) and returns its page time. */
async function waitForEvent(page: Page, type: string, timeoutMs = 20_000): Promise<number> {
  const handle = await page.waitForFunction(
    (type) => (window as DemoWindow).demoMonitor?.events.find((e) => e.type === type)?.t,
    type,
    { timeout: timeoutMs, polling: 20 },
  );
  return (await handle.jsonValue()) as number;
}

/** The time of the first item from which every later one is `quiet` (undefined if the last one is not). */
function settledAt<T extends { t: number }>(
  items: readonly T[],
  quiet: (item: T) => boolean,
): number | undefined {
  let at: number | undefined;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (!item || !quiet(item)) break;
    at = item.t;
  }
  return at;
}

async function connectWithDevCredential(page: Page): Promise<void> {
  await page.click('#use-dev');
  await expect.poll(() => page.inputValue('#accesstoken')).not.toBe('');
  await page.click('#connect');
  await page.waitForFunction(() => (window as DemoWindow).dhumanDemo?.player !== undefined, undefined, {
    timeout: 15_000,
  });
}

let server: TestServer;
let browser: Browser;
let webDir: string;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** What the tests measured, written next to the screenshots for a human to read. */
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'dhuman-web-'));
  await buildWebPages(webDir);
  server = await startTestServer({ DHUMAN_WEB_DIR: webDir });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    pageErrors.push(`unexpected ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
}, 60_000);

afterAll(async () => {
  writeFileSync(artefactPath('demo-page-measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
  await browser?.close();
  await server?.dispose();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

describe('demo page', () => {
  it('serves the page and its script with no accesstoken in them', async () => {
    for (const path of ['/', '/app.js']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      expect(text.length, path).toBeGreaterThan(100);
      expect(text.includes(TOKEN), `${path} contains the accesstoken`).toBe(false);
    }
    await page.goto(`${server.url}/`);
    expect((await page.content()).includes(TOKEN)).toBe(false);
    await expect.poll(() => page.isVisible('canvas#avatar')).toBe(true);
  });

  it('labels every control and keeps Ctrl+Enter for a new line', async () => {
    const unlabelled = await page.$$eval('input, select, textarea, button', (controls) =>
      controls
        .filter((control) => {
          const labels = (control as HTMLInputElement).labels;
          const named =
            (labels && Array.from(labels).some((label) => label.textContent?.trim())) ||
            control.getAttribute('aria-label') ||
            (control.tagName === 'BUTTON' && control.textContent?.trim());
          return !named;
        })
        .map((control) => control.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    await page.fill('#text', 'one');
    await page.press('#text', 'Control+Enter');
    await page.keyboard.type('two');
    expect(await page.inputValue('#text')).toBe('one\ntwo');
  });

  it('shows a refused credential inline, with its code', async () => {
    await page.fill('#appkey', 'nosuchappkey0000000000000000000000');
    await page.fill('#accesstoken', 'wrongtoken000000000000000000000000');
    await page.click('#connect');
    await expect.poll(() => page.textContent('#credential-error'), { timeout: 5000 }).toContain('100005');
    expect(await page.isVisible('#credential-error')).toBe(true);
    expect(await page.evaluate(() => (window as DemoWindow).dhumanDemo)).toBeUndefined();
  });

  it('connects with the dev credential and lists the projects; the avatar idles', async () => {
    await page.click('#use-dev');
    await expect.poll(() => page.textContent('#credential-note')).toMatch(/expires at \d\d:\d\d/);
    expect(await page.isVisible('#credential-error')).toBe(false);
    await page.click('#connect');
    await page.waitForFunction(() => (window as DemoWindow).dhumanDemo?.player !== undefined, undefined, {
      timeout: 15_000,
    });
    const projectIds = await page.$$eval('#project option', (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    expect(projectIds.length).toBeGreaterThan(0);

    // Idle: the picture keeps changing (breath, sway, blinks) with nothing said.
    const snapshot = () => page.$eval('canvas#avatar', (c) => (c as HTMLCanvasElement).toDataURL());
    const first = await snapshot();
    await page.waitForTimeout(700);
    expect(await snapshot()).not.toBe(first);
    await page.screenshot({ path: artefactPath('demo-desktop-idle.png') });
  }, 30_000);

  it('speaks: sound, a moving mouth that comes back to rest, subtitles and latency', async () => {
    await installMonitor(page);
    await page.waitForTimeout(1000);
    const rest = await readMonitor(page);
    const restOpen = Math.max(...rest.samples.map((s) => s.open));
    const restRms = Math.max(...rest.samples.map((s) => s.rms));
    expect(restRms).toBeLessThan(SILENT_RMS);

    await page.fill('#text', SHORT_TEXT);
    await page.press('#text', 'Enter');
    await waitForEvent(page, 'speaking');
    await expect
      .poll(() => page.textContent('#subtitle'), { timeout: 5000, interval: 50 })
      .toMatch(/quick|test|talking|avatar/i);
    await page.waitForFunction(
      (openAbove) => {
        const last = (window as DemoWindow).demoMonitor?.samples.at(-1);
        return last !== undefined && last.open > openAbove;
      },
      restOpen + OPEN_MARGIN,
      { timeout: 5000, polling: 'raf' },
    );
    const endedAt = await waitForEvent(page, 'ended', 20_000);
    await page.waitForTimeout(500);

    const { samples, events } = await readMonitor(page);
    const sentAt = events.find((e) => e.type === 'sent')?.t ?? 0;
    const during = samples.filter((s) => s.t > sentAt && s.t < endedAt);
    const after = samples.filter((s) => s.t > endedAt + 300);
    expect(Math.max(...during.map((s) => s.rms))).toBeGreaterThan(AUDIBLE_RMS);
    expect(Math.max(...during.map((s) => s.open))).toBeGreaterThan(restOpen + OPEN_MARGIN);
    expect(after.length).toBeGreaterThan(3);
    expect(Math.max(...after.map((s) => s.open))).toBeLessThanOrEqual(restOpen + SHUT_MARGIN);
    expect(Math.max(...after.map((s) => s.rms))).toBeLessThan(SILENT_RMS);

    measured.speak = {
      restOpenPixels: restOpen,
      maxOpenPixels: Math.max(...during.map((s) => s.open)),
      maxRms: Math.max(...during.map((s) => s.rms)),
      afterOpenPixels: Math.max(...after.map((s) => s.open)),
      afterRms: Math.max(...after.map((s) => s.rms)),
      subtitle: await page.textContent('#subtitle'),
      latency: (await page.textContent('#latency'))?.replace(/\s+/g, ' ').trim(),
    };
    expect(await page.textContent('#latency-last')).toMatch(/^\d+$/);
    expect(await page.textContent('#latency')).toMatch(/\d+\s*ms/);
    const log = await page.$$eval('#log li', (items) => items.map((li) => li.textContent ?? ''));
    expect(log[0]).toContain('ended');
    expect(log.some((line) => line.includes('sent'))).toBe(true);
    expect(log.some((line) => line.includes('speaking'))).toBe(true);
  }, 40_000);

  it('interrupts: silence and a shut mouth within 150 ms', async () => {
    await installMonitor(page);
    await page.waitForTimeout(1000);
    const restOpen = Math.max(...(await readMonitor(page)).samples.map((s) => s.open));

    await page.fill('#text', LONG_TEXT);
    await page.click('#speak');
    await waitForEvent(page, 'speaking');
    const openAndAudible = () =>
      page.waitForFunction(
        ({ openAbove, audible }) => {
          const last = (window as DemoWindow).demoMonitor?.samples.at(-1);
          return last !== undefined && last.open > openAbove && last.rms > audible;
        },
        { openAbove: restOpen + OPEN_MARGIN, audible: AUDIBLE_RMS },
        { timeout: 5000, polling: 'raf' },
      );
    // The speaking screenshot: the player draws the mouth on the audio clock, so suspending the context holds
    // an open mouth still for the picture; resuming carries on where it stopped.
    await page.waitForTimeout(500);
    await page.waitForFunction(
      (wideOpen) => {
        const w = window as DemoWindow;
        const last = w.demoMonitor?.samples.at(-1);
        if (!last || last.open < wideOpen) return false;
        void w.dhumanDemo?.player.audioContext.suspend();
        return true;
      },
      restOpen + 3 * OPEN_MARGIN,
      { timeout: 5000, polling: 'raf' },
    );
    await page.waitForTimeout(100);
    await page.screenshot({ path: artefactPath('demo-desktop-speaking.png') });
    await page.evaluate(() => (window as DemoWindow).dhumanDemo?.player.audioContext.resume());
    await page.waitForTimeout(700);
    // Interrupt at a moment the mouth is open and sound is playing, so "shut" and "silent" mean something.
    await openAndAudible();
    const interruptedAt = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector<HTMLButtonElement>('#interrupt')?.click();
      return t;
    });
    await waitForEvent(page, 'interrupted', 5000);
    await page.waitForTimeout(600);
    await page.screenshot({ path: artefactPath('demo-after-interrupt.png') });

    const { samples, audio } = await readMonitor(page);
    const frames = samples.filter((s) => s.t >= interruptedAt);
    const sound = audio.filter((s) => s.t >= interruptedAt);
    const shutAt = settledAt(frames, (s) => s.open <= restOpen + SHUT_MARGIN);
    const silentAt = settledAt(sound, (s) => s.rms < SILENT_RMS);
    const since = (t: number | undefined) => (t === undefined ? Infinity : Math.round(t - interruptedAt));
    measured.interrupt = {
      restOpenPixels: restOpen,
      mouthShutAfterMs: since(shutAt),
      silentAfterMs: since(silentAt),
      analyserWindowMs: await page.evaluate(() => {
        const { analyser, audioContext } = (window as DemoWindow).dhumanDemo?.player ?? {};
        return analyser && audioContext ? (analyser.fftSize / audioContext.sampleRate) * 1000 : null;
      }),
      framesAfter: frames.slice(0, 8).map((s) => ({ ms: Math.round(s.t - interruptedAt), open: s.open })),
    };
    // The analyser's RMS covers its whole window (about 45 ms), so silence shows up to that late; no allowance
    // is made for it.
    expect(since(shutAt)).toBeLessThanOrEqual(INTERRUPT_BUDGET_MS);
    expect(since(silentAt)).toBeLessThanOrEqual(INTERRUPT_BUDGET_MS);
    const log = await page.$$eval('#log li', (items) => items.map((li) => li.textContent ?? ''));
    expect(log.some((line) => line.includes('interrupted'))).toBe(true);
  }, 40_000);

  it('re-attaches the player when another look is picked', async () => {
    const keys = await page.$$eval('#avatar-key option', (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    const other = keys.find((key) => key !== '' && key !== 'ava');
    expect(other, `no second avatar in ${keys.join(',')}`).toBeDefined();
    await page.evaluate(() => {
      (window as DemoWindow & { previousPlayer?: unknown }).previousPlayer = (window as DemoWindow).dhumanDemo
        ?.player;
    });
    await page.selectOption('#avatar-key', other ?? '');
    await page.waitForFunction(
      (key) => {
        const w = window as DemoWindow & { previousPlayer?: unknown };
        const player = w.dhumanDemo?.player as { renderer: { manifest: { key: string } } } | undefined;
        return player !== undefined && player !== w.previousPlayer && player.renderer.manifest.key === key;
      },
      other,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#connection')).toBe('Connected');
  });

  it('fits a phone screen without horizontal overflow', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 667 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const small = await phone.newPage();
      small.on('pageerror', (error) => pageErrors.push(error.message));
      await small.goto(`${server.url}/`);
      const scrollWidth = () => small.evaluate(() => document.scrollingElement?.scrollWidth ?? Infinity);
      expect(await scrollWidth()).toBeLessThanOrEqual(375);
      await small.check('#remember');
      await connectWithDevCredential(small);
      // Streamed this time (STREAM_TEXT, a few words at a time), so the toggle is exercised too.
      await small.check('#stream');
      await small.fill('#text', SHORT_TEXT);
      await small.press('#text', 'Enter');
      const ended = () => document.querySelector('#log li')?.classList.contains('log-ended');
      await small.waitForFunction(ended, undefined, { timeout: 20_000 });
      const log = await small.$$eval('#log li', (items: Element[]) => items.map((li) => li.className));
      expect(log).toContain('log-line log-speaking');
      expect(log).not.toContain('log-line log-error');
      expect(await small.textContent('#subtitle')).toMatch(/quick|test|talking|avatar/i);
      expect(await scrollWidth()).toBeLessThanOrEqual(375);
      // The avatar comes first, the controls under it.
      const canvasBox = await small.locator('canvas#avatar').boundingBox();
      const speakBox = await small.locator('#speak').boundingBox();
      expect(canvasBox && speakBox && speakBox.y > canvasBox.y + canvasBox.height).toBe(true);
      await small.screenshot({ path: artefactPath('demo-phone.png'), fullPage: true });

      // "Remember for this tab" (ticked before connecting) keeps the credential in sessionStorage only: a reload
      // fills the form again.
      const appkey = await small.inputValue('#appkey');
      await small.reload();
      expect(await small.inputValue('#appkey')).toBe(appkey);
      expect(await small.isChecked('#remember')).toBe(true);
      expect(await small.evaluate(() => localStorage.length)).toBe(0);
    } finally {
      await phone.close();
    }
  }, 30_000);

  it('raised no script error and no dialog', () => {
    expect(pageErrors).toEqual([]);
  });
});
