import { describe, expect, it } from 'vitest';
import { SESSION_STATUS } from '@dhuman/protocol';
import {
  assertTransition,
  canTransition,
  InvalidTransitionError,
  isLive,
  isTerminal,
} from './session-state.js';

const { READY, CLOSED, PREPARING, FAILED } = SESSION_STATUS;

describe('session state table', () => {
  it('allows exactly the transitions of spec §3.7', () => {
    const allowed = [
      [PREPARING, READY],
      [PREPARING, FAILED],
      [PREPARING, CLOSED],
      [READY, CLOSED],
    ];
    for (const from of [READY, CLOSED, PREPARING, FAILED]) {
      for (const to of [READY, CLOSED, PREPARING, FAILED]) {
        const expected = allowed.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it('throws a named error for a forbidden transition', () => {
    expect(() => assertTransition('m1', CLOSED, READY)).toThrow(InvalidTransitionError);
    expect(() => assertTransition('m1', CLOSED, READY)).toThrow('session m1 cannot go from CLOSED to READY');
    expect(() => assertTransition('m1', PREPARING, READY)).not.toThrow();
  });

  it('counts preparing and ready sessions as live, closed and failed as terminal', () => {
    expect([READY, PREPARING].every(isLive)).toBe(true);
    expect([CLOSED, FAILED].some(isLive)).toBe(false);
    expect([CLOSED, FAILED].every(isTerminal)).toBe(true);
    expect([READY, PREPARING].some(isTerminal)).toBe(false);
  });
});
