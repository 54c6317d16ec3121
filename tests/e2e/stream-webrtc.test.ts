// A session's server-rendered stream played the way a visitor plays it: Chromium opens the session's
// PlayStreamAddr (the player page), which plays it over WebRTC through WHEP. The test reads what the browser
// decoded (getStats: frame rate, audio concealment) and what it shows (the mouth in the video's pixels), while
// the session is silent and while it speaks, and keeps screenshots of both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { DRIVE_PATHS, SESSION_PATHS as P } from '@dhuman/protocol';
import { Path2D } from '@napi-rs/canvas';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  reqId,
  settledStat,
  startTestServer,
  waitFor,
  type TestServer,
} from '../integration/harness.js';
import { artefactPath, launchChromium } from './chromium.js';
import { buildWebPages } from './web-pages.js';

const SIZE = 512;
const SPEECH =
  'This is the server stream speaking, a sentence long enough to watch the mouth move for a few seconds ' +
  'while the browser counts the frames it decodes and the audio it plays.';
/** Pixels of the mouth's inner colour in the mouth box: a shut mouth shows almost none, an open one hundreds. */
const OPEN_PIXELS = 150;
const SHUT_PIXELS = 30;

let server: TestServer;
let browser: Browser;
let webDir: string;
let mouth: PixelBox;
/** The open mouth's inside (the avatar's `mouth.innerColor`) as RGB. */
let inner: [number, number, number];

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'dhuman-play-'));
  await buildWebPages(webDir);
  const manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
  const hex = manifest.mouth.innerColor.replace('#', '');
  inner = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const box = new AvatarRenderer(manifest, { Path2D }).mouthBox(SIZE, SIZE);
  // The middle of the box: its sides reach the shadows under the jaw, which are as dark as an open mouth.
  mouth = { x: box.x + box.width * 0.2, y: box.y, width: box.width * 0.6, height: box.height };
  server = await startTestServer({ DHUMAN_WEB_DIR: webDir });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

interface Stats {
  t: number;
  framesDecoded: number;
  framesReceived: number;
  framesDropped: number;
  packetsLost: number;
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  audioJitterBufferDelay: number;
  audioJitterBufferEmittedCount: number;
  targetDelay: number;
}

/** The inbound video and audio reports, timed by the report's own timestamp (not by when the await returned). */
async function stats(page: Page): Promise<Stats> {
  return page.evaluate(async () => {
    const { pc } = (window as unknown as { dhumanStream: { playback: { pc: RTCPeerConnection } } })
      .dhumanStream.playback;
    const out: Stats = {
      t: 0,
      framesDecoded: 0,
      framesReceived: 0,
      framesDropped: 0,
      packetsLost: 0,
      jitterBufferDelay: 0,
      jitterBufferEmittedCount: 0,
      totalSamplesReceived: 0,
      concealedSamples: 0,
      audioJitterBufferDelay: 0,
      audioJitterBufferEmittedCount: 0,
      targetDelay: 0,
    };
    (await pc.getStats()).forEach((report: Record<string, number | string>) => {
      if (report.type !== 'inbound-rtp') return;
      if (report.kind === 'video') {
        out.t = report.timestamp as number;
        out.framesDecoded = report.framesDecoded as number;
        out.framesReceived = report.framesReceived as number;
        out.framesDropped = report.framesDropped as number;
        out.packetsLost = report.packetsLost as number;
        out.jitterBufferDelay = report.jitterBufferDelay as number;
        out.jitterBufferEmittedCount = report.jitterBufferEmittedCount as number;
        out.targetDelay = report.jitterBufferTargetDelay as number;
      } else if (report.kind === 'audio') {
        out.totalSamplesReceived = report.totalSamplesReceived as number;
        out.concealedSamples = report.concealedSamples as number;
        out.audioJitterBufferDelay = report.jitterBufferDelay as number;
        out.audioJitterBufferEmittedCount = report.jitterBufferEmittedCount as number;
      }
    });
    return out;
  });
}

/** Samples the mouth's openness from the video's pixels, once per presented frame, into `window.mouthOpen`. */
async function watchMouth(page: Page, box: PixelBox): Promise<void> {
  await page.evaluate(
    ({ box, size, inner }) => {
      const video = document.querySelector('video')!;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      // The widest frame is copied to a canvas of its own and encoded as PNG only when saved: a PNG encode per
      // new widest frame would load the page while the test counts its frames.
      const widestCanvas = document.createElement('canvas');
      widestCanvas.width = size;
      widestCanvas.height = size;
      const w = window as unknown as {
        mouthOpen: number[];
        mouthNow: number;
        widest: { open: number; canvas: HTMLCanvasElement };
      };
      w.mouthOpen = [];
      w.widest = { open: -1, canvas: widestCanvas };
      // Read each frame as it is presented (a draw between frames can see none and read black).
      const sample = () => {
        ctx.drawImage(video, 0, 0, size, size);
        const x = Math.floor(box.x);
        const y = Math.floor(box.y);
        const data = ctx.getImageData(x, y, Math.ceil(box.width), Math.ceil(box.height)).data;
        let open = 0;
        for (let i = 0; i < data.length; i += 4) {
          const d =
            Math.abs(data[i]! - inner[0]) +
            Math.abs(data[i + 1]! - inner[1]) +
            Math.abs(data[i + 2]! - inner[2]);
          if (d < 60) open++; // loose: H.264 and 4:2:0 chroma blur the colour
        }
        w.mouthNow = open;
        w.mouthOpen.push(open);
        // The frame with the widest mouth, as the browser decoded it (a screenshot can miss a 40 ms frame).
        if (open > w.widest.open) {
          w.widest.open = open;
          w.widest.canvas.getContext('2d')!.drawImage(canvas, 0, 0);
        }
        video.requestVideoFrameCallback(sample);
      };
      video.requestVideoFrameCallback(sample);
    },
    { box, size: SIZE, inner },
  );
}

