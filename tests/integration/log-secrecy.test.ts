import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS, VIDEO_PATHS } from '@dhuman/protocol';
import { APPKEY, call, postRaw, signedUrl, tempDataDir, TOKEN, waitFor } from './harness.js';
import { CLI } from './cli-process.js';
import { finished, submit } from './video-support.js';

const P = SESSION_PATHS;

interface CapturedServe {
  url: string;
  /** Everything printed so far on stdout and on stderr. */
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal: NodeJS.Signals) => Promise<number | null>;
}

/** Like `spawnServe`, but keeps stderr too: a secret must not leak through either stream. */
function spawnServeCapturing(args: string[], env: Record<string, string>): Promise<CapturedServe> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${stdout}\n${stderr}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          stdout: () => stdout,
          stderr: () => stderr,
          stop: (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

/** Attempts a WebSocket upgrade and resolves once the server has answered it either way. */
function tryUpgrade(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve();
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    ws.on('error', () => resolve());
  });
}

/** The signature of a signed URL as it appears in the URL (percent-encoded) and decoded. */
function signatureForms(url: string): string[] {
  const raw = /[?&]signature=([^&]*)/.exec(url)?.[1] ?? '';
  const decoded = new URL(url).searchParams.get('signature') ?? '';
  expect(raw.length).toBeGreaterThan(20);
  return [raw, decoded];
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The human start-up banner: the only stdout lines that are not JSON log records. */
const BANNER_LINE = [
  /^dhuman \S+ listening on \S+$/,
  /^ {2}(demo page|data dir|appkey|accesstoken|health) {2,}\S/,
  /^Create a demo session /,
  /^ {2}curl -s -X POST '/,
];

describe('secrets stay out of the logs at debug level', () => {
  const dir = tempDataDir();
  let server: CapturedServe | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('never prints the accesstoken or a used signature, and logs requests as JSON with a reqId', async () => {
    server = await spawnServeCapturing(['--data-dir', dir], {
      DHUMAN_LOG_LEVEL: 'debug',
      DHUMAN_APPKEY: APPKEY,
      DHUMAN_ACCESSTOKEN: TOKEN,
    });
    const { url } = server;
    // An extra signed parameter per call keeps these signatures distinct from the banner's demo curl line,
    // which prints a signed URL by design.
    const used: string[] = [];
    const remember = async (path: string, options: Parameters<typeof signedUrl>[2]) => {
      const u = await signedUrl(url, path, options);
      used.push(u);
      return u;
    };

    // Successful calls.
    const createUrl = await remember(P.createsession, { extra: { probe: 'create' } });
    const created = await postRaw(
      createUrl,
      JSON.stringify({
        Header: {},
        Payload: { VirtualmanProjectId: 'demo', UserId: 'secrecy', Protocol: 'webrtc' },
      }),
    );
    expect(created.json.Header.Code).toBe(0);
    const sessionId = created.json.Payload.SessionId as string;
    const statUrl = await remember(P.statsession, { extra: { probe: 'stat' } });
    const stat = await postRaw(statUrl, JSON.stringify({ Header: {}, Payload: { SessionId: sessionId } }));
    expect(stat.json.Header.Code).toBe(0);

    // A signature made with the wrong accesstoken.
    const badSigUrl = await remember(P.listsessionofuin, {
      token: 'wrongaccesstoken0000000000000000',
      extra: { probe: 'badsig' },
    });
    const badSig = await postRaw(badSigUrl, JSON.stringify({ Header: {}, Payload: {} }));
    expect(badSig.json.Header.Code).toBe(100005);

    // A well-signed request with a body that is not JSON, and one with a schema error.
    const badBodyUrl = await remember(P.statsession, { extra: { probe: 'badbody' } });
    const badBody = await postRaw(badBodyUrl, '{"Payload":');
    expect(badBody.json.Header.Code).toBe(100001);
    const badFieldUrl = await remember(P.statsession, { extra: { probe: 'badfield' } });
    const badField = await postRaw(badFieldUrl, JSON.stringify({ Header: {}, Payload: { SessionId: 42 } }));
    expect(badField.json.Header.Code).not.toBe(0);

    // A signed WebSocket upgrade: handled outside fastify's request logging.
    const wsUrl = await remember(DRIVE_PATHS.commandChannel, { extra: { requestid: sessionId } });
    await tryUpgrade(wsUrl.replace(/^http/, 'ws'));

    // The harness's helper signs the same way; one more through it for good measure.
    const listed = await call(url, P.listsessionofuin, {}, { extra: { probe: 'list' } });
    expect(listed.Header.Code).toBe(0);

    // Wait for the "request completed" lines, then stop gracefully so every buffered line is written.
    await waitFor(async () =>
      Promise.resolve((server?.stdout().match(/"request completed"/g)?.length ?? 0) >= 6 ? true : undefined),
    );
    expect(await server.stop('SIGTERM')).toBe(0);

    const stdout = server.stdout();
    const stderr = server.stderr();
    const everything = `${stdout}\n${stderr}`;

    expect(everything).not.toContain(TOKEN);
    for (const u of used) {
      for (const form of signatureForms(u)) expect(everything).not.toContain(form);
    }

    // Every line is a JSON log record, except the start-up banner on stdout.
    const records: Array<Record<string, unknown>> = [];
    for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
      const record = parseJson(line);
      if (record) records.push(record);
      else
        expect(
          BANNER_LINE.some((re) => re.test(line)),
          `not JSON and not banner: ${line}`,
        ).toBe(true);
    }
    for (const line of stderr.split('\n').filter((l) => l.trim() !== '')) {
      const record = parseJson(line);
      expect(record, `stderr line is not JSON: ${line}`).toBeDefined();
      if (record) records.push(record);
    }

    // debug took effect: info-level request logs are there (the helper's default is warn).
    const incoming = records.filter((r) => r.msg === 'incoming request');
    const completed = records.filter((r) => r.msg === 'request completed');
    expect(incoming.length).toBeGreaterThanOrEqual(6);
    expect(completed.length).toBe(incoming.length);
    for (const r of [...incoming, ...completed]) {
      expect(typeof r.reqId, JSON.stringify(r)).toBe('string');
      expect(r.reqId).not.toBe('');
    }
    const urls = incoming.map((r) => (r.req as { url?: unknown } | undefined)?.url);
    for (const u of urls) expect(u).toMatch(/[?&]signature=\[redacted\](&|$)/);
    for (const probe of ['create', 'stat', 'badsig', 'badbody', 'badfield', 'list']) {
      expect(
        urls.some((u) => typeof u === 'string' && u.includes(`probe=${probe}`)),
        probe,
      ).toBe(true);
    }
    // Each request's two lines share its reqId, and no two requests share one.
    const ids = incoming.map((r) => r.reqId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(completed.map((r) => r.reqId))).toEqual(new Set(ids));
  });
});

