// The avatar player SDK alone (packages/client/src/player), end to end in Chromium against a real server: the
// bundle a page would load, a real driverengine socket, Web Audio and a canvas. Speaking must be audible (the
// analyser), move the mouth (pixels of the mouth box differ from the rest pose drawn at the same idle time) and
// highlight subtitles; after the end, and within 150 ms of an interrupt, sound and mouth must be back at rest.
// Everything timed is measured in the page, once per animation frame, against performance.now().
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import type { AvatarManifest } from '@dhuman/avatar';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPKEY, TOKEN, startTestServer, type TestServer } from '../integration/harness.js';
import { artefactPath, launchChromium } from './chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const SHORT_TEXT = 'Hello there, this is a test.';
const LONG_TEXT =
  'This sentence is long on purpose, so that the avatar is still talking when the test interrupts it: it ' +
  'goes on about rivers, hills, small harbours and the boats that sail out of them every morning.';
/** Contract: an interrupt silences audio and brings the mouth to rest within this, measured in the page. */
const INTERRUPT_BUDGET_MS = 150;
/** RMS of the analyser window above which the player counts as audible, below which as silent. */
const AUDIBLE_RMS = 0.01;
const SILENT_RMS = 0.001;
/** Mean absolute RGB difference (0–255) in the mouth box between the frame drawn and the rest pose. */
const MOUTH_MOVED = 2;
const MOUTH_AT_REST = 0.05;

