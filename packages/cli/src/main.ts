import { Command, CommanderError } from 'commander';
import { IvhError } from '@dhuman/protocol';
import { ConfigError } from '@dhuman/server';
import { registerAvatar } from './commands/avatar.js';
import { registerCredential } from './commands/credential.js';
import { registerDocs } from './commands/docs.js';
import { registerProject } from './commands/project.js';
import { registerSay } from './commands/say.js';
import { registerServe } from './commands/serve.js';
import { registerSession } from './commands/session.js';
import { registerSign } from './commands/sign.js';
import { registerVideo } from './commands/video.js';
import { VERSION } from './version.js';

const program = new Command()
  .name('dhuman')
  .description('self-hosted interactive digital human, wire-compatible with the Tencent Cloud IVH API')
  .version(VERSION)
  .exitOverride();

registerServe(program);
registerSign(program);
registerSession(program);
registerSay(program);
registerVideo(program);
registerCredential(program);
registerProject(program);
registerAvatar(program);
registerDocs(program);

/** One line on stderr for expected failures; a stack only for what is a bug. */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof IvhError) {
    process.stderr.write(`dhuman: error ${error.code} ${error.errorName}: ${error.message}\n`);
  } else if (error instanceof ConfigError || error instanceof Error) {
    process.stderr.write(`dhuman: ${error.message}\n`);
  } else {
    process.stderr.write(`dhuman: ${String(error)}\n`);
  }
  return 1;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = report(error);
});
