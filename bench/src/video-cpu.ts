import { readFileSync } from 'node:fs';

/**
 * CPU time of a process and of its finished children, from `/proc/<pid>/stat` (Linux). A video's CPU is split
 * between node (the render worker drawing frames, the main thread feeding them) and ffmpeg (encoding), a
 * child process whose time `process.cpuUsage()` does not count; it shows in the parent's cutime/cstime once
 * the child has exited and been reaped, which node does before it reports the exit.
 */

export interface ProcessCpu {
  /** utime + stime: every thread of the process (node's workers included). */
  ownMs: number;
  /** cutime + cstime: children that have exited (ffmpeg). */
  childrenMs: number;
}

/** `/proc/<pid>/stat` counts in USER_HZ ticks, which is 100 on every mainstream Linux build. */
const TICKS_PER_SEC = 100;

/** Undefined where /proc is unavailable (not Linux) or the process is gone. */
export function processCpu(pid: number | 'self'): ProcessCpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); utime, stime, cutime and cstime
    // are fields 14-17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (i: number) => (Number(fields[i]) * 1000) / TICKS_PER_SEC;
    return { ownMs: ms(11) + ms(12), childrenMs: ms(13) + ms(14) };
  } catch {
    return undefined;
  }
}

/** What was used between two readings; undefined when either is missing. */
export function cpuSpent(from: ProcessCpu | undefined, to: ProcessCpu | undefined): ProcessCpu | undefined {
  if (!from || !to) return undefined;
  return { ownMs: to.ownMs - from.ownMs, childrenMs: to.childrenMs - from.childrenMs };
}
