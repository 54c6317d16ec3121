import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_TYPE, SESSION_PATHS } from '@dhuman/protocol';
import { APPKEY, call, tempDataDir, TOKEN, waitFor } from './harness.js';
import { spawnServe, type ServeProcess } from './cli-process.js';

// Each test starts and kills real `dhuman serve` processes (a few seconds each on a loaded 2-core machine).
vi.setConfig({ testTimeout: 30_000 });

const P = SESSION_PATHS;
const CREDENTIAL = { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: TOKEN };

describe('state across restarts of the real process', () => {
  const dirs: string[] = [];
  const processes: ServeProcess[] = [];
  afterEach(() => {
    for (const p of processes.splice(0)) p.child.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function serve(dataDir: string, env: Record<string, string> = CREDENTIAL): Promise<ServeProcess> {
    const p = await spawnServe(['--data-dir', dataDir], env);
    processes.push(p);
    return p;
  }

  async function readySession(url: string, userId: string): Promise<string> {
    const created = await call(url, P.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: userId,
      Protocol: 'webrtc',
    });
    const sessionId = created.Payload.SessionId as string;
    await waitFor(async () => {
      const stat = await call(url, P.statsession, { SessionId: sessionId });
      return stat.Payload.SessionStatus === 1 ? true : undefined;
    });
    return sessionId;
  }

  it('reports sessions of a killed process as closed with an ErrorCode, and keeps closed ones as they were', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await serve(dataDir);
    const live = await readySession(first.url, 'live-user');
    await call(first.url, P.startsession, { SessionId: live });
    const closed = await readySession(first.url, 'closed-user');
    await call(first.url, P.closesession, { SessionId: closed });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await serve(dataDir);
    const stat = await call(second.url, P.statsession, { SessionId: live });
    expect(stat.Payload).toMatchObject({
      SessionStatus: 2,
      IsSessionStarted: true,
      ErrorCode: -111002,
      CloseType: CLOSE_TYPE.SERVICE_RESTART,
    });
    expect(stat.Payload.ErrorMessage).toMatch(/restarted/);
    const before = await call(second.url, P.statsession, { SessionId: closed });
    expect(before.Payload).toMatchObject({ SessionStatus: 2, ErrorCode: 0, CloseType: CLOSE_TYPE.OWNER });
    const list = await call(second.url, P.listsessionofuin, {});
    expect(list.Payload.Sessions).toEqual([]);
  });

  it('keeps a first-start credential and shows its accesstoken only on that start', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await serve(dataDir, {});
    const appkey = /appkey\s+([0-9a-f]{32})/.exec(first.output())?.[1];
    const token = /accesstoken\s+([0-9a-f]{32})/.exec(first.output())?.[1];
    expect(appkey && token).toBeTruthy();

    // The printed curl line works as pasted: same URL, same body.
    const curl = /curl -s -X POST '([^']+)' -H 'Content-Type: application\/json' -d '([^']+)'/.exec(
      first.output(),
    );
    expect(curl).not.toBeNull();
    const res = await fetch(curl?.[1] ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: curl?.[2] ?? '',
    });
    const json = (await res.json()) as { Header: { Code: number }; Payload: { SessionId: string } };
    expect(json.Header.Code).toBe(0);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await serve(dataDir, {});
    expect(second.output()).toContain(`appkey       ${appkey}`);
    expect(second.output()).not.toContain(token);
    // The session the first process had was closed by its graceful shutdown.
    const stat = await call(
      second.url,
      P.statsession,
      { SessionId: json.Payload.SessionId },
      {
        appkey: appkey ?? '',
        token: token ?? '',
      },
    );
    expect(stat.Payload).toMatchObject({ SessionStatus: 2, CloseType: CLOSE_TYPE.SERVICE_RESTART });
  });
});
