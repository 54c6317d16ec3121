// Test support for the SessionStreamPump tests that run the real render worker and real ffmpeg: a clock and a
// media bus the test steps by hand, scripted utterances (a tone with the mouth open while it sounds), and the
// measurements a sync test makes on a decoded file (mouth darkness, the tone's loudness, cross-correlation).
// Test code only: nothing in the package imports it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import type { ClockListener, MediaFrame } from '@dhuman/core';
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { FfmpegEncoder } from '../encoder/ffmpeg-encoder.js';
import { AvatarFrameRenderer } from '../render/avatar-frame-renderer.js';
import { SessionStreamPump } from './session-stream-pump.js';

export const run = promisify(execFile);

export const FPS = 25;
/** ms per video frame at FPS. */
export const FRAME_MS = 1000 / FPS;
export const RATE = 24_000;
/** Samples per 20 ms audio frame at RATE. */
const CHUNK = 480;
/** Clock ms of session pts 0. */
const ORIGIN = 1_000;
/** Clock step of the test's loop: one media-clock tick (20 ms). */
const TICK_MS = 20;
export const TONE_AMPLITUDE = 8_000;
const TONE_HZ = 300;

/** A tick source the test steps by hand. */
export class ManualClock {
  readonly listeners = new Set<ClockListener>();
  add(listener: ClockListener): void {
    this.listeners.add(listener);
  }
  remove(listener: ClockListener): void {
    this.listeners.delete(listener);
  }
  tick(nowMs: number): void {
    for (const listener of [...this.listeners]) listener.tick(nowMs);
  }
}

/** A frame and the session time at which the playout would publish it. */
export interface Scheduled {
  at: number;
  frame: MediaFrame;
}

/** Publishes scheduled frames once the session time reaches them, like SessionPlayout on its tick. */
export class FakeBus {
  readonly listeners = new Set<(frame: MediaFrame) => void>();
  #next = 0;
  constructor(private readonly frames: Scheduled[]) {
    frames.sort((a, b) => a.at - b.at);
  }
  subscribe = (listener: (frame: MediaFrame) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  publishUntil(sessionMs: number): void {
    for (let s = this.frames[this.#next]; s && s.at <= sessionMs; s = this.frames[++this.#next]) {
      for (const listener of this.listeners) listener(s.frame);
    }
  }
}

function jawOpen(value: number): Float32Array {
  const weights = new Float32Array(BLENDSHAPE_NAMES.length);
  weights[BLENDSHAPE_NAMES.indexOf('jawOpen')] = value;
  return weights;
}

/**
 * One utterance: a 300 Hz tone in 20 ms audio frames from `startMs` for `toneMs`, blendshape frames (jawOpen 0.8)
 * every 40 ms during it, and an utterance-end at `endMs` (interrupted when it cuts the tone short).
 */
export function utterance(
  id: string,
  startMs: number,
  toneMs: number,
  endMs = startMs + toneMs,
): Scheduled[] {
  const out: Scheduled[] = [
    { at: startMs, frame: { kind: 'utterance-start', utteranceId: id, pts: startMs } },
  ];
  for (let t = 0; t < toneMs && startMs + t < endMs; t += 20) {
    const pcm = new Int16Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) {
      pcm[i] = Math.round(
        TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * ((t / 1000) * RATE + i)) / RATE),
      );
    }
    const pts = startMs + t;
    out.push({ at: pts + 20, frame: { kind: 'audio', utteranceId: id, pts, pcm } });
  }
  for (let t = 0; t < toneMs && startMs + t < endMs; t += 40) {
    const pts = startMs + t;
    out.push({
      at: pts,
      frame: { kind: 'blendshape', utteranceId: id, pts, frame: { timeMs: t, weights: jawOpen(0.8) } },
    });
  }
  const interrupted = endMs < startMs + toneMs;
  out.push({ at: endMs, frame: { kind: 'utterance-end', utteranceId: id, pts: endMs, interrupted } });
  return out;
}

/**
 * Dark pixels in the mouth box of a `width`-wide RGBA frame: the open mouth's inside is dark, the rest and lips
 * are not.
 */
export function mouthDarkness(rgba: Uint8Array, width: number, mouth: PixelBox): number {
  let dark = 0;
  for (let y = Math.floor(mouth.y); y < Math.ceil(mouth.y + mouth.height); y++) {
    for (let x = Math.floor(mouth.x); x < Math.ceil(mouth.x + mouth.width); x++) {
      const i = (y * width + x) * 4;
      const luma = 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
      if (luma < 52) dark++;
    }
  }
  return dark;
}

