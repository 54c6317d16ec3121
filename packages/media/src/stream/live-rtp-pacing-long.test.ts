// Real ffmpeg fed at real time as a session stream feeds it: RGBA frames at 25 fps and 20 ms PCM chunks into the
// live `tee` (RTP + HLS). The RTP video frames must leave as evenly as they came in. Before the tee stopped
// waiting to interleave, they left in bursts (gap p90 76 ms, max 88 ms, every 320 ms), which a browser's jitter
// buffer answers by holding frames back, and a CI run then read 23.7 decoded frames per second. The Opus packets
// follow one per 20 ms too: when the PCM went in as raw s16le, ffmpeg read it in 85 ms packets and the audio
// left in bursts of four (gap p50 4–8 ms), which a browser answered with an audio jitter buffer of 120–430 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FfmpegEncoder } from '../encoder/ffmpeg-encoder.js';

const SIZE = 512;
const FPS = 25;
const SAMPLE_RATE = 24_000;
const CHUNK_SAMPLES = SAMPLE_RATE / 50; // 20 ms, as the pump writes
const SECONDS = 6;

let encoder: FfmpegEncoder | undefined;
const sockets: Socket[] = [];
let dir: string | undefined;

afterEach(async () => {
  await encoder?.close();
  for (const socket of sockets.splice(0)) socket.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Gaps between arrivals after the first second (x264 and the muxers start up), sorted. */
function steadyGaps(arrivals: number[], start: number): number[] {
  const steady = arrivals.filter((t) => t - start > 1_000);
  return steady
    .slice(1)
    .map((t, i) => t - steady[i]!)
    .sort((a, b) => a - b);
}

describe('live encoder pacing (one tee for RTP and HLS)', () => {
  it('sends RTP video frames and audio packets as evenly as they are fed: no bursts', async () => {
    const video = await bound();
    const audio = await bound();
    const frameEnds: number[] = [];
    // The marker bit ends a frame's packets.
    video.on('message', (packet) => (packet[1]! & 0x80 ? frameEnds.push(performance.now()) : undefined));
    const audioPackets: number[] = [];
    audio.on('message', () => audioPackets.push(performance.now()));
    dir = mkdtempSync(join(tmpdir(), 'dhuman-pacing-'));
    encoder = new FfmpegEncoder();
    await encoder.start({
      video: { width: SIZE, height: SIZE, fps: FPS },
      audio: { sampleRate: SAMPLE_RATE },
      target: {
        kind: 'live',
        rtp: { videoPort: video.address().port, audioPort: audio.address().port },
        hls: { dir },
      },
    });

    const frame = new Uint8Array(SIZE * SIZE * 4);
    const chunk = new Int16Array(CHUNK_SAMPLES);
    const start = performance.now();
    let frames = 0;
    let chunks = 0;
    while (frames < SECONDS * FPS) {
      const now = performance.now() - start;
      const writes: Promise<void>[] = [];
      if (chunks * 20 <= now) {
        for (let i = 0; i < chunk.length; i++)
          chunk[i] = Math.round(4000 * Math.sin((chunks * chunk.length + i) / 9));
        writes.push(encoder.writeAudio(chunk));
        chunks++;
      }
      if (frames * (1000 / FPS) <= now) {
        frame.fill(frames % 200, 0, 8192 * (1 + (frames % 40))); // a changing picture, so x264 has work
        writes.push(encoder.writeFrame(frame));
        frames++;
      }
      await Promise.all(writes);
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await encoder.end();

    const gaps = steadyGaps(frameEnds, start);
    const audioGaps = steadyGaps(audioPackets, start);
    console.log(
      `RTP video: ${frameEnds.length} frames; steady gaps p50 ${quantile(gaps, 0.5).toFixed(1)} ms, ` +
        `p95 ${quantile(gaps, 0.95).toFixed(1)} ms, max ${gaps.at(-1)!.toFixed(1)} ms\n` +
        `RTP audio: ${audioPackets.length} packets; steady gaps p05 ${quantile(audioGaps, 0.05).toFixed(1)} ms, ` +
        `p50 ${quantile(audioGaps, 0.5).toFixed(1)} ms, p95 ${quantile(audioGaps, 0.95).toFixed(1)} ms`,
    );
    expect(frameEnds.length).toBeGreaterThanOrEqual(SECONDS * FPS - 2);
    expect(quantile(gaps, 0.95)).toBeLessThan(65);
    expect(audioPackets.length).toBeGreaterThanOrEqual(SECONDS * 50 - 10);
    // Each Opus packet leaves with the next packet of the tee's (the next Opus packet or a video frame): gaps of
    // 2–44 ms around a median of 20, not the bursts of four that left every 85 ms before (median gap 4–8 ms).
    expect(quantile(audioGaps, 0.5)).toBeGreaterThan(14);
    expect(quantile(audioGaps, 0.95)).toBeLessThan(60);
  }, 30_000);
});
