// SessionStreamPump with the real render worker and real ffmpeg (MP4, 256²). A fake media bus publishes frames
// the way SessionPlayout does (each on the tick that plays it), and a manual clock drives the ticks as fast as the
// encoder takes them, so timing on a loaded machine cannot change what is written. The sync test decodes the file
// and compares the mouth (pixels) with the tone (samples).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AvatarManifest, PixelBox } from '@dhuman/avatar';
import { AvatarRenderer } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import type { ClockListener, MediaFrame } from '@dhuman/core';
import { MediaClock } from '@dhuman/core';
import { BLENDSHAPE_NAMES } from '@dhuman/protocol';
import { Path2D } from '@napi-rs/canvas';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FfmpegEncoder } from '../encoder/ffmpeg-encoder.js';
import { AvatarFrameRenderer } from '../render/avatar-frame-renderer.js';
import { SessionStreamPump } from './session-stream-pump.js';

const run = promisify(execFile);

const SIZE = 256;
const FPS = 25;
const RATE = 24_000;
const CHUNK = 480;
/** Clock ms of session pts 0. */
const ORIGIN = 1_000;
const TONE_AMPLITUDE = 8_000;

let manifest: AvatarManifest;
let mouth: PixelBox;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-pump-'));
});
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
  mouth = new AvatarRenderer(manifest, { Path2D }).mouthBox(SIZE, SIZE);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A tick source the test steps by hand. */
