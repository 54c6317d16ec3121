import { SESSION_STATUS, type SessionStatus } from '@dhuman/protocol';

/**
 * The session lifecycle of spec §3.7 as an explicit table: a status may move only to the statuses listed for it.
 * 3 PREPARING → 1 READY (assets loaded) | 4 FAILED (load error or timeout) | 2 CLOSED (closed while preparing)
 * 1 READY     → 2 CLOSED (close, idle timeout, UserId takeover, restart)
 * 2 and 4 are terminal.
 */
const TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  [SESSION_STATUS.PREPARING]: [SESSION_STATUS.READY, SESSION_STATUS.FAILED, SESSION_STATUS.CLOSED],
  [SESSION_STATUS.READY]: [SESSION_STATUS.CLOSED],
  [SESSION_STATUS.CLOSED]: [],
  [SESSION_STATUS.FAILED]: [],
};

const NAMES: Readonly<Record<SessionStatus, string>> = {
  [SESSION_STATUS.READY]: 'READY',
  [SESSION_STATUS.CLOSED]: 'CLOSED',
  [SESSION_STATUS.PREPARING]: 'PREPARING',
  [SESSION_STATUS.FAILED]: 'FAILED',
};

export function statusName(status: SessionStatus): string {
  return NAMES[status];
}

/** Thrown for a transition the table forbids: a programming error, never a client's. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly sessionId: string,
    readonly from: SessionStatus,
    readonly to: SessionStatus,
  ) {
    super(`session ${sessionId} cannot go from ${statusName(from)} to ${statusName(to)}`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(sessionId: string, from: SessionStatus, to: SessionStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(sessionId, from, to);
}

/** Live sessions hold a concurrency slot and appear in list calls (spec §3.6). */
export function isLive(status: SessionStatus): boolean {
  return status === SESSION_STATUS.READY || status === SESSION_STATUS.PREPARING;
}

export function isTerminal(status: SessionStatus): boolean {
  return TRANSITIONS[status].length === 0;
}