/** The decoded frame with the widest mouth since the last call, saved as a PNG; returns its openness. */
async function saveWidestFrame(page: Page, name: string): Promise<number> {
  const widest = await page.evaluate(() => {
    const w = window as unknown as { widest: { open: number; canvas: HTMLCanvasElement } };
    const best = { open: w.widest.open, png: w.widest.canvas.toDataURL('image/png') };
    w.widest.open = -1;
    return best;
  });
  writeFileSync(artefactPath(name), Buffer.from(widest.png.split(',')[1] ?? '', 'base64'));
  return widest.open;
}

async function takeMouthSamples(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { mouthOpen: number[] };
    return w.mouthOpen.splice(0);
  });
}

interface Rates {
  /** Frames decoded a second: what the page shows. */
  fps: number;
  /** Frames received a second: what the server delivered. */
  receivedFps: number;
  /** Frames lost between receipt and decode. */
  dropped: number;
  concealed: number;
  /** Where missing frames went (and the buffers' depth), for the log. */
  detail: string;
}

function rates(a: Stats, b: Stats): Rates {
  const seconds = (b.t - a.t) / 1000;
  const emitted = Math.max(1, b.jitterBufferEmittedCount - a.jitterBufferEmittedCount);
  const jitterMs = ((b.jitterBufferDelay - a.jitterBufferDelay) * 1000) / emitted;
  const targetMs = ((b.targetDelay - a.targetDelay) * 1000) / emitted;
  const audioMs =
    ((b.audioJitterBufferDelay - a.audioJitterBufferDelay) * 1000) /
    Math.max(1, b.audioJitterBufferEmittedCount - a.audioJitterBufferEmittedCount);
  return {
    fps: (b.framesDecoded - a.framesDecoded) / seconds,
    receivedFps: (b.framesReceived - a.framesReceived) / seconds,
    dropped: b.framesDropped - a.framesDropped,
    concealed:
      (b.concealedSamples - a.concealedSamples) /
      Math.max(1, b.totalSamplesReceived - a.totalSamplesReceived),
    detail:
      `${((b.framesReceived - a.framesReceived) / seconds).toFixed(2)} frames received/s over ` +
      `${seconds.toFixed(2)} s, ${b.framesDropped - a.framesDropped} dropped, ` +
      `${b.packetsLost - a.packetsLost} packets lost, jitter buffers: video ${jitterMs.toFixed(0)} ms ` +
      `(target ${targetMs.toFixed(0)} ms), audio ${audioMs.toFixed(0)} ms`,
  };
}

