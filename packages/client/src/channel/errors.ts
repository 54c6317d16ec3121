/** Why a command channel stopped for good. */
export type ChannelEndKind = 'closed' | 'ended' | 'replaced';

/**
 * The channel stopped for good: `closed` by `close()`, `ended` because the session did (close code 4000, or
 * the upgrade was refused with 110013/110018), or `replaced` by a newer connection for the session (4001).
 * Pending drives reject with it, and so does every later command.
 */
export class CommandChannelClosedError extends Error {
  readonly kind: ChannelEndKind;
  readonly reason: string;

  constructor(kind: ChannelEndKind, reason: string) {
    super(`command channel ${kind}${reason ? `: ${reason}` : ''}`);
    this.name = 'CommandChannelClosedError';
    this.kind = kind;
    this.reason = reason;
  }
}
