import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * CPU of a streaming server, which is more than its own process: each stream is an ffmpeg child (not in the
 * parent's /proc stat until it is reaped) and a render worker thread. A snapshot reads the server's threads
 * and every process descended from it from /proc (Linux only), plus this process (the load client, here the
 * WHEP viewers) and the whole machine, so a window says who used the two cores.
 */

/** `/proc/<pid>/stat` counts in USER_HZ ticks, which is 100 on every mainstream Linux build. */
const TICKS_PER_SEC = 100;
/** OS thread names the server's workers give themselves (packages/media render-worker.ts, speech espeak-worker.ts). */
const RENDER_THREAD = 'dhuman-render';
const TTS_THREAD = 'dhuman-tts';

interface Stat {
  name: string;
  ppid: number;
  cpuMs: number;
}

function readStat(path: string): Stat | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const close = text.lastIndexOf(')');
    // After the parenthesised name (which may hold spaces): state, ppid, …; utime and stime are fields 14 and 15.
    const fields = text.slice(close + 2).split(' ');
    return {
      name: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC,
    };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function numericEntries(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Every live process below `root` (children, grandchildren, …) with its CPU so far. */
function descendants(root: number): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const pid of numericEntries('/proc')) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) all.set(pid, stat);
  }
  const found = new Map<number, Stat>();
  let frontier = [root];
  while (frontier.length > 0) {
    const parents = new Set(frontier);
    frontier = [];
    for (const [pid, stat] of all) {
      if (parents.has(stat.ppid) && !found.has(pid)) {
        found.set(pid, stat);
        frontier.push(pid);
      }
    }
  }
  return found;
}

export interface TreeSnapshot {
  wallMs: number;
  selfMs: number;
  machineMs: number;
  /** The server process as a whole (all its threads, live or ended). */
  serverMs: number | undefined;
  /** The server's live threads by tid. */
  threads: Map<number, Stat>;
  /** The server's descendant processes by pid (its ffmpeg children). */
  children: Map<number, Stat>;
}

export function treeSnapshot(serverPid: number | undefined): TreeSnapshot {
  const { user, system } = process.cpuUsage();
  let machineMs = 0;
  for (const { times } of os.cpus()) machineMs += times.user + times.nice + times.sys + times.irq;
  const threads = new Map<number, Stat>();
  if (serverPid !== undefined) {
    for (const tid of numericEntries(`/proc/${serverPid}/task`)) {
      const stat = readStat(`/proc/${serverPid}/task/${tid}/stat`);
      if (stat) threads.set(tid, stat);
    }
  }
  return {
    wallMs: performance.now(),
    selfMs: (user + system) / 1000,
    machineMs,
    serverMs: serverPid === undefined ? undefined : readStat(`/proc/${serverPid}/stat`)?.cpuMs,
    threads,
    children: serverPid === undefined ? new Map<number, Stat>() : descendants(serverPid),
  };
}

/** Percent of one core over a window (100 = one core busy; the machine has 200). */
export interface TreeShares {
  /** Server process + its children: what the streams cost. */
  totalPct: number;
  /** The server's Node process, split below. */
  nodePct: number;
  /** The event-loop thread: HTTP, pumps, werift (SRTP, RTCP) for every viewer, drive playout. */
  mainPct: number;
  /** Render worker threads, summed, and the busiest one. */
  renderPct: number;
  renderMaxPct: number;
  /** espeak-ng worker threads. */
  ttsPct: number;
  /** Everything else in the Node process: V8 GC/JIT, libuv pool. */
  helpersPct: number;
  /** Child processes (ffmpeg), summed, the busiest one, and how many there were. */
  childrenPct: number;
  childMaxPct: number;
  children: number;
  /** This process: the WHEP viewers. */
  clientPct: number;
  /** The rest of the machine (other work on it): above 20 the window is noisy. */
  otherPct: number;
}

export function treeShares(serverPid: number | undefined, from: TreeSnapshot, to: TreeSnapshot): TreeShares {
  const wall = to.wallMs - from.wallMs;
  const pct = (ms: number) => Math.round((Math.max(0, ms) / wall) * 100);
  const used = (before: Map<number, Stat>, id: number, stat: Stat) =>
    stat.cpuMs - (before.get(id)?.cpuMs ?? 0);

  let main = 0;
  let tts = 0;
  const render: number[] = [];
  for (const [tid, stat] of to.threads) {
    // A thread new in the window counts from 0; one that ended in it is lost (none do while a step runs).
    const ms = used(from.threads, tid, stat);
    if (tid === serverPid) main += ms;
    else if (stat.name === RENDER_THREAD) render.push(ms);
    else if (stat.name === TTS_THREAD) tts += ms;
  }
  const node =
    to.serverMs !== undefined && from.serverMs !== undefined
      ? to.serverMs - from.serverMs
      : [...to.threads].reduce((sum, [tid, stat]) => sum + used(from.threads, tid, stat), 0);
  const children = [...to.children].map(([pid, stat]) => used(from.children, pid, stat));
  const childrenMs = children.reduce((a, b) => a + b, 0);
  const renderMs = render.reduce((a, b) => a + b, 0);
  const self = to.selfMs - from.selfMs;
  return {
    totalPct: pct(node + childrenMs),
    nodePct: pct(node),
    mainPct: pct(main),
    renderPct: pct(renderMs),
    renderMaxPct: pct(Math.max(0, ...render)),
    ttsPct: pct(tts),
    helpersPct: pct(node - main - renderMs - tts),
    childrenPct: pct(childrenMs),
    childMaxPct: pct(Math.max(0, ...children)),
    children: children.length,
    clientPct: pct(self),
    otherPct: pct(to.machineMs - from.machineMs - self - node - childrenMs),
  };
}
