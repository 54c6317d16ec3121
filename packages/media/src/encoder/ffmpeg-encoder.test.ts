// Real ffmpeg (Debian 5.1): encodes generated frames and a tone to files and to a local RTMP receiver, and checks
// that a dead, killed or refused ffmpeg is reported and leaves no process behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeYuv420, yuv420Bytes } from '@dhuman/avatar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FfmpegEncoderError } from './encoder-error.js';
import type { EncoderTarget } from './ffmpeg-args.js';
import { FfmpegEncoder } from './ffmpeg-encoder.js';
import { exitOf, ffprobe, freePort, waitForListen, type Probe } from './ffmpeg-test-support.js';

const run = promisify(execFile);
const WIDTH = 320;
const HEIGHT = 240;
const FPS = 25;
const SAMPLE_RATE = 24000;
const SAMPLES_PER_FRAME = SAMPLE_RATE / FPS;

/** A white background with a red 40 px square moving left to right. */
function frame(index: number): Uint8Array {
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4).fill(255);
  const x0 = (index * 4) % (WIDTH - 40);
  for (let y = 100; y < 140; y++) {
    for (let x = x0; x < x0 + 40; x++) {
      const i = (y * WIDTH + x) * 4;
      rgba[i + 1] = 0;
      rgba[i + 2] = 0;
    }
  }
  return rgba;
}

/** An RGBA frame as I420, 1.5 bytes a pixel. */
function toYuv(rgba: Uint8Array): Uint8Array {
  const yuv = new Uint8Array(yuv420Bytes(WIDTH, HEIGHT));
  writeYuv420(rgba, { x: 0, y: 0, width: WIDTH, height: HEIGHT }, yuv, WIDTH, HEIGHT);
  return yuv;
}

/** The 440 Hz tone's samples for one frame's worth of time. */
function toneChunk(index: number): Int16Array {
  const pcm = new Int16Array(SAMPLES_PER_FRAME);
  for (let i = 0; i < pcm.length; i++) {
    const t = (index * SAMPLES_PER_FRAME + i) / SAMPLE_RATE;
    pcm[i] = Math.round(8000 * Math.sin(2 * Math.PI * 440 * t));
  }
  return pcm;
}

/** Feeds `frames` frames with their audio, both inputs side by side as FfmpegEncoder asks. */
async function feed(encoder: FfmpegEncoder, frames: number): Promise<void> {
  for (let n = 0; n < frames; n++) {
    await Promise.all([encoder.writeFrame(frame(n)), encoder.writeAudio(toneChunk(n))]);
  }
}

async function start(target: EncoderTarget): Promise<FfmpegEncoder> {
  const encoder = new FfmpegEncoder();
  encoders.push(encoder);
  await encoder.start({
    video: { width: WIDTH, height: HEIGHT, fps: FPS },
    audio: { sampleRate: SAMPLE_RATE },
    target,
  });
  return encoder;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function nextError(encoder: FfmpegEncoder, timeoutMs: number): Promise<FfmpegEncoderError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no error event within ${timeoutMs} ms`)), timeoutMs);
    encoder.once('error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}

let dir: string;
let encoders: FfmpegEncoder[];
let receivers: ChildProcess[];
let sockets: Socket[];

function bound(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-encoder-'));
  encoders = [];
  receivers = [];
  sockets = [];
});

afterEach(async () => {
  await Promise.all(encoders.map((e) => e.close()));
  for (const r of receivers) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  await Promise.all(receivers.map(exitOf));
  for (const socket of sockets) socket.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectAv(probe: Probe, video: string, audio: string, seconds: number, tolerance: number): void {
  const codecs = Object.fromEntries(probe.streams.map((s) => [s.codec_type, s.codec_name]));
  expect(codecs).toEqual({ video, audio });
  expect(Math.abs(Number(probe.format.duration) - seconds)).toBeLessThanOrEqual(tolerance);
}

describe('FfmpegEncoder outputs', () => {
  it('(a) encodes 2 s of frames and tone to MP4 (H.264 + AAC)', async () => {
    const path = join(dir, 'out.mp4');
    const encoder = await start({ kind: 'file', path, format: 'mp4' });
    await feed(encoder, 2 * FPS);
    await encoder.end();
    expectAv(await ffprobe(path), 'h264', 'aac', 2, 0.1);
  });

  it('(b) encodes 2 s of frames and tone to WebM (VP8 + Opus)', async () => {
    const path = join(dir, 'out.webm');
    const encoder = await start({ kind: 'file', path, format: 'webm' });
    await feed(encoder, 2 * FPS);
    await encoder.end();
    expectAv(await ffprobe(path), 'vp8', 'opus', 2, 0.1);
  });

  it('(c) pushes RTMP to a local ffmpeg -listen 1 receiver; the recording has both tracks and 2 s', async () => {
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/s`;
    const path = join(dir, 'received.flv');
    const receiver = spawn(
      'ffmpeg',
      ['-loglevel', 'error', '-nostdin', '-listen', '1', '-i', url, '-c', 'copy', '-y', path],
      {
        stdio: 'ignore',
      },
    );
    receivers.push(receiver);
    await waitForListen(port, 5_000);
    const encoder = await start({ kind: 'rtmp', url });
    await feed(encoder, 2 * FPS);
    await encoder.end();
    expect(await exitOf(receiver)).toBe(0);
    expectAv(await ffprobe(path), 'h264', 'aac', 2, 0.2);
  });
});

