import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { RENDER_THREAD_NAME } from '@dhuman/media';

/** Live child processes of this process running `command` (from /proc: what a leak would leave behind). */
export function childProcesses(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === command && Number(ppid) === process.pid && state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Threads of this process whose name is the render worker's. */
export function renderThreads(): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === RENDER_THREAD_NAME) n++;
    } catch {
      // thread ended
    }
  }
  return n;
}

/** UDP sockets this process holds (its fds that are sockets listed in /proc/net/udp), e.g. the RTP fan-out's. */
export function udpSocketCount(): number {
  const udp = new Set(
    readFileSync('/proc/net/udp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[9])
      .filter(Boolean),
  );
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && udp.has(inode)) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** Whether a UDP socket is bound to this local port (from /proc/net/udp), e.g. one of a stream's RTP ports. */
export function udpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex));
}
