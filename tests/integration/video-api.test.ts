// The videomaker API end to end on a real server: tasks rendered by the real engines (espeak-ng, the avatar
// renderer, ffmpeg), results downloaded through their signed links and checked with ffprobe, callbacks and
// remote inputs served by local HTTP servers.
import { createServer, type Server } from 'node:http';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VIDEO_PATHS } from '@dhuman/protocol';
import { call, startTestServer, tempDataDir, type TestServer } from './harness.js';
import {
  download,
  ffprobe,
  finished,
  makeClip,
  makeSpeechLikeWav,
  makeStill,
  parseSrt,
  progressOf,
  rgbaFrame,
  submit,
} from './video-support.js';

// Each test renders a short video; on a loaded 2-core machine that takes a few seconds.
vi.setConfig({ testTimeout: 60_000 });

const V = VIDEO_PATHS;
let server: TestServer;
let files: Server;
let filesUrl = '';
const callbacks: { path: string; body: unknown }[] = [];
const work = tempDataDir();

beforeAll(async () => {
  await makeSpeechLikeWav(join(work, 'voice.wav'), 3);
  await makeStill(join(work, 'bg.png'), 'red', 640, 360);
  await makeStill(join(work, 'logo.png'), 'blue', 64, 64);
  await makeClip(join(work, 'intro.mp4'), 1);
  // Serves the inputs (audio), receives callbacks, and misbehaves on purpose on some paths.
  files = createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        callbacks.push({ path: req.url ?? '', body: JSON.parse(body) as unknown });
        res.end('ok');
      });
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/voice.wav' || path === '/bg.png' || path === '/logo.png' || path === '/intro.mp4') {
      void readFile(join(work, path.slice(1))).then((data) => res.writeHead(200).end(data));
    } else if (path === '/playlist.mp4') {
      // An HLS playlist posing as a clip: it would make ffmpeg read a local file into the video.
      res
        .writeHead(200)
        .end(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n${join(work, 'intro.mp4')}\n#EXT-X-ENDLIST\n`);
    } else if (path === '/huge.wav') {
      // Claims more than the 100 MB limit; the download must stop at the header.
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(101 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    } else {
      res.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  server = await startTestServer();
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  files?.closeAllConnections();
  await new Promise((r) => files?.close(r));
  await rm(work, { recursive: true, force: true });
});

describe('videomake', () => {
  it('makes an MP4 (H.264 + AAC) whose length is the reported Duration, with subtitles matching the word times', async () => {
    const text = 'Hello there. This video was made on a CPU.';
    const taskId = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: text,
      VideoParam: { Format: 'Mp4' },
    });
    const { result, seen, statuses } = await finished(server.url, taskId);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    expect(result.Progress).toBe(100);
    expect(statuses).toContain('MAKING');
    // Progress only moves forward.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const path = join(work, 'hello.mp4');
    const res = await download(result.MediaUrl, path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const probe = await ffprobe(path);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('h264');
    expect(audio?.codec_name).toBe('aac');
    const durationMs = Number(probe.format.duration) * 1000;
    expect(Math.abs(durationMs - result.Duration)).toBeLessThan(100);
    // The speech fills the video: the last word ends within the tail of the end.
    const words = result.TextTimestampResult.flatMap((s) => s.Words);
    const lastEndMs = (words.at(-1)?.EndTimestamp ?? 0) / 10_000;
    expect(result.Duration - lastEndMs).toBeGreaterThanOrEqual(0);
    expect(result.Duration - lastEndMs).toBeLessThan(1000);

    expect(result.TextTimestampResult.map((s) => s.Sentence)).toEqual([
      'Hello there.',
      'This video was made on a CPU.',
    ]);
    const srt = await fetch(result.SubtitlesUrl);
    expect(srt.status).toBe(200);
    const cues = parseSrt(await srt.text());
    expect(cues.length).toBeGreaterThan(0);
    const startsMs = new Set(words.map((w) => Math.round(w.StartTimestamp / 10_000)));
    const endsMs = new Set(words.map((w) => Math.round(w.EndTimestamp / 10_000)));
    for (const cue of cues) {
      expect(startsMs.has(cue.startMs)).toBe(true);
      expect(endsMs.has(cue.endMs)).toBe(true);
    }
    expect(cues[0]?.startMs).toBe(Math.round((words[0]?.StartTimestamp ?? 0) / 10_000));
    expect(cues.at(-1)?.endMs).toBe(Math.round(lastEndMs));
  });

  it('makes a TransparentWebm (the basic API default) whose pixels are transparent away from the avatar', async () => {
    const taskId = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'Transparent.',
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    expect(result.MediaUrl).toMatch(/\.webm\?/);
    const path = join(work, 'alpha.webm');
    await download(result.MediaUrl, path);
    const probe = await ffprobe(path);
    expect(probe.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('vp9');
    const frame = await rgbaFrame(path, 0.2, true);
    const width = 512;
    const alphaAt = (x: number, y: number) => frame[(y * width + x) * 4 + 3] ?? -1;
    expect(alphaAt(2, 2)).toBeLessThan(255);
    expect(alphaAt(256, 256)).toBe(255);
  });

  it('POSTs the callback once with the spec body when the task ends', async () => {
    const taskId = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'Call me back.',
      VideoParam: { Format: 'Mp4' },
      CallbackUrl: `${filesUrl}/callback?secret=abc`,
    });
    const { result } = await finished(server.url, taskId);
    await vi.waitFor(
      () => expect(callbacks.some((c) => JSON.stringify(c.body).includes(taskId))).toBe(true),
      {
        timeout: 5000,
      },
    );
    const received = callbacks.filter((c) => JSON.stringify(c.body).includes(taskId));
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/callback?secret=abc');
    expect(received[0]?.body).toEqual({
      Payload: {
        Progress: 100,
        MediaUrl: result.MediaUrl,
        SubtitlesUrl: result.SubtitlesUrl,
        Status: 'SUCCESS',
        FailMessage: '',
        TaskId: taskId,
      },
    });
  });

  it('lip-syncs an OriginalVoice task to audio fetched from InputAudioUrl', async () => {
    const taskId = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      DriverType: 'OriginalVoice',
      InputAudioUrl: `${filesUrl}/voice.wav`,
      VideoParam: { Format: 'Mp4' },
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    // The 3 s recording plus the short idle tail.
    expect(result.Duration).toBeGreaterThanOrEqual(3000);
    expect(result.Duration).toBeLessThan(3200);
    expect(result.TextTimestampResult).toEqual([]);
    expect(result.SubtitlesUrl).toBe('');
    const path = join(work, 'voice.mp4');
    await download(result.MediaUrl, path);
    const probe = await ffprobe(path);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.Duration)).toBeLessThan(100);
  });

  it('fails a task whose audio URL is unreachable or too large, with a code and the reason', async () => {
    const missing = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      DriverType: 'OriginalVoice',
      InputAudioUrl: `${filesUrl}/missing.wav`,
    });
    const huge = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      DriverType: 'OriginalVoice',
      InputAudioUrl: `${filesUrl}/huge.wav?sig=secret`,
    });
    const unreachable = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      DriverType: 'OriginalVoice',
      InputAudioUrl: 'http://127.0.0.1:9/none.wav',
    });
    for (const taskId of [missing, huge, unreachable]) {
      const { result } = await finished(server.url, taskId);
      expect(result.Status).toBe('FAIL');
      expect(result.Progress).toBe(-1);
      expect(result.FailCode).toBe(100002);
      expect(result.FailMessage).toContain('InputAudioUrl');
      expect(result.FailMessage).not.toContain('secret');
      expect(result.MediaUrl).toBe('');
    }
    expect((await progressOf(server.url, missing)).Payload.FailMessage).toMatch(/404/);
    expect((await progressOf(server.url, huge)).Payload.FailMessage).toMatch(/large|limit|bytes/i);
  });

  it('makes an MP3 with word times from the tts API', async () => {
    const taskId = await submit(server.url, V.tts, { InputSsml: '<speak>Only audio.</speak>' });
    const { result } = await finished(server.url, taskId);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    const path = join(work, 'only.mp3');
    await download(result.MediaUrl, path);
    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => s.codec_name)).toEqual(['mp3']);
    expect(result.TextTimestampResult[0]?.Words.map((w) => w.Word)).toEqual(['Only', 'audio']);
  });
});

