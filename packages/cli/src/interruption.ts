/**
 * Ctrl-C for a long-running command: the first press aborts `signal`, so the command stops what it started and
 * cleans up; a second press exits at once.
 */
export class Interruption {
  readonly #controller = new AbortController();
  readonly #onSigint = () => {
    if (this.#controller.signal.aborted) process.exit(130);
    this.#controller.abort(new Error('interrupted'));
  };

  constructor() {
    process.on('SIGINT', this.#onSigint);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    process.off('SIGINT', this.#onSigint);
  }
}
