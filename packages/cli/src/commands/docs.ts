import type { Command } from 'commander';
import { errorsMarkdown } from '@dhuman/protocol';

export function registerDocs(program: Command): void {
  program
    .command('docs')
    .description('print generated reference documents')
    .command('errors')
    .description('the error-code reference (docs/reference/errors.md)')
    .action(() => {
      process.stdout.write(errorsMarkdown());
    });
}
