import type { Writable } from 'node:stream';
import { FfmpegEncoderError } from './encoder-error.js';

/**
 * One ffmpeg input pipe (stdin for video, fd 3 for audio) with a fixed backpressure policy: **one write in flight
 * per pipe**. `write()` resolves when the whole chunk has been handed to the OS pipe (the stream's write callback),
 * so the caller may then reuse or mutate its buffer (a canvas' `data()` view, say), and memory held per pipe is
 * at most one chunk. A second write before the first resolved rejects with `write_pending` instead of queueing:
 * nothing is ever buffered without bound, and a caller that outruns ffmpeg waits on the promise.
 *
 * If ffmpeg goes away, pending and later writes reject with `not_running` (the reason comes through the encoder's
 * `error` event or `end()`); the pipe's own EPIPE errors are swallowed here so they never become uncaught.
 */
export class InputPipe {
  private pending = false;

  constructor(
    private readonly stream: Writable,
    private readonly name: string,
  ) {
    stream.on('error', () => {
      // EPIPE / ERR_STREAM_DESTROYED after ffmpeg exited: reported through the write callbacks and the exit.
    });
  }

  get busy(): boolean {
    return this.pending;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.pending) {
      return Promise.reject(
        new FfmpegEncoderError(
          'write_pending',
          `${this.name}: wait for the previous write before writing again`,
        ),
      );
    }
    if (this.stream.destroyed || this.stream.writableEnded) {
      return Promise.reject(
        new FfmpegEncoderError('not_running', `${this.name}: ffmpeg is not reading this input`),
      );
    }
    this.pending = true;
    return new Promise((resolve, reject) => {
      this.stream.write(chunk, (err) => {
        this.pending = false;
        if (err) {
          reject(
            new FfmpegEncoderError('not_running', `${this.name}: ffmpeg stopped reading this input`, {
              cause: err,
            }),
          );
        } else {
          resolve();
        }
      });
    });
  }

  /** Signals end of input; ffmpeg finishes once both inputs are closed. */
  end(): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  /** Drops anything unwritten; pending writes reject. */
  destroy(): void {
    this.stream.destroy();
  }
}
