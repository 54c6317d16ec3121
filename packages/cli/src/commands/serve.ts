import type { Command } from 'commander';
import { loadConfig, startServer } from '@dhuman/server';
import { startBanner } from '../banner.js';
import { VERSION } from '../version.js';

interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the dhuman server (HTTP and WebSocket on one port)')
    .option('--host <host>', 'interface to listen on (DHUMAN_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port, 0 for any free one (DHUMAN_PORT, default 8080)')
    .option('--data-dir <dir>', 'where sessions and credentials are kept (DHUMAN_DATA_DIR, default ./data)')
    .option('--tls-cert <file>', 'PEM certificate: serve https and wss (DHUMAN_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert (DHUMAN_TLS_KEY)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (DHUMAN_LOG_LEVEL)')
    .action(async (flags: ServeFlags) => {
      const config = loadConfig(process.env, flags);
      const server = await startServer(config, { processMetrics: true });
      process.stdout.write(`${await startBanner(server, VERSION)}\n`);
      const stop = (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.app.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
