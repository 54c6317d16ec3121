import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Who used the CPUs during a load phase: the load generator (this process), the server child, and everything
 * else on the machine. The bench shares a small machine with its server, so these numbers say whether a phase
 * was limited by the server, by the load generator, or disturbed by unrelated work.
 */

export interface CpuSnapshot {
  wallMs: number;
  selfMs: number;
  /** Undefined where /proc is unavailable (not Linux) or the child is gone. */
  serverMs: number | undefined;
  /** Busy time summed over all cores. */
  machineMs: number;
}

/** Percent of one core, so 100 means one core fully busy (a single-threaded server's ceiling). */
export interface CpuShares {
  loadClientPct: number;
  serverPct: number | undefined;
  otherPct: number | undefined;
}

/** `/proc/<pid>/stat` counts in USER_HZ ticks, which is 100 on every mainstream Linux build. */
const TICKS_PER_SEC = 100;

function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); utime and stime are fields 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

function machineBusyMs(): number {
  let busy = 0;
  for (const { times } of os.cpus()) busy += times.user + times.nice + times.sys + times.irq;
  return busy;
}

export function cpuSnapshot(serverPid: number | undefined): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  return {
    wallMs: performance.now(),
    selfMs: (user + system) / 1000,
    serverMs: serverPid === undefined ? undefined : processCpuMs(serverPid),
    machineMs: machineBusyMs(),
  };
}

export function cpuShares(from: CpuSnapshot, to: CpuSnapshot): CpuShares {
  const wall = to.wallMs - from.wallMs;
  const pct = (ms: number) => Math.round((Math.max(0, ms) / wall) * 100);
  const self = to.selfMs - from.selfMs;
  const server =
    to.serverMs !== undefined && from.serverMs !== undefined ? to.serverMs - from.serverMs : undefined;
  return {
    loadClientPct: pct(self),
    serverPct: server === undefined ? undefined : pct(server),
    otherPct: server === undefined ? undefined : pct(to.machineMs - from.machineMs - self - server),
  };
}
