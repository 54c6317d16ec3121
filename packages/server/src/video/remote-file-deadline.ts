/**
 * One abort signal for a transfer to or from a customer's server, aborted by the caller's signal or when the
 * whole transfer outlasts its time limit; afterwards it tells which of the two happened.
 */
export class TransferDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  private readonly onAbort = () => this.controller.abort(this.caller?.reason);

  constructor(
    readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError(`bad timeoutMs ${timeoutMs}`);
    caller?.throwIfAborted();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, timeoutMs);
    caller?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Give this to fetch / the SDK. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller aborted: report its reason rather than whatever the transfer failed with. */
  get callerAborted(): boolean {
    return this.caller?.aborted ?? false;
  }

  get callerReason(): unknown {
    return this.caller?.reason as unknown;
  }

  get timedOut(): boolean {
    return this.expired && !this.callerAborted;
  }

  /** Drops the connection (a body not read to its end would otherwise keep it busy). */
  abort(): void {
    this.controller.abort();
  }

  /** Call when the transfer is over, however it ended. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onAbort);
  }
}