describe('videomakeadvanced', () => {
  it('composes an intro, a background image, a logo, a moved avatar and burned-in subtitles', async () => {
    const taskId = await submit(server.url, V.videomakeadvanced, {
      VirtualmanKey: 'demo',
      InputSsml: 'Composed video. With a logo.',
      VideoParam: {
        BackgroundFileUrl: `${filesUrl}/bg.png`,
        LogoParams: [{ LogoFileUrl: `${filesUrl}/logo.png`, PositionX: 10, PositionY: 10, Scale: 1 }],
        AnchorParam: { HorizontalPosition: 128, Scale: 0.5 },
        ShowSubtitles: true,
        VideoHeadFileUrl: `${filesUrl}/intro.mp4`,
      },
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    const path = join(work, 'composed.mp4');
    await download(result.MediaUrl, path);
    const probe = await ffprobe(path);
    // The advanced API's default format is Mp4; the 1 s intro comes first and moves every time by 1 s.
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.Duration)).toBeLessThan(100);
    const firstWordMs = (result.TextTimestampResult[0]?.Words[0]?.StartTimestamp ?? 0) / 10_000;
    expect(firstWordMs).toBeGreaterThanOrEqual(1000);
    const cues = parseSrt(await (await fetch(result.SubtitlesUrl)).text());
    expect(cues[0]?.startMs).toBe(Math.round(firstWordMs));

    const frame = await rgbaFrame(path, firstWordMs / 1000 + 0.3);
    const rgb = (x: number, y: number) => [...frame.subarray((y * 512 + x) * 4, (y * 512 + x) * 4 + 3)];
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) < 40);
    expect(near(rgb(500, 100), [255, 0, 0])).toBe(true); // background image, right of the small avatar
    expect(near(rgb(30, 30), [0, 0, 255])).toBe(true); // the logo at (10, 10), 64 px
    expect(near(rgb(60, 256), [255, 0, 0])).toBe(true); // left half: the avatar moved right and shrank
  });

  it('fails a task whose intro is a playlist rather than a video file', async () => {
    const taskId = await submit(server.url, V.videomakeadvanced, {
      VirtualmanKey: 'demo',
      InputSsml: 'No playlists.',
      VideoParam: { VideoHeadFileUrl: `${filesUrl}/playlist.mp4` },
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status).toBe('FAIL');
    expect(result.FailCode).toBe(100002);
    expect(result.FailMessage).toMatch(/VideoHeadFileUrl: the video clip cannot be read: its format \(hls\)/);
  });

  it('fails a task whose SSML has nothing to say, with no video left behind', async () => {
    // The TTS streams into the render (see VideoJobRunner.makeVideo): ffmpeg is already running when it ends empty.
    const taskId = await submit(server.url, V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: '<speak><p></p></speak>',
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status).toBe('FAIL');
    expect(result.FailCode).toBe(100002);
    expect(result.FailMessage).toContain('nothing to say');
    expect(result.MediaUrl ?? '').toBe('');
  });

  it('fails with the image-download code when a background image cannot be fetched', async () => {
    const taskId = await submit(server.url, V.videomakeadvanced, {
      VirtualmanKey: 'demo',
      InputSsml: 'No background.',
      VideoParam: { BackgroundFileUrl: `${filesUrl}/missing.png` },
    });
    const { result } = await finished(server.url, taskId);
    expect(result.Status).toBe('FAIL');
    expect(result.FailCode).toBe(-101002);
    expect(result.FailMessage).toContain('BackgroundFileUrl');
  });
});

