import { describe, expect, it } from 'vitest';
import { barLine, formatElapsed, plainLine, ProgressDisplay } from './video-progress.js';

describe('progress lines', () => {
  it('draws a bar with percent, status, queue position and elapsed time', () => {
    const queued = barLine({ status: 'COMMIT', progress: 0, queueAhead: 2, elapsedMs: 3_200 }, 80);
    expect(queued).toMatch(/^\[░+\] {3}0 % {2}COMMIT {2}queued, 2 ahead {2}0:03$/);
    const making = barLine({ status: 'MAKING', progress: 50, queueAhead: 0, elapsedMs: 65_000 }, 60);
    expect(making.endsWith('  50 %  MAKING  1:05')).toBe(true);
    expect(making).toMatch(/^\[█+░+\] /);
    const bar = /\[(█*)(░*)\]/.exec(making);
    expect(Math.abs((bar?.[1]?.length ?? 0) - (bar?.[2]?.length ?? 99))).toBeLessThanOrEqual(1);
    expect(making.length).toBeLessThanOrEqual(60);
  });

  it('writes plain lines for logs', () => {
    expect(plainLine('t1', { status: 'COMMIT', progress: 0, queueAhead: 1, elapsedMs: 0 })).toBe(
      'task t1: COMMIT, 1 ahead in the queue (0:00)',
    );
    expect(plainLine('t1', { status: 'FAIL', progress: -1, queueAhead: 0, elapsedMs: 9_999 })).toBe(
      'task t1: FAIL (0:09)',
    );
    expect(formatElapsed(3_600_000)).toBe('60:00');
  });

  it('redraws one line on a terminal and writes a line per change (or every 5 s) otherwise', () => {
    const tty: string[] = [];
    const onTty = new ProgressDisplay({ write: (t: string) => tty.push(t), isTTY: true, columns: 80 }, 't');
    onTty.update({ status: 'MAKING', progress: 10, queueAhead: 0, elapsedMs: 0 });
    onTty.update({ status: 'MAKING', progress: 20, queueAhead: 0, elapsedMs: 500 });
    onTty.end();
    onTty.end();
    expect(tty.slice(0, 2).every((t) => t.startsWith('\r') && t.endsWith('\x1b[K'))).toBe(true);
    expect(tty.slice(2)).toEqual(['\n']);

    const log: string[] = [];
    const plain = new ProgressDisplay({ write: (t: string) => log.push(t) }, 't');
    for (const [status, elapsedMs] of [
      ['COMMIT', 0],
      ['MAKING', 500],
      ['MAKING', 1000],
      ['MAKING', 5600],
      ['SUCCESS', 5700],
    ] as const) {
      plain.update({ status, progress: 50, queueAhead: 0, elapsedMs });
    }
    plain.end();
    expect(log).toEqual([
      'task t: COMMIT, 0 ahead in the queue (0:00)\n',
      'task t: MAKING 50 % (0:00)\n',
      'task t: MAKING 50 % (0:05)\n',
      'task t: SUCCESS 50 % (0:05)\n',
    ]);
  });
});
