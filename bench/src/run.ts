import os from 'node:os';
import { parseArgs } from 'node:util';
import * as clientRender from './client-render.js';
import * as conversation from './conversation.js';
import * as drive from './drive.js';
import * as gateway from './gateway.js';
import * as stream from './stream.js';
import * as video from './video.js';
import { formatTable } from './table.js';
import type { Benchmark } from './types.js';

/**
 * `npm run bench -- [name ...] [--json] [--duration <s>] [--runs <n>] [--tasks <n>]`: runs the named
 * benchmarks (all when none is named), prints a table per benchmark (under a line naming the machine) and,
 * with --json, one JSON line per benchmark at the very end of stdout so a script can take the last line.
 * Progress goes to stderr to keep stdout parseable.
 */

/** Every benchmark, by the name given on the command line. New ones are added here. */
const BENCHMARKS: ReadonlyMap<string, Benchmark> = new Map(
  [gateway, drive, clientRender, stream, conversation, video].map((bench) => [bench.name, bench]),
);

const DEFAULT_DURATION_SEC = 5;

function usage(): string {
  const width = Math.max(...[...BENCHMARKS.keys()].map((name) => name.length));
  const list = [...BENCHMARKS.values()].map((b) => `  ${b.name.padEnd(width)}  ${b.description}`);
  return [
    'usage: node bench/dist/run.js [name ...] [--json] [--duration <s>] [--runs <n>] [--tasks <n>]',
    `  --duration <s>  measured seconds per load phase (default ${DEFAULT_DURATION_SEC}; 1 s warm-up is added)`,
    '  --runs <n>      repetitions of each measurement, where a bench repeats one (video: renders per size)',
    '  --tasks <n>     jobs submitted at once, where a bench submits a batch (video: tasks through the API)',
    '  --json          also print one JSON object per benchmark as the last lines of stdout',
    'benchmarks:',
    ...list,
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage()}\n`);
  process.exit(2);
}

interface RunFlags {
  names: string[];
  json: boolean;
  durationSec: number;
  runs: number | undefined;
  tasks: number | undefined;
}

/** A positive whole number given with `--<flag>`, or undefined when the flag is absent. */
function count(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0)) fail(`--${flag} must be a positive whole number, got ${raw}`);
  return n;
}

function parse(argv: string[]): RunFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        duration: { type: 'string' },
        runs: { type: 'string' },
        tasks: { type: 'string' },
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
  return {
    names,
    json: parsed.values.json ?? false,
    durationSec,
    runs: count('runs', parsed.values.runs),
    tasks: count('tasks', parsed.values.tasks),
  };
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
  const { names, json, durationSec, runs, tasks } = parse(process.argv.slice(2));
  // Exiting runs server-process.ts's exit hook, which kills child servers and removes their data dirs.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));

  const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const jsonLines: string[] = [];
  for (const name of names) {
    const bench = BENCHMARKS.get(name);
    if (!bench) continue; // parse() rejected unknown names
    try {
      const result = await bench.run({ durationSec, progress, runs, tasks });
      const notes = result.notes.map((note) => `${note}\n`).join('');
      const host = machine();
      // Results are only comparable on the same machine: say which one, above the table.
      const on = `machine: ${host.cpus} cores, ${host.model}, Node ${host.node}, ${host.os}`;
      process.stdout.write(
        `\n${bench.name}: ${bench.description}\n${on}\n\n${formatTable(result.table)}\n\n${notes}`,
      );
      jsonLines.push(JSON.stringify({ bench: bench.name, machine: host, figures: result.figures }));
    } catch (error) {
      process.stderr.write(`[bench] ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
  if (json) process.stdout.write(jsonLines.map((line) => `${line}\n`).join(''));
}

await main();
