import os from 'node:os';
import { parseArgs } from 'node:util';
import * as clientRender from './client-render.js';
import * as conversation from './conversation.js';
import * as drive from './drive.js';
import * as gateway from './gateway.js';
import * as stream from './stream.js';
import { formatTable } from './table.js';
import type { Benchmark } from './types.js';

/**
 * `npm run bench -- [name ...] [--json] [--duration <s>]`: runs the named benchmarks (all when none is named),
 * prints a table per benchmark and, with --json, one JSON line per benchmark at the very end of stdout so a
 * script can take the last line. Progress goes to stderr to keep stdout parseable.
 */

/** Every benchmark, by the name given on the command line. New ones are added here. */
const BENCHMARKS: ReadonlyMap<string, Benchmark> = new Map(
  [gateway, drive, clientRender, stream, conversation].map((bench) => [bench.name, bench]),
);

const DEFAULT_DURATION_SEC = 5;

function usage(): string {
  const width = Math.max(...[...BENCHMARKS.keys()].map((name) => name.length));
  const list = [...BENCHMARKS.values()].map((b) => `  ${b.name.padEnd(width)}  ${b.description}`);
  return [
    'usage: node bench/dist/run.js [name ...] [--json] [--duration <s>]',
    `  --duration <s>  measured seconds per load phase (default ${DEFAULT_DURATION_SEC}; 1 s warm-up is added)`,
    '  --json          also print one JSON object per benchmark as the last lines of stdout',
    'benchmarks:',
    ...list,
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage()}\n`);
  process.exit(2);
}

function parse(argv: string[]): { names: string[]; json: boolean; durationSec: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        duration: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const unknown = parsed.positionals.filter((name) => !BENCHMARKS.has(name));
  if (unknown.length > 0) fail(`unknown benchmark: ${unknown.join(', ')}`);
  const durationSec = Number(parsed.values.duration ?? DEFAULT_DURATION_SEC);
  if (!(durationSec > 0 && Number.isFinite(durationSec))) {
    fail(`--duration must be a positive number of seconds, got ${parsed.values.duration}`);
  }
  const names = parsed.positionals.length > 0 ? [...new Set(parsed.positionals)] : [...BENCHMARKS.keys()];
  return { names, json: parsed.values.json ?? false, durationSec };
}

/** Which machine produced the numbers: results are only comparable on the same one. */
function machine() {
  return {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

async function main(): Promise<void> {
  const { names, json, durationSec } = parse(process.argv.slice(2));
  // Exiting runs server-process.ts's exit hook, which kills child servers and removes their data dirs.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));

  const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const jsonLines: string[] = [];
  for (const name of names) {
    const bench = BENCHMARKS.get(name);
    if (!bench) continue; // parse() rejected unknown names
    try {
      const result = await bench.run({ durationSec, progress });
      const notes = result.notes.map((note) => `${note}\n`).join('');
      process.stdout.write(
        `\n${bench.name}: ${bench.description}\n\n${formatTable(result.table)}\n\n${notes}`,
      );
      jsonLines.push(JSON.stringify({ bench: bench.name, machine: machine(), figures: result.figures }));
    } catch (error) {
      process.stderr.write(`[bench] ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
  if (json) process.stdout.write(jsonLines.map((line) => `${line}\n`).join(''));
}

await main();
