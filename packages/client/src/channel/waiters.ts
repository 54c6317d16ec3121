import type { DriveEventPayload, DriveTimings, IvhError, SPEAK_STATUS } from '@dhuman/protocol';

/** How a drive (one ReqId) ended. */
export interface SayResult {
  reqId: string;
  /** Every event of this ReqId, in arrival order: the input echo, content and speak-status events. */
  events: DriveEventPayload[];
  /** dhuman's per-stage timings, from the TextStart or AudioStart event (absent from other servers). */
  timings?: DriveTimings;
  /** With AudioOver: 1 the final packet came from us, 2 the server ended the utterance after a timeout. */
  finalType?: 1 | 2;
}

/** The speak status that finishes a drive: TextOver for SEND_TEXT and SEND_STREAMTEXT, AudioOver for audio. */
export type DoneStatus = typeof SPEAK_STATUS.TEXT_OVER | typeof SPEAK_STATUS.AUDIO_OVER;

interface Waiter {
  done: DoneStatus;
  events: DriveEventPayload[];
  timings: DriveTimings | undefined;
  resolve: (result: SayResult) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/**
 * The drives a caller awaits, by ReqId. Each collects its events until its done status (resolve) or an error
 * event for its ReqId (reject). An error event with an empty ReqId fails every waiter: the server uses it for
 * a frame it could not attribute (e.g. one dropped by its rate limit), which may have been any of ours, and
 * a drive whose frame was dropped would otherwise wait forever.
 */
export class Waiters {
  readonly #waiters = new Map<string, Waiter>();

  /** Registers `reqId` (before its command is sent, so no event can slip past) and resolves when it is done. */
  wait(reqId: string, done: DoneStatus, signal?: AbortSignal): Promise<SayResult> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#waiters.has(reqId)) return Promise.reject(new Error(`ReqId ${reqId} is already awaited`));
    return new Promise<SayResult>((resolve, reject) => {
      const onAbort = () => this.fail(reqId, signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const detach = () => signal?.removeEventListener('abort', onAbort);
      this.#waiters.set(reqId, { done, events: [], timings: undefined, resolve, reject, detach });
    });
  }

  has(reqId: string): boolean {
    return this.#waiters.has(reqId);
  }

  /** Feeds one downstream event; `error` is what the frame reports, if anything. */
  deliver(event: DriveEventPayload, error: IvhError | undefined): void {
    if (error && event.ReqId === '') {
      this.failAll(error);
      return;
    }
    const waiter = this.#waiters.get(event.ReqId);
    if (!waiter) return;
    waiter.events.push(event);
    waiter.timings ??= event.Timings;
    if (error) {
      this.fail(event.ReqId, error);
    } else if (event.SpeakStatus === waiter.done) {
      this.#resolve(event.ReqId, waiter, event.FinalType);
    }
  }

  /** Resolves `reqId` with what it has collected: for a drive that turned out to have nothing to send. */
  finish(reqId: string): void {
    const waiter = this.#waiters.get(reqId);
    if (waiter) this.#resolve(reqId, waiter, undefined);
  }

  fail(reqId: string, error: unknown): void {
    const waiter = this.#waiters.get(reqId);
    if (!waiter) return;
    this.#settle(reqId, waiter);
    waiter.reject(error);
  }

  failAll(error: unknown): void {
    for (const reqId of [...this.#waiters.keys()]) this.fail(reqId, error);
  }

  #resolve(reqId: string, waiter: Waiter, finalType: 1 | 2 | undefined): void {
    this.#settle(reqId, waiter);
    waiter.resolve({
      reqId,
      events: waiter.events,
      ...(waiter.timings && { timings: waiter.timings }),
      ...(finalType !== undefined && { finalType }),
    });
  }

  #settle(reqId: string, waiter: Waiter): void {
    this.#waiters.delete(reqId);
    waiter.detach();
  }
}
