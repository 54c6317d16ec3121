// Issue 6, "sync after 10 minutes of talking": from a recorded stream, the mouth-openness signal (measured from
// pixels) and the audio envelope cross-correlate with an offset of at most 40 ms, at the start of a session and
// after 10 minutes of talking. The pump runs with the real render worker and real ffmpeg (MP4, 128²) over 10
// minutes of tone bursts of irregular lengths, the mouth open exactly while the tone sounds, on a manual clock so
// that the run takes well under a minute. Only two 20 s windows of the file are decoded: the first, and the one
// ending at session 10:00; in both, the tone onsets must also sit where the schedule puts them in stream time.
//
// Guards against drift, checked by breaking the pump on purpose: one extra video frame in 2000 passes the start
// and fails the late window (mouth 290 ms late there), one frame in 1000 left out fails it (550 ms early), and
// even a single extra frame at 3:20 does (50 ms). One extra frame in 1000 puts video so far ahead that ffmpeg
// stops reading it and the run fails on `stallMs`, at 6:20.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { Path2D } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scheduled, Written } from './pump-test-support.js';
import {
  correlogram,
  decode,
  envelope,
  FRAME_MS,
  mouthDarkness,
  RATE,
  recordStream,
  TONE_AMPLITUDE,
  utterance,
} from './pump-test-support.js';

/**
 * Small frames for speed (a render costs about 2.5 ms of CPU at 128², 3.8 ms at 256²; 15 000 of them). The mouth
 * box is still 22×21 px, and the open mouth darkens about 30 of its pixels.
 */
const SIZE = 128;
/** The talking ends after session 10:00; the late window ends there. */
const TEN_MINUTES_MS = 600_000;
/** Streamed session time: a little past 10:00, so the late window is not the file's last (flushed) second. */
const SESSION_MS = TEN_MINUTES_MS + 1_000;
const WINDOW_MS = 20_000;
/** Resolution of the cross-correlation: the envelope's window, a quarter of a video frame. */
const BIN_MS = 10;
/** Lags searched, either way: far beyond any plausible offset, so a drift shows as itself, not as the edge. */
const MAX_LAG_MS = 1_000;
/** Issue 6's bound on the mouth ↔ voice offset. */
const MAX_OFFSET_MS = 40;
/** A clear peak: the correlation there is high and falls well off this far from it (shorter bursts are 200 ms). */
const SIDE_LAG_MS = 200;
const SEED = 0x5eed_0006;
/** The run takes about 45 s on 2 busy cores; a stalled encoder fails sooner, after `STALL_MS`. */
const TIMEOUT_MS = 180_000;
const STALL_MS = 10_000;

/** A small seeded PRNG (mulberry32): the same talking pattern on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Burst {
  startMs: number;
  toneMs: number;
}

/**
 * Talking from 1 s to just past `untilMs`: tone bursts of 200–1500 ms (whole 20 ms audio frames) with gaps of
 * 100–800 ms (any ms, so onsets fall at every phase of the 40 ms video frame). Irregular, so the correlation of
 * mouth and voice has one peak, not one per period.
 */
function talking(untilMs: number): Burst[] {
  const random = prng(SEED);
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const bursts: Burst[] = [];
  for (let at = 1_000; at < untilMs;) {
    const toneMs = between(10, 75) * 20;
    bursts.push({ startMs: at, toneMs });
    at += toneMs + between(100, 800);
  }
  return bursts;
}

let manifest: AvatarManifest;
let mouth: PixelBox;
let dir: string;
let bursts: Burst[];
let written: Written;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-sync-long-'));
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
  mouth = new AvatarRenderer(manifest, { Path2D }).mouthBox(SIZE, SIZE);
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Session ms → ms from the start of the recorded stream. */
const streamMs = (sessionMs: number): number => sessionMs - written.streamStartSessionMs;

interface WindowResult {
  /** Lag of the cross-correlation's peak: how far the mouth is behind the voice (negative: ahead). */
  offsetMs: number;
  /** Correlation at the peak (1 = the mouth is the voice's envelope, shifted). */
  peak: number;
  /** Highest correlation at SIDE_LAG_MS or more from the peak. */
  side: number;
  /** Scheduled onsets in the window, and the worst |decoded − scheduled| among them. */
  onsets: number;
  worstOnsetErrorMs: number;
}

/** Sample-precise tone onsets (ms from the window's start): the first loud sample after 50 ms of quiet. */
function toneOnsets(audio: Int16Array): number[] {
  const quiet = (50 * RATE) / 1000;
  const onsets: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < audio.length; i++) {
    if (Math.abs(audio[i] ?? 0) <= TONE_AMPLITUDE / 2) continue;
    if (i - lastLoud > quiet) onsets.push((i * 1000) / RATE);
    lastLoud = i;
  }
  return onsets;
}

