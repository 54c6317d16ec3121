/**
 * The two timeouts of a streamed answer: from the request to the first token, then between tokens. Time the
 * consumer spends on a yielded chunk does not count, so the clock runs only while reading.
 */
export class TokenClock {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private since = Date.now();
  private started = false;

  constructor(
    private readonly firstTokenMs: number,
    private readonly idleMs: number,
    private readonly onTimeout: (message: string) => void,
  ) {}

  /** Starts (or continues) waiting for the next token. */
  arm(): void {
    this.disarm();
    const limit = this.started ? this.idleMs : this.firstTokenMs;
    const message = this.started
      ? `no token for ${this.idleMs} ms in the answer`
      : `no first token within ${this.firstTokenMs} ms`;
    this.timer = setTimeout(() => this.onTimeout(message), Math.max(0, limit - (Date.now() - this.since)));
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  tokenArrived(): void {
    this.started = true;
    this.since = Date.now();
  }
}