class ManualClock {
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
interface Scheduled {
  at: number;
  frame: MediaFrame;
}

/** Publishes scheduled frames once the session time reaches them, like SessionPlayout on its tick. */
class FakeBus {
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
function utterance(id: string, startMs: number, toneMs: number, endMs = startMs + toneMs): Scheduled[] {
  const out: Scheduled[] = [
    { at: startMs, frame: { kind: 'utterance-start', utteranceId: id, pts: startMs } },
  ];
  for (let t = 0; t < toneMs && startMs + t < endMs; t += 20) {
    const pcm = new Int16Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) {
      pcm[i] = Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * 300 * ((t / 1000) * RATE + i)) / RATE));
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

/** Dark pixels in the mouth box of a SIZE² RGBA frame: the open mouth's inside is dark, the rest lips are not. */
function mouthDarkness(rgba: Uint8Array): number {
  let dark = 0;
  for (let y = Math.floor(mouth.y); y < Math.ceil(mouth.y + mouth.height); y++) {
    for (let x = Math.floor(mouth.x); x < Math.ceil(mouth.x + mouth.width); x++) {
      const i = (y * SIZE + x) * 4;
      const luma = 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
      if (luma < 52) dark++;
    }
  }
  return dark;
}

interface Written {
  pump: SessionStreamPump;
  path: string;
  /** Every sample the pump wrote, in order. */
  audio: Int16Array;
  /** mouthDarkness of every frame the pump wrote, in order. */
  darkness: number[];
}

/** Runs the pump over `frames` for `sessionMs` of session time, encoding to an MP4; the file is complete after. */
async function stream(name: string, frames: Scheduled[], sessionMs: number): Promise<Written> {
  const path = join(dir, `${name}.mp4`);
  const renderer = await AvatarFrameRenderer.create({ manifest, width: SIZE, height: SIZE });
  cleanups.push(() => renderer.close());
  const encoder = new FfmpegEncoder();
  encoder.on('error', () => undefined); // reported again by end()
  cleanups.push(() => encoder.close());
  await encoder.start({
    video: { width: SIZE, height: SIZE, fps: FPS },
    audio: { sampleRate: RATE },
    target: { kind: 'file', path, format: 'mp4' },
  });
  const audio: Int16Array[] = [];
  const darkness: number[] = [];
  const recording = {
    writeAudio(pcm: Int16Array) {
      audio.push(pcm.slice());
      return encoder.writeAudio(pcm);
    },
    writeFrame(rgba: Uint8Array) {
      darkness.push(mouthDarkness(rgba));
      return encoder.writeFrame(rgba);
    },
  };
  const clock = new ManualClock();
  const bus = new FakeBus(frames);
  const pump = new SessionStreamPump({
    subscribe: bus.subscribe,
    clock,
    renderer,
    encoder: recording,
    fps: FPS,
    originMs: ORIGIN,
  });
  pump.start();
  for (let t = 20; t <= sessionMs + pump.latencyMs; t += 20) {
    // The pump's tick first, then the bus: the order in which it is most likely to miss a frame.
    clock.tick(ORIGIN + t);
    bus.publishUntil(t);
    await pump.idle();
  }
  await pump.stop();
  await encoder.end();
  const all = new Int16Array(audio.reduce((n, a) => n + a.length, 0));
  audio.reduce((at, a) => (all.set(a, at), at + a.length), 0);
  return { pump, path, audio: all, darkness };
}

async function decode(path: string): Promise<{ frames: Uint8Array[]; audio: Int16Array }> {
  const options = { encoding: 'buffer' as const, maxBuffer: 512 * 1024 * 1024 };
  const video = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    options,
  );
  const sound = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-'],
    options,
  );
  const frameBytes = SIZE * SIZE * 4;
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
function envelope(audio: Int16Array, windowMs: number): number[] {
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
function onset(signal: number[]): number {
  const lo = Math.min(...signal);
  const hi = Math.max(...signal);
  return signal.findIndex((v) => v > (lo + hi) / 2);
}

/** The lag (in samples of `b`, positive = b later) in -maxLag..maxLag that best correlates a with b. */
function bestLag(a: number[], b: number[], maxLag: number): number {
  const norm = (s: number[]): number[] => {
    const mean = s.reduce((x, y) => x + y, 0) / s.length;
    return s.map((v) => v - mean);
  };
  const x = norm(a);
  const y = norm(b);
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = 0; i < x.length; i++) score += (x[i] ?? 0) * (y[i + lag] ?? 0);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SessionStreamPump', () => {
  // 3 s silence, a 1 s tone with jawOpen 0.8, 1 s silence.
  const session = (): Scheduled[] => utterance('u1', 3_000, 1_000);

  it('encodes continuous H.264 + AAC whose duration is the audio written', async () => {
    const { pump, path, audio } = await stream('basic', session(), 5_000);
    const stats = pump.stats;
    expect(stats.skippedMs).toBe(0);
    expect(stats.droppedAudioMs).toBe(0);
    expect(stats.repeatedFrames).toBe(0);
    expect(audio.length).toBe((pump.writtenMs * RATE) / 1000);
    // Every 20 ms span was written; one frame per 40 ms of it.
    expect(pump.writtenMs).toBeGreaterThanOrEqual(5_000);
    expect(stats.videoFrames).toBe(Math.ceil(pump.writtenMs / 40));
    expect(stats.audioChunks - stats.silentChunks).toBe(50);

    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_streams',
      '-show_format',
      '-of',
      'json',
      path,
    ]);
    const probe = JSON.parse(stdout) as {
      streams: { codec_type: string; codec_name: string }[];
      format: { duration: string };
    };
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      'audio:aac',
      'video:h264',
    ]);
    expect(Math.abs(Number(probe.format.duration) - pump.writtenMs / 1000)).toBeLessThanOrEqual(0.1);
  }, 60_000);

  // On the video grid, and 10 ms off it (the mouth can only move on 40 ms frames).
  it.each([3_000, 3_010])(
    'keeps mouth and tone in sync in the decoded stream (tone at %i ms, within one 40 ms frame)',
    async (startMs) => {
      const { path } = await stream(`sync-${startMs}`, utterance('u1', startMs, 1_000), 5_000);
      const decoded = await decode(path);
      const openness = decoded.frames.map(mouthDarkness);
      const loudness = envelope(decoded.audio, 40);
      const mouthOnsetMs = onset(openness) * 40;
      const toneOnsetMs = onset(loudness) * 40;
      // Sample-precise onset of the tone, for the report.
      const firstLoud = decoded.audio.findIndex((s) => Math.abs(s) > TONE_AMPLITUDE / 2);
      const toneOnsetExactMs = (firstLoud * 1000) / RATE;
      const len = Math.min(openness.length, loudness.length);
      const lagMs = bestLag(openness.slice(0, len), loudness.slice(0, len), 10) * 40;
      console.log(
        `A/V sync (tone at session ${startMs} ms): mouth opens on the frame at ${mouthOnsetMs} ms, ` +
          `tone envelope onset ${toneOnsetMs} ms, first loud sample at ${toneOnsetExactMs.toFixed(1)} ms ` +
          `(mouth − tone ${(mouthOnsetMs - toneOnsetExactMs).toFixed(1)} ms); best cross-correlation lag ${lagMs} ms`,
      );
      expect(toneOnsetMs).toBeGreaterThan(2_900);
      expect(Math.abs(mouthOnsetMs - toneOnsetMs)).toBeLessThanOrEqual(40);
      expect(Math.abs(mouthOnsetMs - toneOnsetExactMs)).toBeLessThanOrEqual(40);
      expect(Math.abs(lagMs)).toBeLessThanOrEqual(40);
      // The mouth is closed again in the final silence.
      const mid = (Math.min(...openness) + Math.max(...openness)) / 2;
      expect(openness.slice(-10).every((v) => v < mid)).toBe(true);
    },
    60_000,
  );

  it('an interrupted utterance stops the audio and closes the mouth within one video frame', async () => {
    // The tone would last 1 s; the utterance is interrupted 500 ms in.
    const { path, audio, darkness } = await stream('interrupt', utterance('u1', 1_000, 1_000, 1_500), 2_500);
    await expect(run('ffprobe', ['-v', 'error', path])).resolves.toBeDefined();
    const first = audio.findIndex((s) => s !== 0);
    let last = audio.length - 1;
    while (last >= 0 && audio[last] === 0) last--;
    expect(first).toBeGreaterThan(0);
    // Exactly 500 ms of tone written, then silence only.
    expect(last + 1 - first).toBeGreaterThan(((500 - 1) * RATE) / 1000);
    expect(last + 1 - first).toBeLessThanOrEqual((500 * RATE) / 1000);
    const interruptMs = ((last + 1) * 1000) / RATE;
    const onsetMs = (first * 1000) / RATE;
    const threshold = (Math.min(...darkness) + Math.max(...darkness)) / 2;
    darkness.forEach((value, i) => {
      const pts = i * 40;
      if (pts >= onsetMs && pts < interruptMs) expect(value, `frame ${i} open`).toBeGreaterThan(threshold);
      // "Within one video frame": the first frame whose pts is at or after the interrupt is at rest.
      if (pts >= interruptMs) expect(value, `frame ${i} at rest`).toBeLessThan(threshold);
    });
  }, 60_000);

  it('stop() removes its tick listener and the unsubscribe, leaving no timer; it is idempotent', async () => {
    const renderer = await AvatarFrameRenderer.create({ manifest, width: SIZE, height: SIZE });
    cleanups.push(() => renderer.close());
    const encoder = new FfmpegEncoder();
    encoder.on('error', () => undefined);
    cleanups.push(() => encoder.close());
    await encoder.start({
      video: { width: SIZE, height: SIZE, fps: FPS },
      audio: { sampleRate: RATE },
      target: { kind: 'file', path: join(dir, 'stop.mp4'), format: 'mp4' },
    });
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const clock = new MediaClock();
    const bus = new FakeBus([]);
    const origin = clock.now();
    const pump = new SessionStreamPump({
      subscribe: bus.subscribe,
      clock,
      renderer,
      encoder,
      originMs: origin,
    });
    pump.start();
    expect(clock.activeListeners).toBe(1);
    expect(bus.listeners.size).toBe(1);
    // Real time for a moment: silence and idle frames keep flowing.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stopping = pump.stop();
    expect(pump.stop()).toBe(stopping);
    await stopping;
    const elapsed = clock.now() - origin;
    expect(clock.activeListeners).toBe(0);
    expect(bus.listeners.size).toBe(0);
    expect(timers()).toBe(before);
    // Paced by the clock: what was written (or skipped) tracks the time that passed, minus the latency.
    const { skippedMs, videoFrames } = pump.stats;
    expect(pump.writtenMs + skippedMs).toBeGreaterThan(elapsed - pump.latencyMs - 200);
    expect(pump.writtenMs + skippedMs).toBeLessThanOrEqual(elapsed);
    expect(videoFrames).toBe(Math.ceil(pump.writtenMs / 40));
    const written = pump.stats;
    clock.tickAll();
    expect(pump.stats).toEqual(written);
    await encoder.end();
  }, 30_000);
});