describe('video tasks keep their secrets out of the logs', () => {
  const dir = tempDataDir();
  let server: CapturedServe | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('never prints S3 credentials, a pre-signed URL signature or a callback query', async () => {
    const s3Secret = 'S3SECRETs3secretS3SECRETs3secret';
    server = await spawnServeCapturing(['--data-dir', dir], {
      DHUMAN_LOG_LEVEL: 'debug',
      DHUMAN_APPKEY: APPKEY,
      DHUMAN_ACCESSTOKEN: TOKEN,
      DHUMAN_RTMP_PORT: 'off',
      // Nothing listens on port 9: the pushes fail, after reading the settings and making the requests.
      DHUMAN_S3_ENDPOINT: 'http://127.0.0.1:9',
      DHUMAN_S3_ACCESS_KEY_ID: 'S3KEYIDs3keyid',
      DHUMAN_S3_SECRET_ACCESS_KEY: s3Secret,
    });
    const { url } = server;
    const presignSecret = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0';
    const callbackSecret = 'cbsecretcbsecretcbsecret';
    const targets = ['s3://videos/out', `http://127.0.0.1:9/videos/x.mp4?X-Amz-Signature=${presignSecret}`];
    for (const target of targets) {
      const taskId = await submit(url, VIDEO_PATHS.tts, {
        InputSsml: 'Secret keeping.',
        VideoStorageS3Url: target,
        CallbackUrl: `http://127.0.0.1:9/done?token=${callbackSecret}`,
      });
      const { result } = await finished(url, taskId);
      expect(result.FailCode).toBe(-101003);
      expect(result.FailMessage).not.toContain(presignSecret);
    }
    await waitFor(async () =>
      Promise.resolve(
        (server?.stdout().match(/video callback not delivered/g)?.length ?? 0) >= 2 ? true : undefined,
      ),
    );
    expect(await server.stop('SIGTERM')).toBe(0);
    const everything = `${server.stdout()}\n${server.stderr()}`;
    for (const secret of [s3Secret, presignSecret, callbackSecret, TOKEN])
      expect(everything).not.toContain(secret);
    expect(everything).toContain('video task failed');
  });
});