/** Decodes `WINDOW_MS` of the file from stream time `fromMs` and measures the mouth ↔ voice offset in it. */
async function measureWindow(label: string, fromMs: number): Promise<WindowResult> {
  const decoded = await decode(written.path, SIZE, { fromMs, durationMs: WINDOW_MS });
  // The whole window, and from its start: 500 frames, 20 s of samples (give or take one AAC frame).
  expect(decoded.frames.length, `${label}: frames`).toBe(WINDOW_MS / FRAME_MS);
  expect(Math.abs(decoded.audio.length / RATE - WINDOW_MS / 1000), `${label}: audio s`).toBeLessThan(0.05);

  // Absolute stream time: every burst scheduled inside the window starts where the schedule puts it.
  const scheduled = bursts
    .map((b) => streamMs(b.startMs) - fromMs)
    .filter((ms) => ms >= 100 && ms < WINDOW_MS - 100);
  const found = toneOnsets(decoded.audio);
  let worstOnsetErrorMs = 0;
  for (const ms of scheduled) {
    const nearest = found.reduce((best, f) => (Math.abs(f - ms) < Math.abs(best - ms) ? f : best), -Infinity);
    worstOnsetErrorMs = Math.max(worstOnsetErrorMs, Math.abs(nearest - ms));
  }
  expect(scheduled.length, `${label}: bursts in the window`).toBeGreaterThan(10);
  expect(found.length, `${label}: onsets decoded`).toBeGreaterThanOrEqual(scheduled.length);
  expect(worstOnsetErrorMs, `${label}: worst onset error (ms)`).toBeLessThanOrEqual(MAX_OFFSET_MS);

  // Mouth openness per frame, held for the frame's 40 ms, against the voice's loudness per 10 ms.
  const perFrame = FRAME_MS / BIN_MS;
  const openness = decoded.frames.flatMap((rgba) =>
    Array<number>(perFrame).fill(mouthDarkness(rgba, SIZE, mouth)),
  );
  const loudness = envelope(decoded.audio, BIN_MS);
  const len = Math.min(openness.length, loudness.length);
  const maxLag = MAX_LAG_MS / BIN_MS;
  // correlogram(a, b): positive lag = b later. The voice as `a`, the mouth as `b`: positive = mouth late.
  const scores = correlogram(loudness.slice(0, len), openness.slice(0, len), maxLag);
  let best = 0;
  scores.forEach((score, i) => {
    if (score > (scores[best] ?? -Infinity)) best = i;
  });
  const peak = scores[best] ?? 0;
  const sideBins = SIDE_LAG_MS / BIN_MS;
  const side = Math.max(...scores.filter((_, i) => Math.abs(i - best) >= sideBins));
  return {
    offsetMs: (best - maxLag) * BIN_MS,
    peak,
    side,
    onsets: scheduled.length,
    worstOnsetErrorMs,
  };
}

describe('stream sync after 10 minutes of talking (issue 6)', () => {
  it(
    'keeps the mouth within 40 ms of the voice at the start and at 10:00 of a 10-minute stream',
    async () => {
      // The mouth must still be several pixels at this size.
      expect(mouth.width).toBeGreaterThanOrEqual(12);
      expect(mouth.height).toBeGreaterThanOrEqual(12);

      const started = performance.now();
      bursts = talking(TEN_MINUTES_MS);
      const frames: Scheduled[] = bursts.flatMap((b, i) => utterance(`u${i}`, b.startMs, b.toneMs));
      written = await recordStream({
        dir,
        name: 'ten-minutes',
        manifest,
        size: SIZE,
        mouth,
        frames,
        sessionMs: SESSION_MS,
        cleanups,
        keepAudio: false,
        ticksPerWait: 4,
        stallMs: STALL_MS,
      });
      const recordedMs = performance.now() - started;

      // Continuous: every span written, nothing skipped, dropped or repeated, one frame per 40 ms of audio.
      const { pump } = written;
      const stats = pump.stats;
      expect(stats.skippedMs).toBe(0);
      expect(stats.droppedAudioMs).toBe(0);
      expect(stats.repeatedFrames).toBe(0);
      expect(pump.writtenMs).toBe(streamMs(SESSION_MS));
      expect(stats.videoFrames).toBe(Math.ceil(pump.writtenMs / FRAME_MS));
      // The mouth visibly opens and closes at this size (dark pixels in the mouth box, before encoding).
      expect(Math.max(...written.darkness) - Math.min(...written.darkness)).toBeGreaterThanOrEqual(10);

      const lateFromMs = streamMs(TEN_MINUTES_MS - WINDOW_MS);
      // Both windows start on a video frame, so frame i of a window is at fromMs + 40 i.
      expect(lateFromMs % FRAME_MS).toBe(0);
      const start = await measureWindow('start', 0);
      const late = await measureWindow('10:00', lateFromMs);
      const seconds = (ms: number): string => (ms / 1000).toFixed(2);
      const line = (name: string, r: WindowResult): string =>
        `${name}: mouth − voice ${r.offsetMs} ms (peak r=${r.peak.toFixed(3)}, ≥${SIDE_LAG_MS} ms away ` +
        `r≤${r.side.toFixed(3)}); ${r.onsets} onsets, worst ${r.worstOnsetErrorMs.toFixed(1)} ms off schedule`;
      console.log(
        `10-minute stream (${SIZE}², ${bursts.length} bursts, ${stats.videoFrames} frames): recorded in ` +
          `${seconds(recordedMs)} s, measured in ${seconds(performance.now() - started - recordedMs)} s\n` +
          `  ${line(`start, stream [0, ${seconds(WINDOW_MS)}] s`, start)}\n` +
          `  ${line(`session 9:40–10:00, stream [${seconds(lateFromMs)}, ${seconds(lateFromMs + WINDOW_MS)}] s`, late)}`,
      );

      for (const [name, r] of [
        ['start', start],
        ['10:00', late],
      ] as const) {
        expect(Math.abs(r.offsetMs), `${name}: mouth − voice offset (ms)`).toBeLessThanOrEqual(MAX_OFFSET_MS);
        expect(r.peak, `${name}: correlation at the peak`).toBeGreaterThan(0.8);
        expect(r.side, `${name}: correlation ${SIDE_LAG_MS} ms or more off the peak`).toBeLessThan(
          r.peak - 0.2,
        );
      }
    },
    TIMEOUT_MS,
  );
});
