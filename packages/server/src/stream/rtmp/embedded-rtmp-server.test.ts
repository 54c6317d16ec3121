// Real ffmpeg (Debian 5.1) against the embedded RTMP server: a published test stream reaches a player, bad tokens
// are refused, closeStream and close drop their connections, and nothing (port, socket, console line) is left.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Context from 'node-media-server/src/core/context.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EmbeddedRtmpServer,
  EmbeddedRtmpServerError,
  type EmbeddedRtmpServerOptions,
} from './embedded-rtmp-server.js';

const run = promisify(execFile);

interface Exit {
  code: number | null;
  stderr: string;
}

interface Tracked {
  child: ChildProcess;
  exited: Promise<Exit>;
}

let children: Tracked[] = [];
let servers: EmbeddedRtmpServer[] = [];
let blockers: Server[] = [];
let dir = '';
let calls: [string, string, string, string][] = [];
let warnings: string[] = [];

function ffmpeg(args: string[]): Tracked {
  const child = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  const tracked = { child, exited };
  children.push(tracked);
  return tracked;
}

/** The brief's 3 s test stream: testsrc + sine, H.264 + AAC in FLV. */
function publish(url: string): Tracked {
  return ffmpeg([
    ...['-re', '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=25', '-f', 'lavfi', '-i', 'sine=r=48000', '-t', '3'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-f', 'flv', url],
  ]);
}

function pull(url: string, file: string): Tracked {
  return ffmpeg(['-i', url, '-c', 'copy', '-f', 'flv', file]);
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ]);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Handles leave the resource list only when libuv has closed them, a loop turn after their 'close' event. */
function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

function listeners(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

function options(port = 0): EmbeddedRtmpServerOptions {
  const ignore = () => {};
  return {
    host: '127.0.0.1',
    port,
    authorize: (kind, app, stream, query) => {
      calls.push([kind, app, stream, query.get('token') ?? '']);
      return app === 'live' && query.get('token') === 'good';
    },
    log: { info: ignore, debug: ignore, error: ignore, warn: (_o, m) => warnings.push(m ?? '') },
  };
}

async function start(port = 0): Promise<EmbeddedRtmpServer> {
  const server = await EmbeddedRtmpServer.start(options(port));
  servers.push(server);
  return server;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-rtmp-'));
  calls = [];
  warnings = [];
});

afterEach(async () => {
  for (const { child } of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(({ exited }) => exited));
  children = [];
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  await Promise.all(blockers.map((blocker) => new Promise((resolve) => blocker.close(resolve))));
  blockers = [];
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('EmbeddedRtmpServer', () => {
  it('relays a published stream to a player; closeStream ends the player', { timeout: 15_000 }, async () => {
    const printed = vi.spyOn(console, 'log');
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    const url = `rtmp://127.0.0.1:${server.port}/live/abc?token=good`;
    const file = join(dir, 'pulled.flv');

    const player = pull(url, file);
    const publisher = publish(url);
    expect(await within(publisher.exited, 10_000, 'the publisher')).toMatchObject({ code: 0 });
    server.closeStream('live', 'abc');
    const pulled = await within(player.exited, 5_000, 'the player to stop');
    expect(pulled.code, pulled.stderr).not.toBeNull();
    // The publisher left on its own first; closeStream still ends its stream (no cached frames kept for 30 s).
    await until(() => !Context.broadcasts.has('/live/abc'), 'the stream to be unregistered');

    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_streams',
      '-show_format',
      '-of',
      'json',
      file,
    ]);
    const probe = JSON.parse(stdout) as { streams: { codec_name: string }[]; format: { duration: string } };
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(2.5);
    expect(calls).toContainEqual(['publish', 'live', 'abc', 'good']);
    expect(calls).toContainEqual(['play', 'live', 'abc', 'good']);
    // The package's own log lines (session start/close) went to our log, not to the console.
    expect(printed).not.toHaveBeenCalled();
  });

  it('refuses a publish or a play with a bad token', { timeout: 15_000 }, async () => {
    const server = await start();
    const base = `rtmp://127.0.0.1:${server.port}/live/abc`;
    const [published, played] = await within(
      Promise.all([
        publish(`${base}?token=bad`).exited,
        pull(`${base}?token=bad`, join(dir, 'x.flv')).exited,
      ]),
      10_000,
      'the refused clients',
    );
    expect(published.code).not.toBe(0);
    expect(published.stderr).toContain('unauthorized');
    expect(played.code).not.toBe(0);
    expect(played.stderr).toContain('unauthorized');
    expect(warnings.sort()).toEqual(['rtmp play refused', 'rtmp publish refused']);
  });

  it('refuses a second publisher of a live stream', { timeout: 15_000 }, async () => {
    const server = await start();
    const url = `rtmp://127.0.0.1:${server.port}/live/abc?token=good`;
    const first = publish(url);
    await until(() => Context.broadcasts.has('/live/abc'), 'the first publisher');
    const second = await within(publish(url).exited, 5_000, 'the second publisher to fail');
    expect(second.code).not.toBe(0);
    expect(warnings).toEqual(['rtmp publish refused: stream already has a publisher']);
    expect(first.child.exitCode).toBeNull();
  });

  it('close() drops its players, frees the port and leaves no sockets', { timeout: 15_000 }, async () => {
    await settled();
    const before = tcpHandles();
    const server = await start();
    // RTMP only: the package opens no HTTP/WebSocket-FLV/admin listener of its own.
    expect(listeners()).toBe(1);
    // A player waiting for a publisher that never comes: only close() ends it.
    const player = pull(`rtmp://127.0.0.1:${server.port}/live/abc?token=good`, join(dir, 'x.flv'));
    await until(() => calls.length === 1, 'the player to connect');

    const closing = server.close();
    expect(server.close()).toBe(closing);
    await within(closing, 5_000, 'close()');
    await within(player.exited, 5_000, 'the player to stop');
    await settled();
    expect(tcpHandles()).toBe(before);
    expect(Context.broadcasts.size).toBe(0);

    const again = await start(server.port);
    expect(again.port).toBe(server.port);
  });

  it('refuses a second server in the process and reports a busy port', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;

    const failure = await EmbeddedRtmpServer.start(options(busy)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmbeddedRtmpServerError);
    expect(failure).toMatchObject({
      code: 'RTMP_LISTEN_FAILED',
      message: expect.stringContaining('EADDRINUSE'),
    });

    await start();
    await expect(EmbeddedRtmpServer.start(options())).rejects.toMatchObject({ code: 'RTMP_ALREADY_RUNNING' });
  });
});
