/**
 * A minimal typed event emitter that runs in browsers and Node alike (no `node:events`). `Events` maps each
 * event name to its listener's argument list.
 */
export type Listener<Args extends unknown[]> = (...args: Args) => void;

export class TypedEmitter<Events extends { [name: string]: unknown[] }> {
  // Stored untyped: one map holds listeners of every event; `on` and `emit` restore each one's type.
  readonly #listeners = new Map<keyof Events, Set<unknown>>();

  /** Adds a listener and returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  /** Adds a listener that removes itself after its first call. */
  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  /**
   * Calls every listener of `name` in the order added. A listener that throws does not stop the others or
   * the emitter's owner mid-update: its error is rethrown from a microtask, where it surfaces as an uncaught
   * error (as a throwing `EventEmitter` listener would) instead of corrupting the channel's state.
   */
  protected emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
