import type { Command } from 'commander';
import { createCredential } from '@dhuman/server';
import { withStore } from '../local-store.js';
import { printTable } from '../table.js';

export function registerCredential(program: Command): void {
  const credential = program
    .command('credential')
    .description('manage appkeys and accesstokens in the local data dir');

  credential
    .command('create')
    .description('create an appkey and accesstoken (printed once)')
    .option('--name <name>', 'a label for people', '')
    .option('--max-sessions <n>', 'live-session quota of this appkey (default: the server-wide one)')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((flags: { name: string; maxSessions?: string; dataDir?: string }) => {
      const max = flags.maxSessions === undefined ? null : Number(flags.maxSessions);
      if (max !== null && (!Number.isInteger(max) || max < 1)) {
        throw new Error('--max-sessions must be a whole number of at least 1');
      }
      const created = withStore(flags.dataDir, (store) => createCredential(store, flags.name, max));
      process.stdout.write(`appkey       ${created.appkey}\naccesstoken  ${created.accesstoken}\n`);
    });

  credential
    .command('list')
    .description('list credentials (accesstokens hidden unless --show-secrets)')
    .option('--show-secrets', 'print accesstokens too')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((flags: { showSecrets?: boolean; dataDir?: string }) => {
      const rows = withStore(flags.dataDir, (store) => store.listCredentials()).map((c) => ({
        appkey: c.appkey,
        accesstoken: flags.showSecrets ? c.accesstoken : '********',
        name: c.name,
        maxSessions: c.maxSessions === null ? 'default' : String(c.maxSessions),
        created: new Date(c.createdAt).toISOString(),
        revoked: c.revokedAt === null ? '' : new Date(c.revokedAt).toISOString(),
      }));
      printTable(rows);
    });

  credential
    .command('revoke <appkey>')
    .description('revoke an appkey: its signed requests fail from now on')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((appkey: string, flags: { dataDir?: string }) => {
      const done = withStore(flags.dataDir, (store) => store.revokeCredential(appkey, Date.now()));
      if (!done) throw new Error(`no live credential with appkey ${appkey}`);
      process.stdout.write(`revoked ${appkey}\n`);
    });
}