describe('FfmpegEncoder live target (one encode, tee)', () => {
  it('feeds RTP (H.264 with in-band SPS/PPS, Opus), HLS and an RTMP push from one process', async () => {
    const rtpVideo = createSocket('udp4');
    const rtpAudio = createSocket('udp4');
    sockets.push(rtpVideo, rtpAudio);
    const nalTypes = new Set<number>();
    let audioPackets = 0;
    rtpVideo.on('message', (packet) => {
      const nal = packet[12]! & 0x1f;
      if (nal === 28)
        nalTypes.add(packet[13]! & 0x1f); // FU-A: the fragmented unit's type
      else if (nal !== 24) nalTypes.add(nal);
      // STAP-A: 16-bit size, then the unit, repeated (SPS, PPS and small frames are aggregated).
      else
        for (let at = 13; at + 2 < packet.length; at += 2 + packet.readUInt16BE(at))
          nalTypes.add(packet[at + 2]! & 0x1f);
    });
    rtpAudio.on('message', () => audioPackets++);
    await Promise.all([bound(rtpVideo), bound(rtpAudio)]);

    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/s`;
    const flv = join(dir, 'received.flv');
    const receiver = spawn(
      'ffmpeg',
      ['-loglevel', 'error', '-nostdin', '-listen', '1', '-i', url, '-c', 'copy', flv],
      {
        stdio: 'ignore',
      },
    );
    receivers.push(receiver);
    await waitForListen(port, 5_000);

    const hlsDir = join(dir, 'hls');
    mkdirSync(hlsDir);
    const encoder = await start({
      kind: 'live',
      rtp: { videoPort: rtpVideo.address().port, audioPort: rtpAudio.address().port },
      hls: { dir: hlsDir },
      rtmp: { url },
    });
    await feed(encoder, 3 * FPS);
    await encoder.end();

    expect(nalTypes.has(7)).toBe(true); // SPS in band: a viewer joining late can decode
    expect(nalTypes.has(5)).toBe(true); // IDR
    expect(audioPackets).toBeGreaterThan(100); // 20 ms Opus packets for 3 s
    expect(await exitOf(receiver)).toBe(0);
    expectAv(await ffprobe(flv), 'h264', 'aac', 3, 0.2);
    const playlist = readFileSync(join(hlsDir, 'index.m3u8'), 'utf8');
    const segments = playlist.split('\n').filter((line) => line.endsWith('.ts'));
    expect(segments.length).toBeGreaterThanOrEqual(2);
    const codecs = (await ffprobe(join(hlsDir, segments[0]!))).streams.map((s) => s.codec_name).sort();
    expect(codecs).toEqual(['aac', 'h264']);
  });
});

describe('FfmpegEncoder failures and cleanup', () => {
  it('(d) ffmpeg killed mid-stream: error event (killed, SIGKILL), writes reject, no process left', async () => {
    const encoder = await start({ kind: 'file', path: join(dir, 'k.mp4'), format: 'mp4' });
    const pid = encoder.pid ?? -1;
    const exits: boolean[] = [];
    encoder.on('exit', (e) => exits.push(e.expected));
    await feed(encoder, 10);
    const error = nextError(encoder, 5_000);
    process.kill(pid, 'SIGKILL');
    const err = await error;
    expect(err).toBeInstanceOf(FfmpegEncoderError);
    expect(err).toMatchObject({ code: 'killed', signal: 'SIGKILL' });
    expect(exits).toEqual([false]);
    expect(alive(pid)).toBe(false);
    await expect(encoder.writeFrame(frame(0))).rejects.toMatchObject({ code: 'not_running' });
    await expect(encoder.end()).rejects.toMatchObject({ code: 'killed' });
  });

  it('(e) close() during encoding leaves no process, emits no error, and is idempotent', async () => {
    const busy = await start({ kind: 'file', path: join(dir, 'c.webm'), format: 'webm' });
    const pid = busy.pid ?? -1;
    const errors: unknown[] = [];
    busy.on('error', (e) => errors.push(e));
    const feeding = feed(busy, 1_000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const first = busy.close();
    expect(busy.close()).toBe(first);
    await first;
    expect(alive(pid)).toBe(false);
    expect(await feeding).toBeInstanceOf(FfmpegEncoderError);
    expect(errors).toEqual([]);
    await busy.close();
  });

  it('(f) RTMP push to a closed port: error event with ffmpeg stderr, not a hang', async () => {
    const port = await freePort();
    const encoder = await start({ kind: 'rtmp', url: `rtmp://127.0.0.1:${port}/live/s` });
    const pid = encoder.pid ?? -1;
    const error = nextError(encoder, 5_000);
    await feed(encoder, 2 * FPS).catch(() => undefined);
    const err = await error;
    expect(err.code).toBe('exited');
    expect(err.exitCode).not.toBe(0);
    expect(err.stderr.join('\n')).toMatch(/Connection refused|Cannot open connection/i);
    expect(alive(pid)).toBe(false);
  });

  it('allows one write in flight per input and refuses a frame of the wrong size', async () => {
    const encoder = await start({ kind: 'file', path: join(dir, 'w.mp4'), format: 'mp4' });
    const first = encoder.writeFrame(frame(0));
    await expect(encoder.writeFrame(frame(1))).rejects.toMatchObject({ code: 'write_pending' });
    await expect(encoder.writeFrame(new Uint8Array(16))).rejects.toThrow(RangeError);
    await Promise.all([first, encoder.writeAudio(toneChunk(0))]);
    await encoder.end();
    await expect(encoder.writeAudio(toneChunk(1))).rejects.toMatchObject({ code: 'not_running' });
  });

  it('yuv420p input: takes I420 frames of width × height × 1.5 bytes and encodes their colours', async () => {
    const path = join(dir, 'yuv.mp4');
    const encoder = new FfmpegEncoder();
    encoders.push(encoder);
    await encoder.start({
      video: { width: WIDTH, height: HEIGHT, fps: FPS, pixelFormat: 'yuv420p' },
      audio: { sampleRate: SAMPLE_RATE },
      target: { kind: 'file', path, format: 'mp4' },
    });
    await expect(encoder.writeFrame(frame(0))).rejects.toThrow(/expected 115200/);
    for (let n = 0; n < 10; n++) {
      await Promise.all([encoder.writeFrame(toYuv(frame(0))), encoder.writeAudio(toneChunk(n))]);
    }
    await encoder.end();
    const { stdout } = await run(
      'ffmpeg',
      ['-v', 'error', '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { encoding: 'buffer', maxBuffer: WIDTH * HEIGHT * 3 + 1024 },
    );
    const at = (x: number, y: number) => [...stdout.subarray((y * WIDTH + x) * 3, (y * WIDTH + x) * 3 + 3)];
    // The red square of frame 0 (x 0..39, y 100..139) stays red, not blue or shifted; the background white.
    for (const [x, y, want] of [
      [20, 120, [255, 0, 0]],
      [200, 20, [255, 255, 255]],
    ] as const) {
      at(x, y).forEach((value, c) => expect(Math.abs(value - (want[c] ?? 0))).toBeLessThan(12));
    }
  });

  it('start() with a missing binary rejects with spawn_failed', async () => {
    const encoder = new FfmpegEncoder();
    await expect(
      encoder.start({
        command: '/nonexistent/ffmpeg',
        video: { width: WIDTH, height: HEIGHT, fps: FPS },
        audio: { sampleRate: SAMPLE_RATE },
        target: { kind: 'rtmp', url: 'rtmp://127.0.0.1/x' },
      }),
    ).rejects.toMatchObject({ code: 'spawn_failed' });
    await encoder.close();
  });
});
