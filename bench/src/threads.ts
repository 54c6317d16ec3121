import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of each thread of the server child, from `/proc/<pid>/task/<tid>/stat` (Linux only), to tell the
 * event-loop thread from the speech worker threads. Node 20 leaves every thread named `node`, so threads are
 * told apart by when they appeared: the main thread's id is the pid; the threads that exist when the banner is
 * printed are V8's platform threads (GC, JIT) and libuv's pool; the speech worker pool starts with the first
 * session's preparation, so threads that appear after the banner are those workers.
 */

const TICKS_PER_SEC = 100;

/** Thread id → CPU ms (user + system); empty when /proc is unavailable or the process is gone. */
export function threadCpuMs(pid: number | undefined): Map<number, number> {
  const result = new Map<number, number>();
  if (pid === undefined) return result;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return result;
}

/** Percent of one core per group of threads over an interval. */
export interface ThreadShares {
  /** The event-loop thread (tid = pid): HTTP, WebSocket, drive scheduling, playout ticks. */
  mainPct: number;
  /** Threads started after the banner: the speech (espeak-ng) worker threads. */
  workersPct: number;
  /** Threads present at the banner other than main: V8 GC/compiler helpers, libuv pool. */
  helpersPct: number;
  /** The busiest worker threads, for spotting one that does all the work. */
  perWorkerPct: number[];
}

export class ThreadWatch {
  private readonly atBanner: ReadonlySet<number>;

  constructor(private readonly pid: number | undefined) {
    this.atBanner = new Set(threadCpuMs(pid).keys());
  }

  snapshot(): { wallMs: number; threads: Map<number, number> } {
    return { wallMs: performance.now(), threads: threadCpuMs(this.pid) };
  }

  shares(
    from: { wallMs: number; threads: Map<number, number> },
    to: { wallMs: number; threads: Map<number, number> },
  ): ThreadShares | undefined {
    if (to.threads.size === 0) return undefined;
    const wall = to.wallMs - from.wallMs;
    const pct = (ms: number) => Math.round((Math.max(0, ms) / wall) * 100);
    let main = 0;
    let helpers = 0;
    const workers: number[] = [];
    for (const [tid, ms] of to.threads) {
      const used = ms - (from.threads.get(tid) ?? 0);
      if (tid === this.pid) main += used;
      else if (this.atBanner.has(tid)) helpers += used;
      else workers.push(used);
    }
    return {
      mainPct: pct(main),
      workersPct: pct(workers.reduce((a, b) => a + b, 0)),
      helpersPct: pct(helpers),
      perWorkerPct: workers.sort((a, b) => b - a).map(pct),
    };
  }
}