/** Bundles the player as scripts/build-web.mjs does for `/dhuman/sdk/dhuman-player.js` (IIFE, `DhumanPlayer`). */
async function bundlePlayer(): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'packages/client/src/player/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'DhumanPlayer',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    write: false,
    logLevel: 'silent',
    alias: {
      '@dhuman/protocol': join(root, 'packages/protocol/src/index.ts'),
      '@dhuman/protocol/blendshapes': join(root, 'packages/protocol/src/blendshapes.ts'),
      '@dhuman/avatar': join(root, 'packages/avatar/src/index.ts'),
      '@dhuman/client': join(root, 'packages/client/src/index.ts'),
    },
  });
  const code = result.outputFiles[0]?.text ?? '';
  // Browsers have no Node built-ins: the player must not pull one in.
  expect(/["']node:[\w/]+["']/.exec(code)?.[0] ?? null).toBeNull();
  return code;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>player</title>
<style>
  body { margin: 0; background: #fff; font: 18px sans-serif; }
  canvas { display: block; width: 360px; height: 450px; }
  #subtitle { padding: 8px; min-height: 1.5em; width: 344px; }
  #subtitle .current { background: #ffd54a; }
</style></head>
<body><canvas id="avatar"></canvas><div id="subtitle"></div><script src="/dhuman-player.js"></script></body></html>`;

/** A tiny static server for the page and the bundle (another origin than dhuman, as on a real site). */
async function servePage(bundle: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/dhuman-player.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** What the monitor records every animation frame. */
interface Sample {
  t: number;
  rms: number;
  /** Mean |RGB difference| in the mouth box, frame drawn vs rest pose at the same idle time. */
  mouth: number;
  restWeights: boolean;
  subtitle: string;
  current: number;
}

interface PlayerEvent {
  type: string;
  reqId: string;
  ms?: number;
  index?: number;
  text?: string;
  t: number;
}

/** The player as the page sees it (the bundle's types are not imported into the page). */
interface PagePlayer {
  analyser: AnalyserNode;
  audioContext: AudioContext;
  frame: { weights: ArrayLike<number> | null; timeSec: number };
  underruns: number;
  renderer: {
    draw(
      ctx: CanvasRenderingContext2D,
      frame: { weights: null; timeSec: number },
      w: number,
      h: number,
    ): void;
    mouthBox(w: number, h: number): { x: number; y: number; width: number; height: number };
  };
  speak(text: string): { reqId: string; firstSound: Promise<number>; done: Promise<string> };
  interrupt(): void;
  on(listener: (event: Omit<PlayerEvent, 't'>) => void): () => void;
  close(): void;
}

interface TestWindow {
  DhumanPlayer: {
    attachAvatarPlayer(canvas: HTMLCanvasElement, options: Record<string, unknown>): Promise<PagePlayer>;
  };
  player: PagePlayer;
  events: PlayerEvent[];
  samples: Sample[];
  widest: { mouth: number; png: string } | undefined;
  /** One look at sound, mouth and subtitles now. */
  look(): Sample;
}

declare const window: Window & TestWindow;

describe('avatar player in Chromium', () => {
  let server: TestServer;
  let page: { url: string; server: Server };
  let browser: Browser;
  let tab: Page;
  let manifest: AvatarManifest;

  beforeAll(async () => {
    [server, page, browser, manifest] = await Promise.all([
      startTestServer(),
      bundlePlayer().then(servePage),
      launchChromium(),
      loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json')),
    ]);
    tab = await browser.newPage({ viewport: { width: 400, height: 560 } });
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(page.url);
    await tab.evaluate(
      async ({ baseUrl, appkey, accesstoken, avatar }) => {
        const canvas = document.querySelector('canvas') as HTMLCanvasElement;
        const subtitle = document.getElementById('subtitle') as HTMLElement;
        const player = await window.DhumanPlayer.attachAvatarPlayer(canvas, {
          baseUrl,
          appkey,
          accesstoken,
          projectId: 'demo',
          avatar,
          language: 'en-US',
          subtitles: subtitle,
        });
        window.player = player;
        window.events = [];
        window.samples = [];
        player.on((event) => window.events.push({ ...event, t: performance.now() }));

        const rest = document.createElement('canvas');
        const restContext = rest.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
        const shown = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
        const samples = new Float32Array(player.analyser.fftSize);
        window.look = () => {
          player.analyser.getFloatTimeDomainData(samples);
          let sum = 0;
          for (const s of samples) sum += s * s;
          // The canvas holds what the player drew last, and player.frame says what that was.
          const { width, height } = canvas;
          rest.width = width;
          rest.height = height;
          player.renderer.draw(restContext, { weights: null, timeSec: player.frame.timeSec }, width, height);
          const box = player.renderer.mouthBox(width, height);
          const [x, y, w, h] = [box.x, box.y, box.width, box.height].map(Math.round) as [number, ...number[]];
          const a = shown.getImageData(x, y ?? 0, w ?? 1, h ?? 1).data;
          const b = restContext.getImageData(x, y ?? 0, w ?? 1, h ?? 1).data;
          let diff = 0;
          for (let i = 0; i < a.length; i += 4) {
            diff += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
            diff += Math.abs((a[i + 1] ?? 0) - (b[i + 1] ?? 0));
            diff += Math.abs((a[i + 2] ?? 0) - (b[i + 2] ?? 0));
          }
          return {
            t: performance.now(),
            rms: Math.sqrt(sum / samples.length),
            mouth: diff / ((a.length / 4) * 3),
            restWeights: player.frame.weights === null,
            subtitle: subtitle.textContent ?? '',
            current: subtitle.querySelectorAll('.current').length,
          };
        };
        const monitor = () => {
          const sample = window.look();
          window.samples.push(sample);
          // The canvas at its widest-open mouth so far, for the screenshot.
          if (sample.mouth > (window.widest?.mouth ?? 0)) {
            window.widest = { mouth: sample.mouth, png: canvas.toDataURL('image/png') };
          }
          requestAnimationFrame(monitor);
        };
        requestAnimationFrame(monitor);
      },
      { baseUrl: server.url, appkey: APPKEY, accesstoken: TOKEN, avatar: manifest },
    );
    expect(errors).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.server.close(resolve));
    await server?.dispose();
  });

  const eventsOf = (reqId: string) =>
    tab.evaluate((id) => window.events.filter((e) => e.reqId === id), reqId);

  it('speaks: sound, a moving mouth and highlighted subtitles, then rest after the end', async () => {
    const reqId = await tab.evaluate((text) => window.player.speak(text).reqId, SHORT_TEXT);
    await tab.waitForFunction(
      (id) => window.events.some((e) => e.reqId === id && e.type === 'speaking'),
      reqId,
      { timeout: 30_000 },
    );
    await tab.waitForTimeout(700);
    await tab.screenshot({ path: artefactPath('player-speaking.png') });
    await tab.evaluate(() => (window.widest = undefined));
    await tab.waitForFunction(
      (id) => window.events.some((e) => e.reqId === id && (e.type === 'ended' || e.type === 'error')),
      reqId,
      { timeout: 20_000 },
    );
    // Past the end: the subtitle hold (1.2 s) also expires.
    await tab.waitForTimeout(1500);
    await tab.screenshot({ path: artefactPath('player-rest.png') });

    const events = await eventsOf(reqId);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t !== 'word')).toEqual(['sent', 'first-frame', 'speaking', 'ended']);
    const at = (type: string) => events.find((e) => e.type === type) as PlayerEvent;
    const speaking = at('speaking');
    const ended = at('ended');
    expect(at('first-frame').ms).toBeGreaterThan(0);
    expect(speaking.ms).toBeGreaterThanOrEqual(at('first-frame').ms ?? 0);
    const words = events.filter((e) => e.type === 'word');
    expect(words.map((e) => e.index)).toEqual(words.map((_, i) => i));
    expect(words.map((e) => e.text).join(' ')).toMatch(/Hello.*test/);

    const samples = await tab.evaluate(() => window.samples);
    const during = samples.filter((s) => s.t > speaking.t + 50 && s.t < ended.t - 50);
    const after = samples.filter((s) => s.t > ended.t + 100);
    expect(during.length).toBeGreaterThan(10);
    expect(Math.max(...during.map((s) => s.rms))).toBeGreaterThan(AUDIBLE_RMS);
    expect(Math.max(...during.map((s) => s.mouth))).toBeGreaterThan(MOUTH_MOVED);
    expect(during.filter((s) => !s.restWeights).length).toBeGreaterThan(during.length / 2);
    const highlighted = during.filter((s) => s.current === 1 && s.subtitle.includes('Hello'));
    expect(highlighted.length).toBeGreaterThan(during.length / 2);
    expect(during.every((s) => s.current <= 1)).toBe(true);
    expect(after.length).toBeGreaterThan(10);
    expect(Math.max(...after.map((s) => s.rms))).toBeLessThan(SILENT_RMS);
    expect(Math.max(...after.map((s) => s.mouth))).toBeLessThan(MOUTH_AT_REST);
    expect(after.at(-1)?.subtitle).toBe('');

    const widest = await tab.evaluate(() => window.widest?.png ?? '');
    writeFileSync(artefactPath('player-mouth-widest.png'), Buffer.from(widest.split(',')[1] ?? '', 'base64'));
    const underruns = await tab.evaluate(() => window.player.underruns);
    console.info(
      `player: first frame ${at('first-frame').ms?.toFixed(0)} ms, first sound ${speaking.ms?.toFixed(0)} ms ` +
        `after send, ${words.length} words, ${underruns} underruns`,
    );
  }, 45_000);

  it('interrupt(): silence and a mouth at rest within 150 ms, and the utterance ends "interrupted"', async () => {
    const reqId = await tab.evaluate((text) => {
      const utterance = window.player.speak(text);
      void utterance.done.then((how) =>
        window.events.push({ type: `done:${how}`, reqId: utterance.reqId, t: 0 }),
      );
      return utterance.reqId;
    }, LONG_TEXT);
    await tab.waitForFunction(
      (id) => window.events.some((e) => e.reqId === id && e.type === 'speaking'),
      reqId,
      { timeout: 30_000 },
    );
    await tab.waitForTimeout(800);
    const result = await tab.evaluate(
      ({ silent, rest }) =>
        new Promise<{ before: Sample; quietMs: number; frames: number; trace: string }>((resolve, reject) => {
          const before = window.look();
          const start = performance.now();
          window.player.interrupt();
          let frames = 0;
          // Per frame: ms since the interrupt, audio clock, RMS, mouth difference; printed when over budget.
          const trace: string[] = [];
          const check = () => {
            frames++;
            const now = window.look();
            const clock = window.player.audioContext.currentTime.toFixed(3);
            trace.push(
              `${(now.t - start).toFixed(0)}ms ctx=${clock} rms=${now.rms.toFixed(4)} mouth=${now.mouth.toFixed(2)}`,
            );
            if (now.rms < silent && now.mouth < rest && now.restWeights) {
              resolve({ before, quietMs: now.t - start, frames, trace: trace.join('; ') });
            } else if (performance.now() - start > 2000) {
              reject(new Error(`still not at rest after 2 s: ${JSON.stringify(now)}`));
            } else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      { silent: SILENT_RMS, rest: MOUTH_AT_REST },
    );
    expect(result.before.rms).toBeGreaterThan(AUDIBLE_RMS / 10);
    expect(result.quietMs, result.trace).toBeLessThan(INTERRUPT_BUDGET_MS);
    await tab.waitForTimeout(300);
    const types = (await eventsOf(reqId)).map((e) => e.type).filter((t) => t !== 'word');
    expect(types).toEqual(['sent', 'first-frame', 'speaking', 'interrupted', 'done:interrupted']);
    // Nothing of the interrupted utterance plays later (its late frames are dropped).
    const later = await tab.evaluate(() => window.samples.slice(-10));
    expect(Math.max(...later.map((s) => s.rms))).toBeLessThan(SILENT_RMS);
    console.info(
      `player: interrupt → silence and rest in ${result.quietMs.toFixed(0)} ms (${result.frames} frames)`,
    );
  }, 45_000);

  it('speaks again after an interrupt, on the same socket, utterances in order', async () => {
    const result = await tab.evaluate(async () => {
      const first = window.player.speak('Once more.');
      const second = window.player.speak('And done.');
      const [firstMs, secondMs, firstDone, secondDone] = await Promise.all([
        first.firstSound,
        second.firstSound,
        first.done,
        second.done,
      ]);
      const order = window.events
        .filter((e) => (e.reqId === first.reqId || e.reqId === second.reqId) && e.type !== 'word')
        .map((e) => `${e.reqId === first.reqId ? 1 : 2}:${e.type}`);
      return { firstMs, secondMs, firstDone, secondDone, order };
    });
    expect(result).toMatchObject({ firstDone: 'ended', secondDone: 'ended' });
    // The second is heard only after the first has ended.
    const order = result.order.filter((e) => e.endsWith('speaking') || e.endsWith('ended'));
    expect(order).toEqual(['1:speaking', '1:ended', '2:speaking', '2:ended']);
    console.info(`player: warm first sound ${result.firstMs.toFixed(0)} ms after send`);
  }, 30_000);

  it('fetches the project avatar from the server when none is given', async () => {
    const key = await tab.evaluate(
      async ({ baseUrl, appkey, accesstoken }) => {
        const canvas = document.createElement('canvas');
        const player = await window.DhumanPlayer.attachAvatarPlayer(canvas, {
          baseUrl,
          appkey,
          accesstoken,
          projectId: 'demo',
        });
        const manifest = (player.renderer as unknown as { manifest: { key: string } }).manifest;
        player.close();
        player.close();
        return manifest.key;
      },
      { baseUrl: server.url, appkey: APPKEY, accesstoken: TOKEN },
    );
    expect(typeof key).toBe('string');
    expect(key.length).toBeGreaterThan(0);
  });
});
