import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of each thread of the server child, from `/proc/<pid>/task/<tid>/stat` (Linux only), to tell the
 * event-loop thread from the speech worker threads. The main thread's id is the pid; the speech workers name
 * their OS threads `dhuman-tts` (the pool's worker script does); every other thread is a helper: V8's platform
 * threads (GC, JIT) and libuv's pool, which Node leaves named `node`.
 */

const TICKS_PER_SEC = 100;
/** The thread name the server's espeak-ng workers give themselves (packages/speech espeak-worker.ts). */
const WORKER_THREAD_NAME = 'dhuman-tts';

interface ThreadTime {
  /** User + system CPU ms. */
  cpuMs: number;
  worker: boolean;
}

/** Thread id → CPU time; empty when /proc is unavailable or the process is gone. */
export function threadCpuMs(pid: number | undefined): Map<number, ThreadTime> {
  const result = new Map<number, ThreadTime>();
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
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(tid), {
        cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC,
        worker: name === WORKER_THREAD_NAME,
      });
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
  /** The speech (espeak-ng) worker threads. */
  workersPct: number;
  /** Every other thread: V8 GC/compiler helpers, libuv pool. */
  helpersPct: number;
  /** The busiest worker threads, for spotting one that does all the work. */
  perWorkerPct: number[];
}

type Snapshot = { wallMs: number; threads: Map<number, ThreadTime> };

export class ThreadWatch {
  constructor(private readonly pid: number | undefined) {}

  snapshot(): Snapshot {
    return { wallMs: performance.now(), threads: threadCpuMs(this.pid) };
  }

  shares(from: Snapshot, to: Snapshot): ThreadShares | undefined {
    if (to.threads.size === 0) return undefined;
    const wall = to.wallMs - from.wallMs;
    const pct = (ms: number) => Math.round((Math.max(0, ms) / wall) * 100);
    let main = 0;
    let helpers = 0;
    const workers: number[] = [];
    for (const [tid, time] of to.threads) {
      const used = time.cpuMs - (from.threads.get(tid)?.cpuMs ?? 0);
      if (tid === this.pid) main += used;
      else if (time.worker) workers.push(used);
      else helpers += used;
    }
    return {
      mainPct: pct(main),
      workersPct: pct(workers.reduce((a, b) => a + b, 0)),
      helpersPct: pct(helpers),
      perWorkerPct: workers.sort((a, b) => b - a).map(pct),
    };
  }
}