describe('refusals', () => {
  const refusal = async (path: string, payload: Record<string, unknown>) =>
    (await call(server.url, path, payload)).Header;

  it('refuses bad input with the documented codes before queueing anything', async () => {
    expect((await refusal(V.videomake, { VirtualmanKey: 'demo', InputSsml: 'x'.repeat(20_001) })).Code).toBe(
      100001,
    );
    const malformed = await refusal(V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: '<speak>a <break time="x"/></speak>',
    });
    expect(malformed.Code).toBe(100001);
    expect(malformed.Message).toMatch(/InputSsml.*break time/);
    const movLimit = await refusal(V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'y'.repeat(2001),
      VideoParam: { Format: 'TransparentMov' },
    });
    expect(movLimit.Message).toMatch(/2000/);
    const format = await refusal(V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'a',
      VideoParam: { Format: 'Gif' },
    });
    expect(format.Code).toBe(100001);
    expect(format.Message).toContain('Payload.VideoParam.Format');
    const unknown = await refusal(V.videomake, { VirtualmanKey: 'nobody', InputSsml: 'a' });
    expect(unknown.Code).toBe(100009);
    expect(unknown.Message).toContain('nobody');
    const voice = await refusal(V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'a',
      SpeechParam: { TimbreKey: 'xx' },
    });
    expect(voice.Code).toBe(100002);
    expect((await refusal(V.videomake, { VirtualmanKey: 'demo' })).Message).toMatch(/InputSsml.*required/);
    expect(
      (await refusal(V.videomake, { VirtualmanKey: 'demo', DriverType: 'OriginalVoice' })).Message,
    ).toMatch(/InputAudioUrl.*required/);
    const background = await refusal(V.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: 'a',
      VideoParam: { Format: 'TransparentWebm', BackgroundFileUrl: `${filesUrl}/bg.png` },
    });
    expect(background.Code).toBe(100002);
    expect((await refusal(V.getaction, { VirtualmanKey: 'nobody' })).Code).toBe(100009);
    expect((await call(server.url, V.getaction, { VirtualmanKey: 'demo' })).Payload.Actions).toEqual([]);
  });

  it("hides one appkey's tasks from another", async () => {
    const other = { appkey: 'otherappkey00000000000000000002', token: 'otheraccesstoken0000000000000002' };
    server.store.putCredential({
      appkey: other.appkey,
      accesstoken: other.token,
      name: 'other',
      maxSessions: null,
      createdAt: Date.now(),
      revokedAt: null,
    });
    const taskId = await submit(server.url, V.tts, { InputSsml: 'Mine.' });
    const theirs = await progressOf(server.url, taskId, other);
    expect(theirs.Header.Code).toBe(110006);
    expect(theirs.Payload.MediaUrl).toBeUndefined();
    expect((await progressOf(server.url, 'nosuchtask')).Header.Code).toBe(110006);
    await finished(server.url, taskId);
  });

  it('refuses a download link that was altered or has no token', async () => {
    const taskId = await submit(server.url, V.tts, { InputSsml: 'Linked.' });
    const { result } = await finished(server.url, taskId);
    expect((await fetch(result.MediaUrl)).status).toBe(200);
    const url = new URL(result.MediaUrl);
    const noToken = `${url.origin}${url.pathname}`;
    expect((await fetch(noToken)).status).toBe(403);
    const later = new URL(result.MediaUrl);
    later.searchParams.set('expires', String(Number(later.searchParams.get('expires')) + 1));
    expect((await fetch(later)).status).toBe(403);
    const other = result.MediaUrl.replace('.mp3?', '.srt?');
    expect((await fetch(other)).status).toBe(403);
  });
});

describe('quota', () => {
  it('answers 100008 past the per-appkey limit of unfinished tasks', async () => {
    const limited = await startTestServer({ DHUMAN_VIDEO_MAX_TASKS: '1' });
    try {
      const first = await call(limited.url, V.videomake, {
        VirtualmanKey: 'demo',
        InputSsml: 'First task here.',
      });
      expect(first.Header.Code).toBe(0);
      const second = await call(limited.url, V.videomake, { VirtualmanKey: 'demo', InputSsml: 'Second.' });
      expect(second.Header.Code).toBe(100008);
      await finished(limited.url, first.Payload.TaskId as string);
      const third = await call(limited.url, V.videomake, { VirtualmanKey: 'demo', InputSsml: 'Third.' });
      expect(third.Header.Code).toBe(0);
      await finished(limited.url, third.Payload.TaskId as string);
    } finally {
      await limited.dispose();
    }
  });
});
