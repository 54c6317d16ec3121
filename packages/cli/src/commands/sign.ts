import type { Command } from 'commander';
import { IVH_WS_PREFIX, signedQuery } from '@dhuman/protocol';
import { resolveTarget, withClientOptions, type ClientFlags } from '../client-options.js';

interface SignFlags extends ClientFlags {
  param: string[];
  timestamp?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerSign(program: Command): void {
  withClientOptions(
    program
      .command('sign <path>')
      .description('print a signed URL for an IVH path (ws:// for /v2/ws/ paths)')
      .option('--param <key=value>', 'extra query parameter to sign, e.g. requestid=<SessionId>', collect, [])
      .option('--timestamp <seconds>', 'Unix time to sign with (default: now)'),
  ).action(async (path: string, flags: SignFlags) => {
    if (!path.startsWith('/')) throw new Error('path must start with "/", e.g. /v2/ivh/sessionmanager/...');
    const extra: Record<string, string> = {};
    for (const pair of flags.param) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--param needs key=value, got "${pair}"`);
      extra[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const target = resolveTarget(flags);
    const timestamp = flags.timestamp === undefined ? undefined : Number(flags.timestamp);
    if (timestamp !== undefined && !Number.isInteger(timestamp))
      throw new Error('--timestamp must be whole seconds');
    const query = await signedQuery({
      appkey: target.appkey,
      accesstoken: target.accesstoken,
      extra,
      ...(timestamp !== undefined && { timestamp }),
    });
    const base = path.startsWith(IVH_WS_PREFIX) ? target.baseUrl.replace(/^http/, 'ws') : target.baseUrl;
    process.stdout.write(`${base}${path}?${query}\n`);
  });
}
