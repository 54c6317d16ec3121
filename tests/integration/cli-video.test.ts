// `dhuman video make` / `video status`, the built CLI against a spawned `dhuman serve`: real videos rendered,
// downloaded to the paths asked for and read back with ffprobe; a local recording served to the server by the
// CLI's one-shot file server; flag and server errors as one `dhuman: ...` line with exit code 1.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APPKEY, tempDataDir, TOKEN } from './harness.js';
import {
  type CliResult,
  failsWithOneLine,
  NO_ENV_CREDENTIAL,
  runCli,
  spawnServe,
  type ServeProcess,
} from './cli-process.js';
import { ffprobe, makeSpeechLikeWav, parseSrt } from './video-support.js';

// Each make renders a short video on a shared 2-core machine.
vi.setConfig({ testTimeout: 60_000 });

/** The server keeps this credential in its data dir, where `--data-dir` finds it. */
const CREDENTIAL = { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: TOKEN };

/** The TaskId the command announced on stderr. */
function taskIdOf(result: CliResult): string {
  const id = /^task (\S+) submitted/m.exec(result.stderr)?.[1];
  expect(id, result.stderr).toBeDefined();
  return id ?? '';
}

describe('dhuman video', () => {
  let dir = '';
  let work = '';
  let server: ServeProcess | undefined;
  const video = (args: string[], cwd?: string) =>
    runCli(['video', ...args, '--data-dir', dir, '--url', server?.url ?? ''], NO_ENV_CREDENTIAL, cwd);

  beforeAll(async () => {
    dir = tempDataDir();
    work = mkdtempSync(join(dir, 'work-'));
    await makeSpeechLikeWav(join(work, 'voice.wav'), 2);
    server = await spawnServe(['--data-dir', dir], CREDENTIAL);
  });
  afterAll(async () => {
    if (server) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes an MP4 from text with its subtitles, prints both paths, and status shows the task', async () => {
    const out = join(work, 'hello.mp4');
    const made = await video(['make', '--text', 'Hello from the command line.', '--out', out]);
    expect(made.code, made.stderr).toBe(0);
    const seconds = /^wrote (.+): (\d+\.\d\d) s of MP4 video$/m.exec(made.stdout);
    expect(seconds?.[1]).toBe(out);
    expect(made.stdout).toContain(`wrote ${join(work, 'hello.srt')}: subtitles\n`);
    // Not a terminal: plain progress lines, the last one the end state.
    const taskId = taskIdOf(made);
    expect(made.stderr).toMatch(new RegExp(`^task ${taskId}: SUCCESS 100 % \\(\\d+:\\d\\d\\)$`, 'm'));

    const probe = await ffprobe(out);
    expect(probe.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(Math.abs(Number(probe.format.duration) - Number(seconds?.[2]))).toBeLessThan(0.1);
    const cues = parseSrt(readFileSync(join(work, 'hello.srt'), 'utf8'));
    expect(cues.map((c) => c.text).join(' ')).toContain('Hello');
    expect(existsSync(`${out}.part`)).toBe(false);

    const status = await video(['status', taskId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Status\s+SUCCESS$/m);
    expect(status.stdout).toMatch(/^Progress\s+100 %$/m);
    expect(status.stdout).toMatch(/^MediaUrl\s+http:\/\/\S+\/dhuman\/media\/\S+\.mp4\?\S+$/m);
    expect(status.stdout).toMatch(/^Failure\s+-$/m);
  });

  it('lip-syncs a local recording served to the server, written as <TaskId>.mp4 in the working folder', async () => {
    const made = await video(['make', '--audio', join(work, 'voice.wav')], work);
    expect(made.code, made.stderr).toBe(0);
    const taskId = taskIdOf(made);
    expect(made.stdout).toMatch(new RegExp(`^wrote ${taskId}\\.mp4: 2\\.\\d\\d s of MP4 video\\n$`));
    const probe = await ffprobe(join(work, `${taskId}.mp4`));
    expect(Number(probe.format.duration)).toBeGreaterThanOrEqual(2);
    // A recording has no words, so no subtitles.
    expect(existsSync(join(work, `${taskId}.srt`))).toBe(false);
  });

  it('fails make on a failed task; status shows the failure and, with --exit-status, exits 1', async () => {
    // Nothing listens on port 9: the server fails the task when it fetches the recording.
    const made = await video(['make', '--audio-url', 'http://127.0.0.1:9/voice.wav']);
    expect(made.code).toBe(1);
    const taskId = taskIdOf(made);
    const [plain, strict] = await Promise.all([
      video(['status', taskId]),
      video(['status', taskId, '--exit-status']),
    ]);
    for (const status of [plain, strict]) {
      expect(status.stdout).toMatch(/^Status\s+FAIL$/m);
      expect(status.stdout).toMatch(/^Failure\s+\d+ \w+: \S/m);
    }
    expect(plain.code, plain.stderr).toBe(0);
    expect(strict.code, strict.stderr).toBe(1);
  });

  it('refuses bad flags before asking the server, with one line saying what is wrong', async () => {
    const [none, speed, format] = await Promise.all([
      video(['make']),
      video(['make', '--text', 'Hi.', '--speed', '3']),
      video(['make', '--text', 'Hi.', '--audio-url', 'http://127.0.0.1:9/a.wav', '--format', 'avi']),
    ]);
    expect(failsWithOneLine(none)).toBe(
      'dhuman: say what the video says: give one of --text, --ssml, --audio, --audio-url',
    );
    expect(failsWithOneLine(speed)).toBe('dhuman: --speed must be a number from 0.5 to 1.5, got "3"');
    expect(failsWithOneLine(format)).toBe(
      'dhuman: give only one of --text, --ssml, --audio, --audio-url (got --text and --audio-url)',
    );
  });

  it('prints the server’s error line for an unknown project and an unknown task', async () => {
    const [project, task] = await Promise.all([
      video(['make', '--text', 'Hi.', '--project', 'no-such-project']),
      video(['status', 'no-such-task']),
    ]);
    expect(failsWithOneLine(project)).toMatch(/^dhuman: error 100009 RESOURCE_NOT_FOUND: .*no-such-project/);
    expect(failsWithOneLine(task)).toMatch(/^dhuman: error 110006 TASK_NOT_FOUND: /);
  });
});
