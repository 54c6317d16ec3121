import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The stream size is a project setting, so the stream bench makes one project per size with the CLI, as an
 * operator does, on the running server's data dir. The server reads projects from its SQLite store on every
 * createsession (WAL mode, busy timeout), so a project created while it runs is usable at once.
 */

const run = promisify(execFile);
/** The committed CLI entry, relative to bench/dist/ (as server-process.ts uses it). */
const CLI = fileURLToPath(new URL('../../packages/cli/bin/dhuman.js', import.meta.url));

export interface StreamProject {
  projectId: string;
  width: number;
  height: number;
  fps: number;
}

/** Creates project `bench-stream-<size>` at `resolution` (a `--resolution` value: 512, 720p, WxH, …). */
export async function createStreamProject(dataDir: string, resolution: string): Promise<StreamProject> {
  const projectId = `bench-stream-${resolution.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const common = ['--data-dir', dataDir];
  await run(process.execPath, [CLI, 'project', 'create', projectId, '--resolution', resolution, ...common]);
  const { stdout } = await run(process.execPath, [CLI, 'project', 'show', projectId, ...common]);
  const shown = JSON.parse(stdout) as { stream?: { width?: number; height?: number; fps?: number } };
  const { width, height, fps } = shown.stream ?? {};
  if (!width || !height || !fps) throw new Error(`project show ${projectId}: no stream size in ${stdout}`);
  return { projectId, width, height, fps };
}
