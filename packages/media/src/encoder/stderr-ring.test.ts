import { describe, expect, it } from 'vitest';
import { StderrRing } from './stderr-ring.js';

describe('StderrRing', () => {
  it('keeps the last lines across chunk boundaries, with the unterminated tail', () => {
    const ring = new StderrRing(3);
    ring.push('one\ntw');
    ring.push('o\r\nthree\n\nfour\nfi');
    expect(ring.snapshot()).toEqual(['three', 'four', 'fi']);
  });

  it('bounds line length, including a line that never ends', () => {
    const ring = new StderrRing(2, 5);
    ring.push('x'.repeat(100));
    ring.push('y'.repeat(100));
    expect(ring.snapshot()).toEqual(['xxxxx']);
    ring.push('\nabcdefgh\n');
    expect(ring.snapshot()).toEqual(['xxxxx', 'abcde']);
  });
});