export interface StreamRun {
  /** Directory for the MP4. */
  dir: string;
  name: string;
  manifest: AvatarManifest;
  /** Square frame size in pixels. */
  size: number;
  mouth: PixelBox;
  frames: Scheduled[];
  /** Session time to stream; the file then holds that much plus the pump's start-up offset. */
  sessionMs: number;
  /** Close functions for the renderer and the encoder, run by the caller (in reverse) after the test. */
  cleanups: (() => Promise<void>)[];
  /** Keep a copy of every sample written (default true; a long run can skip it). */
  keepAudio?: boolean;
  /**
   * Clock ticks between waits for the pump to go idle (default 1). Above 1, renders overlap the writes and the
   * other ticks (a long run goes faster). At most 4: that owes at most two 40 ms frames at once, and the pump
   * waits for the oldest of `RENDER_WAIT_FRAMES` (2) renders instead of writing it as a repeat.
   */
  ticksPerWait?: number;
  /**
   * Fail instead of hanging when the pump has not gone idle this long after a tick (default: wait for ever). It
   * cannot, for one, when ffmpeg stops reading one input because the other has fallen too far behind: the clock
   * that would feed the other input waits for the pump.
   */
  stallMs?: number;
}

export interface Written {
  pump: SessionStreamPump;
  path: string;
  /** Every sample the pump wrote, in order (empty unless `keepAudio`). */
  audio: Int16Array;
  /** mouthDarkness of every frame the pump wrote, in order. */
  darkness: number[];
  /** Session ms at the first sample of the stream (stream ms = session ms - this). */
  streamStartSessionMs: number;
}

/**
 * Runs the pump over `frames` for `sessionMs` of session time, encoding to an MP4 (H.264 + AAC, `size`²); the file
 * is complete after. A manual clock ticks every 20 ms of session time and the loop waits until the pump is idle
 * (every `ticksPerWait` ticks), so the run is as fast as the renderer and ffmpeg allow and the machine's load
 * cannot change what is written.
 */
export async function recordStream(options: StreamRun): Promise<Written> {
  const { size, mouth, cleanups } = options;
  const path = join(options.dir, `${options.name}.mp4`);
  const ticksPerWait = options.ticksPerWait ?? 1;
  if (!(ticksPerWait >= 1 && ticksPerWait <= 4)) throw new RangeError(`ticksPerWait ${ticksPerWait}`);
  const renderer = await AvatarFrameRenderer.create({
    manifest: options.manifest,
    width: size,
    height: size,
  });
  cleanups.push(() => renderer.close());
  const encoder = new FfmpegEncoder();
  encoder.on('error', () => undefined); // reported again by end()
  cleanups.push(() => encoder.close());
  await encoder.start({
    video: { width: size, height: size, fps: FPS },
    audio: { sampleRate: RATE },
    target: { kind: 'file', path, format: 'mp4' },
  });
  const keepAudio = options.keepAudio ?? true;
  const audio: Int16Array[] = [];
  const darkness: number[] = [];
  const recording = {
    writeAudio(pcm: Int16Array) {
      if (keepAudio) audio.push(pcm.slice());
      return encoder.writeAudio(pcm);
    },
    writeFrame(rgba: Uint8Array) {
      darkness.push(mouthDarkness(rgba, size, mouth));
      return encoder.writeFrame(rgba);
    },
  };
  const clock = new ManualClock();
  const bus = new FakeBus(options.frames);
  const pump = new SessionStreamPump({
    subscribe: bus.subscribe,
    clock,
    renderer,
    encoder: recording,
    fps: FPS,
    originMs: ORIGIN,
  });
  pump.start();
  for (let t = TICK_MS, n = 1; t <= options.sessionMs + pump.latencyMs; t += TICK_MS, n++) {
    // The pump's tick first, then the bus: the order in which it is most likely to miss a frame.
    clock.tick(ORIGIN + t);
    bus.publishUntil(t);
    if (n % ticksPerWait === 0) await idleWithin(pump, options.stallMs, t);
  }
  await pump.stop();
  await encoder.end();
  const all = new Int16Array(audio.reduce((n, a) => n + a.length, 0));
  audio.reduce((at, a) => (all.set(a, at), at + a.length), 0);
  // The first tick (at TICK_MS) puts the pump's write position `latencyMs` behind it: the stream's first sample.
  const streamStartSessionMs = TICK_MS - pump.latencyMs;
  return { pump, path, audio: all, darkness, streamStartSessionMs };
}

