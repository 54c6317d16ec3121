// The avatar renderer must draw the same picture in a browser (Chromium's Canvas 2D) as on the server
// (@napi-rs/canvas), since a client-rendered avatar and a server-rendered video of it must match. Both are Skia,
// but different versions with their own anti-aliasing, so the pictures are compared with a tolerance rather
// than byte for byte. The browser bundle is built from source in beforeAll, like a host page would load it.
import { visemePose } from '@dhuman/speech';
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCanvas, ImageData } from '@napi-rs/canvas';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as AvatarModule from '@dhuman/avatar';
import type { AvatarManifest } from '@dhuman/avatar';
import { blinkAmount } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile, renderAvatarRgba } from '@dhuman/avatar/node';
import { artefactPath, launchChromium } from './chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SIZE = 256;

/**
 * Measured on this machine (Debian Chromium 156 headless with --disable-gpu, vs @napi-rs/canvas 1.0.0), over
 * rest, 'aa' and a blink of both built-ins at 256×256: per-channel mean absolute difference 0.26–0.37 (of 255),
 * no pixel off by more than 32 (the worst channel difference anywhere was 8), the rest being gradient dithering
 * and anti-aliased edges. The limits leave about 3× margin on the mean and allow 0.5 % of pixels far off, while
 * a real mismatch (a shape moved by a pixel, a wrong colour, a missing layer) gives far more of both.
 */
const MAX_MEAN_ABS_DIFF = 1;
const MAX_FAR_OFF_FRACTION = 0.005;
const FAR_OFF = 32;

interface Case {
  key: string;
  label: string;
  weights: number[] | null;
  timeSec: number;
}

function blinkTime(manifest: AvatarManifest): number {
  for (let t = 0; t < 60; t += 0.01) if (blinkAmount(manifest, t) > 0.95) return t;
  throw new Error('no blink within a minute');
}

/** Per-channel mean absolute difference (RGB), and the share of pixels off by more than FAR_OFF anywhere. */
function compare(a: Uint8Array, b: Uint8Array): { meanAbs: number[]; farOff: number; max: number } {
  const sums = [0, 0, 0];
  let far = 0;
  let max = 0;
  const pixels = a.length / 4;
  for (let i = 0; i < a.length; i += 4) {
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0));
      sums[c] = (sums[c] ?? 0) + d;
      worst = Math.max(worst, d);
    }
    if (worst > FAR_OFF) far++;
    max = Math.max(max, worst);
  }
  return { meanAbs: sums.map((s) => s / pixels), farOff: far / pixels, max };
}

let browser: Browser;
let page: Page;
const manifests = new Map<string, AvatarManifest>();
const cases: Case[] = [];

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [`${root}packages/avatar/src/index.ts`],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'DhumanAvatar',
    write: false,
    logLevel: 'silent',
    alias: {
      '@dhuman/protocol': `${root}packages/protocol/src/index.ts`,
      '@dhuman/protocol/blendshapes': `${root}packages/protocol/src/blendshapes.ts`,
    },
  });
  for (const key of ['ava', 'leo']) {
    const manifest = await loadAvatarFile(`${builtinAvatarDir()}/${key}/avatar.json`);
    manifests.set(key, manifest);
    cases.push(
      { key, label: 'rest', weights: null, timeSec: 0.7 },
      { key, label: 'aa', weights: Array.from(visemePose('aa')), timeSec: 2.1 },
      { key, label: 'blink', weights: Array.from(visemePose('E', 0.6)), timeSec: blinkTime(manifest) },
    );
  }
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Draws a case in the page on a fresh <canvas> and reads its pixels back (Base64 of the RGBA bytes). */
async function renderInBrowser(item: Case): Promise<Uint8Array> {
  const manifest = manifests.get(item.key);
  const base64 = await page.evaluate(
    ({ manifest, weights, timeSec, size }) => {
      const api = (globalThis as unknown as { DhumanAvatar: typeof AvatarModule }).DhumanAvatar;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      new api.AvatarRenderer(api.parseAvatarManifest(manifest)).draw(ctx, { weights, timeSec }, size, size);
      const bytes = ctx.getImageData(0, 0, size, size).data;
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return btoa(binary);
    },
    { manifest, weights: item.weights, timeSec: item.timeSec, size: SIZE },
  );
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

describe('renderer parity: Chromium Canvas 2D vs @napi-rs/canvas', () => {
  it('draws the built-ins alike in both (rest, aa, blink)', async () => {
    // Rows: one per case; columns: Chromium, Node, and their difference ×8 (grey = equal).
    const sheet = createCanvas(SIZE * 3, SIZE * cases.length);
    const sheetCtx = sheet.getContext('2d');
    const results: { item: string; meanAbs: string; farOffPct: string; max: number }[] = [];
    for (const [row, item] of cases.entries()) {
      const manifest = manifests.get(item.key);
      if (!manifest) throw new Error(item.key);
      const inBrowser = await renderInBrowser(item);
      const inNode = renderAvatarRgba(manifest, { weights: item.weights, timeSec: item.timeSec }, SIZE, SIZE);
      expect(inBrowser.length).toBe(inNode.length);

      const diff = new Uint8ClampedArray(inNode.length);
      for (let i = 0; i < diff.length; i += 4) {
        for (let c = 0; c < 3; c++) diff[i + c] = 128 + ((inBrowser[i + c] ?? 0) - (inNode[i + c] ?? 0)) * 8;
        diff[i + 3] = 255;
      }
      const y = row * SIZE;
      sheetCtx.putImageData(new ImageData(new Uint8ClampedArray(inBrowser), SIZE, SIZE), 0, y);
      sheetCtx.putImageData(new ImageData(new Uint8ClampedArray(inNode), SIZE, SIZE), SIZE, y);
      sheetCtx.putImageData(new ImageData(diff, SIZE, SIZE), SIZE * 2, y);

      const { meanAbs, farOff, max } = compare(inBrowser, inNode);
      results.push({
        item: `${item.key}/${item.label}`,
        meanAbs: meanAbs.map((m) => m.toFixed(3)).join(' '),
        farOffPct: (farOff * 100).toFixed(3),
        max,
      });
      for (const m of meanAbs) expect(m, `${item.key}/${item.label}`).toBeLessThan(MAX_MEAN_ABS_DIFF);
      expect(farOff, `${item.key}/${item.label}`).toBeLessThan(MAX_FAR_OFF_FRACTION);
    }
    writeFileSync(artefactPath('renderer-parity.png'), await sheet.encode('png'));
    console.log(results);
  }, 60_000);
});
