// A video task survives the server being killed while it renders: the next process queues it again and it
// completes, with a whole, playable file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VIDEO_PATHS } from '@dhuman/protocol';
import { APPKEY, tempDataDir, TOKEN, waitFor } from './harness.js';
import { spawnServe, type ServeProcess } from './cli-process.js';
import { download, ffprobe, finished, progressOf, submit } from './video-support.js';

vi.setConfig({ testTimeout: 90_000 });

const CREDENTIAL = { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: TOKEN, DHUMAN_RTMP_PORT: 'off' };
const SCRIPT =
  'This task is long enough to be interrupted. The server is killed while it draws the frames. ' +
  'When the next server starts, it finds the task unfinished and makes it again from the beginning.';

describe('video tasks across a crash', () => {
  const dirs: string[] = [];
  const processes: ServeProcess[] = [];
  afterEach(() => {
    for (const p of processes.splice(0)) p.child.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('re-queues a task killed mid-render and completes it after the restart', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await spawnServe(['--data-dir', dataDir], CREDENTIAL);
    processes.push(first);
    const taskId = await submit(first.url, VIDEO_PATHS.videomake, {
      VirtualmanKey: 'demo',
      InputSsml: SCRIPT,
      VideoParam: { Format: 'Mp4' },
    });
    // Killed once frames are being encoded: a partial file exists and must not be served.
    await waitFor(async () => {
      const p = (await progressOf(first.url, taskId)).Payload;
      return p.Status === 'MAKING' && (p.Progress as number) >= 10 ? true : undefined;
    }, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServe(['--data-dir', dataDir], CREDENTIAL);
    processes.push(second);
    const { result, statuses } = await finished(second.url, taskId, 80_000);
    expect(result.Status, result.FailMessage).toBe('SUCCESS');
    expect(statuses[0]).not.toBe('SUCCESS');
    const path = join(dataDir, 'check.mp4');
    expect((await download(result.MediaUrl, path)).status).toBe(200);
    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.Duration)).toBeLessThan(100);
  });
});