/** `pump.idle()`, or a rejection naming the stall after `stallMs`. */
async function idleWithin(
  pump: SessionStreamPump,
  stallMs: number | undefined,
  sessionMs: number,
): Promise<void> {
  if (stallMs === undefined) return pump.idle();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const { videoFrames } = pump.stats;
      const message =
        `the pump did not go idle within ${stallMs} ms at session ${sessionMs} ms (${pump.writtenMs} ms of ` +
        `audio and ${videoFrames} video frames written): has one encoder input run ahead of the other?`;
      reject(new Error(message));
    }, stallMs);
  });
  try {
    await Promise.race([pump.idle(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Decoded {
  /** RGBA frames of `size`², one per 40 ms from the window's start. */
  frames: Uint8Array[];
  /** Mono samples at RATE from the window's start. */
  audio: Int16Array;
}

/**
 * Decodes an MP4 to RGBA frames and PCM: the whole file, or `durationMs` from stream time `fromMs` (ffmpeg's
 * accurate input seek: it decodes from the keyframe before and drops what precedes `fromMs`).
 */
export async function decode(
  path: string,
  size: number,
  window?: { fromMs: number; durationMs: number },
): Promise<Decoded> {
  const options = { encoding: 'buffer' as const, maxBuffer: 512 * 1024 * 1024 };
  const seek = window
    ? ['-ss', (window.fromMs / 1000).toFixed(3), '-t', (window.durationMs / 1000).toFixed(3)]
    : [];
  const video = await run(
    'ffmpeg',
    ['-v', 'error', ...seek, '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    options,
  );
  const sound = await run(
    'ffmpeg',
    ['-v', 'error', ...seek, '-i', path, '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-'],
    options,
  );
  const frameBytes = size * size * 4;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + frameBytes <= video.stdout.length; at += frameBytes) {
    frames.push(new Uint8Array(video.stdout.buffer, video.stdout.byteOffset + at, frameBytes));
  }
  const bytes = sound.stdout;
  const audio = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < audio.length; i++) audio[i] = bytes.readInt16LE(i * 2);
  return { frames, audio };
}

/** RMS per `windowMs` window. */
export function envelope(audio: Int16Array, windowMs: number): number[] {
  const n = (RATE * windowMs) / 1000;
  const out: number[] = [];
  for (let at = 0; at + n <= audio.length; at += n) {
    let sum = 0;
    for (let i = at; i < at + n; i++) sum += (audio[i] ?? 0) ** 2;
    out.push(Math.sqrt(sum / n));
  }
  return out;
}

/** Index of the first value above the midpoint of the signal's range. */
export function onset(signal: number[]): number {
  const lo = Math.min(...signal);
  const hi = Math.max(...signal);
  return signal.findIndex((v) => v > (lo + hi) / 2);
}

/**
 * Cross-correlation of `a` with `b` at every lag in -maxLag..maxLag (index `lag + maxLag`; positive = b later),
 * each signal taken about its mean, scaled by both signals' energy so that a perfect match at a lag scores 1.
 */
export function correlogram(a: number[], b: number[], maxLag: number): number[] {
  const norm = (s: number[]): number[] => {
    const mean = s.reduce((x, y) => x + y, 0) / s.length;
    return s.map((v) => v - mean);
  };
  const x = norm(a);
  const y = norm(b);
  const energy = Math.sqrt(x.reduce((n, v) => n + v * v, 0) * y.reduce((n, v) => n + v * v, 0)) || 1;
  const scores: number[] = [];
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = 0; i < x.length; i++) score += (x[i] ?? 0) * (y[i + lag] ?? 0);
    scores.push(score / energy);
  }
  return scores;
}

/** The lag (in samples of `b`, positive = b later) in -maxLag..maxLag that best correlates a with b. */
export function bestLag(a: number[], b: number[], maxLag: number): number {
  const scores = correlogram(a, b, maxLag);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if ((scores[i] ?? 0) > (scores[best] ?? 0)) best = i;
  return best - maxLag;
}
