import type { Command } from 'commander';
import { envValue, withStore } from './local-store.js';

export interface ClientFlags {
  url?: string;
  appkey?: string;
  accesstoken?: string;
  dataDir?: string;
}

export interface ClientTarget {
  baseUrl: string;
  appkey: string;
  accesstoken: string;
}

/** Adds the options every command that talks to a server takes. */
export function withClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server base URL (DHUMAN_URL, default http://127.0.0.1:8080)')
    .option('--appkey <appkey>', 'appkey to sign with (DHUMAN_APPKEY; default: the first in --data-dir)')
    .option('--accesstoken <token>', 'accesstoken to sign with (DHUMAN_ACCESSTOKEN)')
    .option('--data-dir <dir>', 'local data dir to take a credential from (DHUMAN_DATA_DIR, default ./data)');
}

/**
 * Where to send requests and how to sign them: flags, then environment, then the first live credential of the
 * local data dir, so on the server's own machine `npx dhuman session list` works with no set-up.
 */
export function resolveTarget(flags: ClientFlags): ClientTarget {
  const baseUrl = (flags.url ?? envValue('DHUMAN_URL') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const appkey = flags.appkey ?? envValue('DHUMAN_APPKEY');
  const accesstoken = flags.accesstoken ?? envValue('DHUMAN_ACCESSTOKEN');
  if (appkey && accesstoken) return { baseUrl, appkey, accesstoken };
  if (appkey || accesstoken) throw new Error('give both --appkey and --accesstoken (or neither)');
  const stored = withStore(flags.dataDir, (store) =>
    store.listCredentials().find((c) => c.revokedAt === null),
  );
  if (!stored) {
    throw new Error(
      'no credential: pass --appkey and --accesstoken, or run where the server keeps its data dir',
    );
  }
  return { baseUrl, appkey: stored.appkey, accesstoken: stored.accesstoken };
}
