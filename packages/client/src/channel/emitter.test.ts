import { afterEach, describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from './emitter.js';

class Emitter extends TypedEmitter<{ tick: [n: number]; done: [] }> {
  fire(n: number) {
    this.emit('tick', n);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TypedEmitter', () => {
  it('calls listeners in order until removed; once() fires a single time', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    const off = emitter.on('tick', (n) => seen.push(`a${n}`));
    emitter.once('tick', (n) => seen.push(`b${n}`));
    emitter.fire(1);
    off();
    emitter.fire(2);
    expect(seen).toEqual(['a1', 'b1']);
  });

  it('keeps calling the other listeners when one throws, and rethrows its error later', async () => {
    const emitter = new Emitter();
    const rethrown: unknown[] = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      try {
        task();
      } catch (error) {
        rethrown.push(error);
      }
    });
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('listener bug');
    });
    emitter.on('tick', (n) => seen.push(n));
    emitter.fire(3);
    await Promise.resolve();
    expect(seen).toEqual([3]);
    expect(rethrown).toEqual([new Error('listener bug')]);
  });
});