describe('server stream over WebRTC (WHEP) in Chromium', () => {
  it('plays at 25 fps with clean audio; the mouth is shut in silence and opens while speaking', async () => {
    const created = await call(server.url, P.createsession, {
      ReqId: reqId(),
      VirtualmanProjectId: 'demo',
      UserId: 'watcher',
      Protocol: 'webrtc',
    });
    const sessionId = created.Payload.SessionId as string;
    const stat = await settledStat(server.url, sessionId);
    expect((await call(server.url, P.startsession, { SessionId: sessionId })).Header.Code).toBe(0);

    const page = await browser.newPage({ viewport: { width: 640, height: 640 } });
    await page.goto(stat.PlayStreamAddr as string);
    await page.waitForSelector('body[data-state="playing"]', { timeout: 20_000 });
    expect(server.streams.viewerCount(sessionId)).toBe(1);
    await watchMouth(page, mouth);

    // Silence: idle animation, continuous silent audio. Measured once the stream has settled: in its first
    // seconds Chromium's jitter buffer is still growing (a CI run read 203 ms on average and 5 frames dropped
    // before decode in a window starting 1 s after playback, while the server sent 25.0 frames a second).
    await page.waitForTimeout(3_000);
    await takeMouthSamples(page);
    await saveWidestFrame(page, 'stream-webrtc-before.png');
    const silentStart = await stats(page);
    // 8 s windows, so one frame more or less at a window's edge moves the rate by only 0.125 fps.
    await page.waitForTimeout(8_000);
    const silentEnd = await stats(page);
    const silentMouth = await takeMouthSamples(page);
    await page.screenshot({ path: artefactPath('stream-webrtc-silent.png') });
    const silentWidest = await saveWidestFrame(page, 'stream-webrtc-silent-frame.png');
    const silent = rates(silentStart, silentEnd);

    // Speech.
    const said = await call(server.url, DRIVE_PATHS.command, {
      ReqId: reqId(),
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: SPEECH },
    });
    expect(said.Header.Code).toBe(0);
    await page.waitForFunction(
      (open) => (window as unknown as { mouthNow: number }).mouthNow > open,
      OPEN_PIXELS,
      {
        timeout: 10_000,
        polling: 20,
      },
    );
    await page.screenshot({ path: artefactPath('stream-webrtc-speaking.png') });
    const speakingStart = await stats(page);
    await page.waitForTimeout(8_000);
    const speakingEnd = await stats(page);
    const speakingMouth = await takeMouthSamples(page);
    const speakingWidest = await saveWidestFrame(page, 'stream-webrtc-speaking-frame.png');
    const speaking = rates(speakingStart, speakingEnd);
    const both = rates(silentStart, speakingEnd);

    console.log(
      `stream: silent ${silent.fps.toFixed(1)} fps, concealed ${(silent.concealed * 100).toFixed(2)} %; ` +
        `speaking ${speaking.fps.toFixed(1)} fps, concealed ${(speaking.concealed * 100).toFixed(2)} %; ` +
        `both windows ${both.fps.toFixed(2)} fps; ` +
        `mouth pixels: silent max ${Math.max(...silentMouth)}, speaking max ${Math.max(...speakingMouth)}\n` +
        `  silent: ${silent.detail}\n  speaking: ${speaking.detail}`,
    );
    const written = server.streams.totals();
    console.log(
      `server wrote ${written.videoFrames} frames: ${written.repeatedFrames} repeated, ` +
        `${written.droppedFrames} dropped, ${written.skippedMs} ms skipped`,
    );
    // The server delivers 25 frames a second in each window, and the browser decodes all it receives. The decoded
    // rate is judged over both windows together: once Chromium's audio/video sync engages (it needs a few sender
    // reports of each stream), it may deepen the video's playout delay, gradually, to match the audio's, and frames
    // decoded lag frames received while it does. One CI run read 25.09 received but 23.97
    // decoded a second in one 8 s window, while the video jitter buffer went from 38 to 406 ms on average; local
    // runs read targets of 15–300 ms. A delivery problem (late renders, bursts, loss) shows in the received rate,
    // the drops or the whole span.
    expect(silent.receivedFps).toBeGreaterThanOrEqual(24);
    expect(speaking.receivedFps).toBeGreaterThanOrEqual(24);
    expect(silent.dropped + speaking.dropped).toBeLessThanOrEqual(2);
    expect(both.fps).toBeGreaterThanOrEqual(24);
    expect(speakingEnd.totalSamplesReceived - silentStart.totalSamplesReceived).toBeGreaterThan(48_000 * 5);
    expect(silent.concealed).toBeLessThan(0.02);
    expect(speaking.concealed).toBeLessThan(0.02);
    expect(Math.max(...silentMouth)).toBeLessThan(SHUT_PIXELS);
    expect(silentWidest).toBeLessThan(SHUT_PIXELS); // stream-webrtc-silent-frame.png: shut
    expect(Math.max(...speakingMouth)).toBeGreaterThan(OPEN_PIXELS);
    expect(speakingWidest).toBeGreaterThan(OPEN_PIXELS); // stream-webrtc-speaking-frame.png: open

    // A render later than two frame periods repeats the last frame: rare (0–1.3 % measured on a quiet machine,
    // 6 % with both cores saturated by two extra busy processes) but not zero on a 2-core machine that also runs
    // Chromium; the browser still decodes 25 frames a second. A stall long enough to skip media time is rarer.
    expect(written.repeatedFrames + written.droppedFrames).toBeLessThanOrEqual(written.videoFrames * 0.05);
    expect(written.skippedMs).toBeLessThanOrEqual(120);
    // A second viewer shares the encode: one ffmpeg, two peer connections.
    const second = await browser.newPage({ viewport: { width: 320, height: 320 } });
    await second.goto(stat.PlayStreamAddr as string);
    await second.waitForSelector('body[data-state="playing"]', { timeout: 20_000 });
    expect(server.streams.viewerCount(sessionId)).toBe(2);
    expect(server.streams.running).toBe(1);
    await second.close();
    await waitFor(() => Promise.resolve(server.streams.viewerCount(sessionId) === 1 || undefined), 5_000);

    // Leaving the page ends the viewer (WHEP DELETE on pagehide).
    await page.close();
    await waitFor(() => Promise.resolve(server.streams.viewerCount(sessionId) === 0 || undefined), 5_000);
  }, 90_000);
});
