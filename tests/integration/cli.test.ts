import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import { APPKEY, call, callDhuman, postRaw, tempDataDir, TOKEN } from './harness.js';
import {
  type CliResult,
  failsWithOneLine,
  NO_ENV_CREDENTIAL,
  runCli,
  spawnServe,
  type ServeProcess,
} from './cli-process.js';

// Each CLI call is a fresh Node process that loads the whole server package (1–2 s, more on a loaded 2-core
// machine), and several tests make four to six of them.
vi.setConfig({ testTimeout: 30_000 });

const P = SESSION_PATHS;
const CREDENTIAL = { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: TOKEN };
const HEX32 = /^[0-9a-f]{32}$/;

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { ...NO_ENV_CREDENTIAL, ...env });
}

/** Exit 0, nothing on stderr; returns stdout. */
function ok(result: CliResult): string {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** A data dir with a running `dhuman serve` on it, shared by the tests of one describe block. */
function sharedServer(env: Record<string, string>): { dir: () => string; server: () => ServeProcess } {
  let dir: string | undefined;
  let server: ServeProcess | undefined;
  beforeAll(async () => {
    dir = tempDataDir();
    server = await spawnServe(['--data-dir', dir], { ...NO_ENV_CREDENTIAL, ...env });
  });
  afterAll(async () => {
    if (server) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir ?? '',
    server: () => {
      if (!server) throw new Error('server not started');
      return server;
    },
  };
}

describe('dhuman credential', () => {
  const shared = sharedServer({});

  it('creates a credential, lists it masked or with --show-secrets, and revoke locks it out of the running server', async () => {
    const D = shared.dir();
    const { url } = shared.server();
    const created = ok(
      await cli(['credential', 'create', '--name', 'ci', '--max-sessions', '2', '--data-dir', D]),
    );
    const appkey = /^appkey\s+(\S+)$/m.exec(created)?.[1] ?? '';
    const token = /^accesstoken\s+(\S+)$/m.exec(created)?.[1] ?? '';
    expect(appkey).toMatch(HEX32);
    expect(token).toMatch(HEX32);

    const [masked, shown] = await Promise.all([
      cli(['credential', 'list', '--data-dir', D]),
      cli(['credential', 'list', '--show-secrets', '--data-dir', D]),
    ]);
    const maskedRow = ok(masked)
      .split('\n')
      .find((line) => line.startsWith(appkey));
    expect(maskedRow).toMatch(/\*{8}\s+ci\s+2\s/);
    expect(ok(masked)).not.toContain(token);
    const shownRow = ok(shown)
      .split('\n')
      .find((line) => line.startsWith(appkey));
    expect(shownRow).toMatch(new RegExp(`^${appkey}\\s+${token}\\s+ci\\s+2\\s`));

    // The running server sees the new credential and its own quota of 2 without a restart.
    const as = { appkey, token };
    for (const user of ['u1', 'u2']) {
      const res = await call(
        url,
        P.createsession,
        { VirtualmanProjectId: 'demo', UserId: user, Protocol: 'webrtc' },
        as,
      );
      expect(res.Header.Code).toBe(0);
    }
    const over = await call(
      url,
      P.createsession,
      { VirtualmanProjectId: 'demo', UserId: 'u3', Protocol: 'webrtc' },
      as,
    );
    expect(over.Header.Code).toBe(100008);

    expect(ok(await cli(['credential', 'revoke', appkey, '--data-dir', D]))).toBe(`revoked ${appkey}\n`);
    const refused = await call(url, P.listsessionofuin, {}, as);
    expect(refused.Header.Code).toBe(100005);
    expect(refused.Header.Message).toMatch(/revoked/);
  });

  it('refuses to revoke an unknown appkey and a --max-sessions below 1', async () => {
    const D = shared.dir();
    const [unknown, zero] = await Promise.all([
      cli(['credential', 'revoke', 'nosuchappkey', '--data-dir', D]),
      cli(['credential', 'create', '--max-sessions', '0', '--data-dir', D]),
    ]);
    expect(failsWithOneLine(unknown)).toContain('nosuchappkey');
    expect(failsWithOneLine(zero)).toContain('--max-sessions');
    expect(zero.stdout).toBe('');
  });
});

describe('dhuman project', () => {
  const shared = sharedServer(CREDENTIAL);

  it('creates a project that list and show report and that createsession accepts', async () => {
    const D = shared.dir();
    expect(ok(await cli(['project', 'create', 'shop', '--opening-line', 'Welcome', '--data-dir', D]))).toBe(
      'created project shop\n',
    );
    const [list, show] = await Promise.all([
      cli(['project', 'list', '--data-dir', D]),
      cli(['project', 'show', 'shop', '--data-dir', D]),
    ]);
    expect(ok(list)).toMatch(/^shop\s+shop\s+demo\s+en-us\s+\(all\)\s+512x512@25\s+page\s+none$/m);
    expect(JSON.parse(ok(show))).toMatchObject({
      projectId: 'shop',
      avatar: 'demo',
      voice: 'en-us',
      openingLine: 'Welcome',
      appkey: null,
      stream: { width: 512, height: 512, fps: 25, playAddress: 'page' },
    });

    const created = await call(shared.server().url, P.createsession, {
      VirtualmanProjectId: 'shop',
      UserId: 'shopper',
      Protocol: 'webrtc',
    });
    expect(created.Header.Code).toBe(0);
    expect(created.Payload.SessionId).toMatch(/^m/);
  });

  it('stores stream settings from --resolution, --fps and --play-address, which list, show and the server report', async () => {
    const D = shared.dir();
    const wide = ['--resolution', '720p', '--fps', '30', '--play-address', 'hls'];
    const square = ['--resolution', '640x480', '--play-address', 'rtmp'];
    const created = await Promise.all([
      cli(['project', 'create', 'wide', ...wide, '--data-dir', D]),
      cli(['project', 'create', 'square', ...square, '--data-dir', D]),
    ]);
    created.forEach(ok);
    const [list, show] = await Promise.all([
      cli(['project', 'list', '--data-dir', D]),
      cli(['project', 'show', 'wide', '--data-dir', D]),
    ]);
    expect(ok(list)).toMatch(/^wide\s.*\s1280x720@30\s+hls\s+none$/m);
    expect(ok(list)).toMatch(/^square\s.*\s640x480@25\s+rtmp\s+none$/m);
    expect(JSON.parse(ok(show))).toMatchObject({
      stream: { width: 1280, height: 720, fps: 30, playAddress: 'hls' },
    });
    const listed = await callDhuman(shared.server().url, 'GET', '/dhuman/projects');
    expect(listed.Payload.Projects).toContainEqual(
      expect.objectContaining({
        ProjectId: 'wide',
        Stream: { Width: 1280, Height: 720, Fps: 30, PlayAddress: 'hls' },
      }),
    );
  });

  it('refuses stream settings out of bounds with one line naming the flag, and creates nothing', async () => {
    const D = shared.dir();
    const attempts = await Promise.all(
      [
        ['--resolution', '1080p'],
        ['--resolution', '1280x1280'],
        ['--fps', '60'],
        ['--play-address', 'flv'],
      ].map((flags) => cli(['project', 'create', 'refused', ...flags, '--data-dir', D])),
    );
    const lines = attempts.map(failsWithOneLine);
    expect(lines).toEqual([
      expect.stringContaining('--resolution must be 512, 720, 720p or <width>x<height>, not "1080p"'),
      expect.stringContaining('--resolution 1280x1280 is over'),
      expect.stringContaining('--fps must be from 10 to 30, not 60'),
      expect.stringContaining('--play-address must be one of page, hls, rtmp, not "flv"'),
    ]);
    expect(ok(await cli(['project', 'list', '--data-dir', D]))).not.toContain('refused');
  });

  it('binds a dialogue engine: --faq checks the file first, --llm takes its URL and model', async () => {
    const D = shared.dir();
    const good = join(D, 'shop-faq.yaml');
    writeFileSync(
      good,
      'fallback: Sorry.\nintents:\n  - id: hours\n    questions: [When are you open?]\n    answer: At nine.\n',
    );
    const bad = join(D, 'broken-faq.yaml');
    writeFileSync(
      bad,
      'fallback: Sorry.\nintents:\n  - id: hours\n    questions: []\n    answer: At nine.\n',
    );
    ok(await cli(['project', 'create', 'faq', '--faq', good, '--data-dir', D]));
    ok(
      await cli([
        ...['project', 'create', 'llm', '--llm-url', 'http://127.0.0.1:9/v1', '--llm-model', 'm'],
        ...['--system-prompt', 'Be brief.', '--data-dir', D],
      ]),
    );
    const [faq, llm, broken, both] = await Promise.all([
      cli(['project', 'show', 'faq', '--data-dir', D]),
      cli(['project', 'show', 'llm', '--data-dir', D]),
      cli(['project', 'create', 'broken', '--faq', bad, '--data-dir', D]),
      cli(['project', 'create', 'both', '--faq', good, '--llm', '--data-dir', D]),
    ]);
    expect((JSON.parse(ok(faq)) as { dialogue: unknown }).dialogue).toEqual({ engine: 'faq', file: good });
    expect((JSON.parse(ok(llm)) as { dialogue: unknown }).dialogue).toEqual({
      engine: 'llm',
      url: 'http://127.0.0.1:9/v1',
      model: 'm',
      systemPrompt: 'Be brief.',
    });
    expect(failsWithOneLine(broken)).toMatch(/broken-faq\.yaml.*intents\[0\]\.questions/);
    expect(failsWithOneLine(both)).toContain('choose one dialogue engine');
    expect(ok(await cli(['project', 'list', '--data-dir', D]))).toMatch(/faq\s.*\bfaq\b/);
  }, 40_000);

  it('refuses a duplicate id, an invalid id and an unknown avatar', async () => {
    const D = shared.dir();
    ok(await cli(['project', 'create', 'dup', '--data-dir', D]));
    const [duplicate, badId, noAvatar] = await Promise.all([
      cli(['project', 'create', 'dup', '--data-dir', D]),
      cli(['project', 'create', 'bad id!', '--data-dir', D]),
      cli(['project', 'create', 'other', '--avatar', 'nosuch', '--data-dir', D]),
    ]);
    expect(failsWithOneLine(duplicate)).toContain('already exists');
    expect(failsWithOneLine(badId)).toContain('project id');
    expect(failsWithOneLine(noAvatar)).toContain('nosuch');
  });
});

describe('dhuman sign and session against a running server', () => {
  const shared = sharedServer(CREDENTIAL);
  const target = () => ['--url', shared.server().url, '--data-dir', shared.dir()];

  it('signs an HTTP URL that works as printed, and a ws:// URL with extra parameters', async () => {
    const [http, ws, relative] = await Promise.all([
      cli(['sign', P.listsessionofuin, ...target()]),
      cli([
        'sign',
        '/v2/ws/ivh/interactdriver/interactdriverservice/commandchannel',
        '--param',
        'requestid=m1',
        ...target(),
      ]),
      cli(['sign', 'v2/ivh/sessionmanager/sessionmanagerservice/listsessionofuin', ...target()]),
    ]);
    const signed = ok(http).trim();
    expect(signed.startsWith(`${shared.server().url}${P.listsessionofuin}?`)).toBe(true);
    expect(signed).toContain(`appkey=${APPKEY}`);
    const { status, json } = await postRaw(signed, '{"Payload":{}}');
    expect(status).toBe(200);
    expect(json.Header.Code).toBe(0);
    expect(json.Payload.Sessions).toEqual([]);

    const wsUrl = new URL(ok(ws).trim());
    expect(wsUrl.protocol).toBe('ws:');
    expect(wsUrl.host).toBe(new URL(shared.server().url).host);
    expect(wsUrl.searchParams.get('requestid')).toBe('m1');
    expect(wsUrl.searchParams.get('signature')).toBeTruthy();

    expect(failsWithOneLine(relative)).toContain('must start with "/"');
    expect(relative.stdout).toBe('');
  });

  it('creates and starts, lists, stats and closes a session; a second close fails with 110013', async () => {
    const created = ok(await cli(['session', 'create', '--start', '--user', 'u1', ...target()]));
    const session = JSON.parse(created) as { SessionId: string; SessionStatus: number };
    expect(session).toMatchObject({ UserId: 'u1', SessionStatus: 1, IsSessionStarted: true });
    const id = session.SessionId;

    const [list, stat] = await Promise.all([
      cli(['session', 'list', ...target()]),
      cli(['session', 'stat', id, ...target()]),
    ]);
    expect(ok(list)).toMatch(new RegExp(`^${id}\\s+u1\\s+1\\s+true\\s`, 'm'));
    expect(JSON.parse(ok(stat))).toMatchObject({ SessionId: id, SessionStatus: 1, IsSessionStarted: true });

    expect(JSON.parse(ok(await cli(['session', 'close', id, ...target()])))).toMatchObject({ SessionId: id });
    const again = await cli(['session', 'close', id, ...target()]);
    expect(failsWithOneLine(again)).toContain('110013');
    expect(again.stdout).toBe('');
    const afterClose = await call(shared.server().url, P.listsessionofuin, {});
    expect(afterClose.Payload.Sessions).toEqual([]);
  }, 30_000); // the first session of a server waits for the TTS engine to load

  it('fails stat of an unknown session with 110018', async () => {
    const result = await cli(['session', 'stat', 'm1', ...target()]);
    expect(failsWithOneLine(result)).toContain('110018');
  });

  it('signs with --appkey/--accesstoken flags or DHUMAN_APPKEY/DHUMAN_ACCESSTOKEN instead of the data dir', async () => {
    // An empty data dir: a command that ignored the flags and environment would find no credential there.
    const empty = tempDataDir();
    try {
      const url = shared.server().url;
      const [fromFlags, fromEnv] = await Promise.all([
        cli([
          'session',
          'list',
          '--url',
          url,
          '--data-dir',
          empty,
          '--appkey',
          APPKEY,
          '--accesstoken',
          TOKEN,
        ]),
        cli(['session', 'list', '--url', url, '--data-dir', empty], CREDENTIAL),
      ]);
      expect(ok(fromFlags)).toMatch(/^SessionId\s+UserId\s|^\(none\)$/m);
      expect(ok(fromEnv)).toBe(fromFlags.stdout);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('dhuman without a server', () => {
  it('prints the error-code reference as markdown', async () => {
    const out = ok(await cli(['docs', 'errors']));
    expect(out).toContain('| 110018 | `SESSION_NOT_FOUND` |');
    expect(out).toContain('| 100005 | `UNAUTHORIZED` |');
  });

  it('refuses bad serve configuration with a message naming what to fix, and unknown commands', async () => {
    const dir = tempDataDir();
    try {
      const [badPort, halfCredential, unknown] = await Promise.all([
        cli(['serve', '--port', '99999', '--data-dir', dir]),
        cli(['serve', '--port', '0', '--data-dir', dir], { DHUMAN_APPKEY: APPKEY }),
        cli(['nosuchcommand']),
      ]);
      expect(failsWithOneLine(badPort)).toContain('--port or DHUMAN_PORT');
      const half = failsWithOneLine(halfCredential);
      expect(half).toContain('DHUMAN_APPKEY');
      expect(half).toContain('DHUMAN_ACCESSTOKEN');
      expect(badPort.stdout + halfCredential.stdout).toBe('');
      expect(unknown.code).not.toBe(0);
      expect(unknown.code).not.toBeNull();
      expect(unknown.stderr).toContain("unknown command 'nosuchcommand'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dhuman on a data dir no server has used', () => {
  it('creates a project on the built-in demo avatar, and treats an empty DHUMAN_DATA_DIR as unset', async () => {
    const dir = tempDataDir();
    try {
      ok(await cli(['project', 'create', 'fresh', '--data-dir', dir]));
      expect(ok(await cli(['project', 'list', '--data-dir', dir]))).toMatch(/fresh\s+fresh\s+demo\s+en-us/);
      // `DHUMAN_DATA_DIR=` must mean the default ./data, as the server reads it, not the current directory.
      const inCwd = await runCli(['project', 'list'], { ...NO_ENV_CREDENTIAL, DHUMAN_DATA_DIR: '' }, dir);
      expect(inCwd.code).toBe(0);
      expect(existsSync(join(dir, 'data', 'dhuman.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
