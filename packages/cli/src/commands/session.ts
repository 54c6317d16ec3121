import type { Command } from 'commander';
import { DhumanClient } from '@dhuman/client';
import { resolveTarget, withClientOptions, type ClientFlags } from '../client-options.js';
import { printTable } from '../table.js';

interface CreateFlags extends ClientFlags {
  project: string;
  user: string;
  protocol: string;
  driverType: string;
  wait?: boolean;
  start?: boolean;
}

function clientFor(flags: ClientFlags): DhumanClient {
  const target = resolveTarget(flags);
  return new DhumanClient({
    baseUrl: target.baseUrl,
    appkey: target.appkey,
    accesstoken: target.accesstoken,
  });
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerSession(program: Command): void {
  const session = program.command('session').description('drive the session API of a running server');

  withClientOptions(
    session
      .command('create')
      .description('create a session (prints its SessionId and status)')
      .option('--project <id>', 'VirtualmanProjectId', 'demo')
      .option('--user <id>', 'UserId (a newer session with the same UserId closes this one)', 'cli')
      .option('--protocol <p>', 'webrtc or rtmp', 'webrtc')
      .option('--driver-type <n>', '1 text, 3 text and audio', '1')
      .option('--wait', 'wait until the session is ready (status 1)')
      .option('--start', 'wait until ready, then start it'),
  ).action(async (flags: CreateFlags) => {
    const client = clientFor(flags);
    const driverType = Number(flags.driverType);
    if (driverType !== 1 && driverType !== 3) throw new Error('--driver-type must be 1 or 3');
    if (flags.protocol !== 'webrtc' && flags.protocol !== 'rtmp')
      throw new Error('--protocol must be webrtc or rtmp');
    const created = await client.createSession({
      VirtualmanProjectId: flags.project,
      UserId: flags.user,
      Protocol: flags.protocol,
      DriverType: driverType,
    });
    if (flags.wait || flags.start) await client.waitUntilReady(created.SessionId);
    if (flags.start) await client.startSession(created.SessionId);
    print(flags.wait || flags.start ? await client.statSession(created.SessionId) : created);
  });

  for (const [name, description] of [
    ['stat', 'show one session'],
    ['start', 'start a ready session (required before drive commands)'],
    ['close', 'close a session and free its slot'],
  ] as const) {
    withClientOptions(session.command(`${name} <sessionId>`).description(description)).action(
      async (sessionId: string, flags: ClientFlags) => {
        const client = clientFor(flags);
        if (name === 'stat') print(await client.statSession(sessionId));
        else if (name === 'start') print(await client.startSession(sessionId));
        else print(await client.closeSession(sessionId));
      },
    );
  }

  withClientOptions(
    session
      .command('list')
      .description('list live sessions of this appkey')
      .option('--project <id>', 'only sessions of this project'),
  ).action(async (flags: ClientFlags & { project?: string }) => {
    const client = clientFor(flags);
    const list = flags.project
      ? await client.listSessionsOfProject(flags.project)
      : await client.listSessions();
    printTable(
      list.Sessions.map((s) => ({
        SessionId: s.SessionId,
        UserId: s.UserId,
        Status: String(s.SessionStatus),
        Started: String(s.IsSessionStarted),
        DriverType: String(s.DriverType),
        PlayStreamAddr: s.PlayStreamAddr,
      })),
    );
  });
}
