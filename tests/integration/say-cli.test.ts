import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import { parseWav } from '@dhuman/speech';
import { startedSession } from './channel-client.js';
import { APPKEY, call, tempDataDir, TOKEN } from './harness.js';
import { failsWithOneLine, NO_ENV_CREDENTIAL, runCli, spawnServe, type ServeProcess } from './cli-process.js';

/** The server keeps this credential in its data dir, where `say --data-dir` finds it; tests sign with it too. */
const CREDENTIAL = { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: TOKEN };
describe('dhuman say', () => {
  let dir = '';
  let server: ServeProcess | undefined;
  const say = (...args: string[]) =>
    runCli(['say', ...args, '--data-dir', dir, '--url', server?.url ?? ''], NO_ENV_CREDENTIAL);

  beforeAll(async () => {
    dir = tempDataDir();
    server = await spawnServe(['--data-dir', dir], CREDENTIAL);
  });
  afterAll(async () => {
    if (server) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a session, speaks with a line per status, writes the played audio as WAV and closes the session', async () => {
    const out = join(dir, 'out.wav');
    const result = await say('Hello from the command line.', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^WaitingTextStart\s+\+\d+ ms/),
        expect.stringMatching(/^TextStart\s+\+\d+ ms first sample$/),
        expect.stringMatching(/^TextOver\s+\+\d+ ms/),
        expect.stringMatching(/^wrote .*out\.wav: \d+\.\d\d s of 24000 Hz mono audio$/),
      ]),
    );
    const start = lines.findIndex((line) => line.startsWith('TextStart'));
    expect(lines.findIndex((line) => line.startsWith('TextOver'))).toBeGreaterThan(start);
    expect(lines.at(-1)).toMatch(/^first-sample latency \d+(\.\d+)? ms \(server Timings/);

    const wav = parseWav(readFileSync(out));
    expect(wav.sampleRate).toBe(24000);
    expect(wav.channels).toBe(1);
    const seconds = wav.pcm.length / wav.sampleRate;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(5);
    const peak = wav.pcm.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(1000);

    // The session it created is gone again.
    const list = await call(server?.url ?? '', SESSION_PATHS.listsessionofuin, {});
    expect(list.Payload.Sessions).toEqual([]);
  }, 30_000); // the first session of a server waits for the TTS engine to load

  it('streams into an existing session and leaves it open', async () => {
    const url = server?.url ?? '';
    const sessionId = await startedSession(url);
    const result = await say('Streamed word by word.', '--session', sessionId, '--stream');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^TextStart\s+\+\d+ ms first sample$/m);
    expect(result.stdout).toMatch(/^TextOver\s+\+\d+ ms/m);
    // A second run into the same session prints only its own drive, not the replayed status of the first.
    const again = await say('Again.', '--session', sessionId);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/^TextOver/gm)).toHaveLength(1);
    const stat = await call(url, SESSION_PATHS.statsession, { SessionId: sessionId });
    expect(stat.Payload.SessionStatus).toBe(1);
    await call(url, SESSION_PATHS.closesession, { SessionId: sessionId });
  }, 20_000);

  it('fails with the IVH code of malformed SSML and closes the session it created', async () => {
    const line = failsWithOneLine(await say('<speak>Hi <break time="1"/></speak>'));
    expect(line).toMatch(/100001/);
    const list = await call(server?.url ?? '', SESSION_PATHS.listsessionofuin, {});
    expect(list.Payload.Sessions).toEqual([]);
  }, 15_000);

  it('fails with 110018 for an unknown session', async () => {
    const line = failsWithOneLine(await say('Anyone there?', '--session', 'm1'));
    expect(line).toMatch(/110018/);
  }, 15_000);
});
