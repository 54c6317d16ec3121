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

/** The UDP sockets in /proc/net/udp: local address (hex `ip:port`) by inode. */
function udpSockets(): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[9] && fields[1]) byInode.set(fields[9], fields[1]);
  }
  return byInode;
}

/** Inodes of the sockets this process holds open. */
function ownSocketInodes(): string[] {
  const inodes: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode) inodes.push(inode);
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}

/** UDP sockets this process holds (what a leak of RTP sockets would raise). */
export function udpSocketCount(): number {
  const udp = udpSockets();
  return ownSocketInodes().filter((inode) => udp.has(inode)).length;
}

/**
 * Whether this process holds a UDP socket bound to this local port, e.g. one of a stream's RTP ports. Only this
 * process's sockets count: test files run side by side in other processes, and one of them may bind the same
 * port number as soon as a stream has released it (a CI run once failed on exactly that).
 */
export function udpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const udp = udpSockets();
  return ownSocketInodes().some((inode) => udp.get(inode)?.endsWith(hex) === true);
}
