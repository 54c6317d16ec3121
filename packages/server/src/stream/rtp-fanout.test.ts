import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RtpFanout } from './rtp-fanout.js';

const opened: Array<{ close(): void }> = [];

afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

async function fanout(): Promise<RtpFanout> {
  const f = await RtpFanout.open();
  opened.push(f);
  return f;
}

function sender(): Socket {
  const socket = createSocket('udp4');
  opened.push(socket);
  return socket;
}

function send(socket: Socket, port: number, payload: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(payload, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
}

/** Collects what a listener receives, and waits for a given number of packets. */
function collector() {
  const packets: string[] = [];
  const waiters: Array<() => void> = [];
  return {
    packets,
    listener: (packet: Buffer) => {
      packets.push(packet.toString());
      for (const wake of waiters.splice(0)) wake();
    },
    async until(count: number, timeoutMs = 2000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (packets.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${packets.length} packets, wanted ${count}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

/** Loopback datagrams are not lost, but they arrive asynchronously: give stray ones a moment to show up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The local addresses bound to a UDP port, from /proc/net/udp (hex `ADDR:PORT`, address little-endian). */
function boundAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[1] ?? '')
    .filter((local) => local.endsWith(`:${hexPort}`))
    .map((local) => {
      const hex = local.split(':')[0] ?? '';
      return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
    });
}

describe('RtpFanout', () => {
  it('hands video and audio packets to every subscriber, each on its own port', async () => {
    const f = await fanout();
    expect(f.videoPort).toBeGreaterThan(0);
    expect(f.audioPort).toBeGreaterThan(0);
    expect(f.videoPort).not.toBe(f.audioPort);
    const a = { video: collector(), audio: collector() };
    const b = { video: collector(), audio: collector() };
    f.subscribe(a.video.listener, a.audio.listener);
    f.subscribe(b.video.listener, b.audio.listener);
    const out = sender();
    await send(out, f.videoPort, 'v1');
    await send(out, f.audioPort, 'a1');
    await send(out, f.videoPort, 'v2');
    for (const viewer of [a, b]) {
      await viewer.video.until(2);
      await viewer.audio.until(1);
      expect(viewer.video.packets).toEqual(['v1', 'v2']);
      expect(viewer.audio.packets).toEqual(['a1']);
    }
  });

  it('stops sending to a viewer that unsubscribed, and only to that one', async () => {
    const f = await fanout();
    const leaving = { video: collector(), audio: collector() };
    const staying = { video: collector(), audio: collector() };
    const unsubscribe = f.subscribe(leaving.video.listener, leaving.audio.listener);
    f.subscribe(staying.video.listener, staying.audio.listener);
    const out = sender();
    await send(out, f.videoPort, 'before');
    await leaving.video.until(1);
    unsubscribe();
    await send(out, f.videoPort, 'after');
    await send(out, f.audioPort, 'after');
    await staying.video.until(2);
    await staying.audio.until(1);
    await settle();
    expect(leaving.video.packets).toEqual(['before']);
    expect(leaving.audio.packets).toEqual([]);
    unsubscribe(); // twice: harmless
  });

  it('listens on 127.0.0.1 only, so nothing off the machine can inject packets', async () => {
    const f = await fanout();
    expect(boundAddresses(f.videoPort)).toEqual(['127.0.0.1']);
    expect(boundAddresses(f.audioPort)).toEqual(['127.0.0.1']);
  });

  it('frees both ports on close, drops its viewers, and ignores packets sent afterwards', async () => {
    const f = await fanout();
    const { videoPort, audioPort } = f;
    const viewer = { video: collector(), audio: collector() };
    f.subscribe(viewer.video.listener, viewer.audio.listener);
    f.close();
    f.close(); // idempotent
    const out = sender();
    await send(out, videoPort, 'late');
    await send(out, audioPort, 'late');
    await settle();
    expect(viewer.video.packets).toEqual([]);
    expect(viewer.audio.packets).toEqual([]);
    expect(boundAddresses(videoPort)).toEqual([]);
    // The ports can be bound again: the sockets are really closed.
    for (const port of [videoPort, audioPort]) {
      const again = sender();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.bind(port, '127.0.0.1', () => resolve());
      });
    }
  });

  it('opens independent fan-outs on distinct ports', async () => {
    const one = await fanout();
    const two = await fanout();
    const ports = new Set([one.videoPort, one.audioPort, two.videoPort, two.audioPort]);
    expect(ports.size).toBe(4);
    const viewer = { video: collector(), audio: collector() };
    two.subscribe(viewer.video.listener, viewer.audio.listener);
    await send(sender(), one.videoPort, 'for-one');
    await settle();
    expect(viewer.video.packets).toEqual([]);
  });
});
