import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { FfmpegEncoderError } from './encoder-error.js';
import { buildFfmpegArgs, rawFrameBytes, type FfmpegArgsOptions } from './ffmpeg-args.js';
import { InputPipe } from './input-pipe.js';
import { StderrRing } from './stderr-ring.js';
import { floatSampleBytes, wavStreamHeader } from './wav-stream.js';

export interface FfmpegEncoderOptions extends FfmpegArgsOptions {
  /** The ffmpeg binary; default `ffmpeg` on PATH. */
  command?: string;
}

/** How ffmpeg ended. `expected` is true after `end()` or `close()`, false when it died on its own. */
export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
}

export interface FfmpegEncoderEvents {
  /** ffmpeg died while running (killed, crashed, RTMP push refused or dropped). Not emitted after end()/close(). */
  error: [FfmpegEncoderError];
  /** The process has exited and been reaped; emitted once per encoder whose process spawned. */
  exit: [FfmpegExit];
}

type State = 'idle' | 'running' | 'ending' | 'closing' | 'exited';

/** How long `close()` waits after SIGTERM (ffmpeg then finalises its output) before SIGKILL. */
const DEFAULT_KILL_GRACE_MS = 1_000;
/** How long `end()` waits for ffmpeg to flush and exit; flushing takes well under a second at our sizes. */
const DEFAULT_END_TIMEOUT_MS = 10_000;

/**
 * One ffmpeg child process fed raw frames (stdin; straight-alpha RGBA, or I420, see `VideoInputFormat.pixelFormat`)
 * and mono PCM (fd 3, sent as an endless float WAV), encoding to one target.
 *
 * Lifecycle: `start()` once, then `writeFrame`/`writeAudio`, then `end()` (clean finish) or `close()` (kill).
 * Listen for `error` before `start()`: like any EventEmitter, an `error` with no listener throws.
 *
 * Backpressure: each input allows one write in flight (see {@link InputPipe}). ffmpeg reads both inputs and needs
 * both to advance, so feed them side by side (`await Promise.all([writeFrame(f), writeAudio(a)])`, or two
 * independent loops); never wait for one input's write while the other lags far behind.
 */
export class FfmpegEncoder extends EventEmitter<FfmpegEncoderEvents> {
  private state: State = 'idle';
  private child: ChildProcess | undefined;
  private video: InputPipe | undefined;
  private audio: InputPipe | undefined;
  private frameBytes = 0;
  private readonly ring = new StderrRing();
  private exited: Promise<FfmpegExit> | undefined;
  private failure: FfmpegEncoderError | undefined;
  private ending: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** The child's pid while it runs (kept after exit, for diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** The last lines ffmpeg wrote to stderr, oldest first. */
  stderrLines(): string[] {
    return this.ring.snapshot();
  }

  /** Spawns ffmpeg; resolves once the process runs. Rejects with `spawn_failed` or `RangeError` (bad format). */
  async start(options: FfmpegEncoderOptions): Promise<void> {
    if (this.state !== 'idle') throw new FfmpegEncoderError('not_running', 'start() may be called only once');
    const args = buildFfmpegArgs(options);
    this.frameBytes = rawFrameBytes(options.video);
    this.state = 'running';
    const child = spawn(options.command ?? 'ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stderr = child.stderr as Readable;
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => this.ring.push(text));
    this.video = new InputPipe(child.stdin as Writable, 'video (stdin)');
    const audio = child.stdio[3] as Writable;
    this.audio = new InputPipe(audio, 'audio (fd 3)');
    // Queued by the stream ahead of the first samples (after InputPipe, which handles the pipe's errors).
    audio.write(wavStreamHeader(options.audio.sampleRate));

    let spawnError: Error | undefined;
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => resolve(this.onClose(code, signal)));
      child.on('error', (err) => {
        // Emitted for a failed spawn (then 'close' may never come) or a failed kill (harmless: it was dead).
        if (child.pid === undefined) {
          spawnError = err;
          resolve(this.onClose(null, null));
        }
      });
    });
    await new Promise<void>((resolve) => {
      child.once('spawn', resolve);
      void this.exited?.then(() => resolve());
    });
    if (spawnError !== undefined) {
      throw new FfmpegEncoderError('spawn_failed', `could not start ${options.command ?? 'ffmpeg'}`, {
        cause: spawnError,
      });
    }
  }

  /**
   * Writes one frame of exactly width × height × 4 bytes (1.5 for yuv420p); resolves when ffmpeg's pipe has taken it.
   */
  writeFrame(rgba: Uint8Array): Promise<void> {
    if (this.state !== 'running' || this.video === undefined) return Promise.reject(this.notRunning());
    if (rgba.byteLength !== this.frameBytes) {
      return Promise.reject(
        new RangeError(`frame has ${rgba.byteLength} bytes, expected ${this.frameBytes}`),
      );
    }
    return this.video.write(rgba);
  }

  /** Writes mono PCM samples at the configured rate; resolves when ffmpeg's pipe has taken them. */
  writeAudio(pcm: Int16Array): Promise<void> {
    if (this.state !== 'running' || this.audio === undefined) return Promise.reject(this.notRunning());
    if (pcm.length === 0) return Promise.resolve();
    return this.audio.write(floatSampleBytes(pcm));
  }

  /**
   * Closes both inputs and waits for ffmpeg to finish the output. Resolves when it exits 0; rejects with a
   * {@link FfmpegEncoderError} (`exited`, `killed`, `timeout`, `not_running`) carrying the last stderr lines.
   */
  end(timeoutMs = DEFAULT_END_TIMEOUT_MS): Promise<void> {
    if (this.ending !== undefined) return this.ending;
    if (this.state !== 'running') {
      return Promise.reject(this.failure ?? this.notRunning());
    }
    this.state = 'ending';
    this.video?.end();
    this.audio?.end();
    this.ending = this.finish(timeoutMs);
    return this.ending;
  }

  /**
   * Stops ffmpeg now: SIGTERM (it finalises what it can), then SIGKILL after `graceMs`. Resolves once the process
   * has exited and been reaped. Idempotent; never rejects; no `error` event follows.
   */
  close(graceMs = DEFAULT_KILL_GRACE_MS): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const child = this.child;
    const exited = this.exited;
    if (this.state === 'idle' || this.state === 'exited' || child === undefined || exited === undefined) {
      this.state = 'exited';
      this.closing = exited?.then(() => undefined) ?? Promise.resolve();
      return this.closing;
    }
    this.state = 'closing';
    this.video?.destroy();
    this.audio?.destroy();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    this.closing = exited.then(() => clearTimeout(timer));
    return this.closing;
  }

  private async finish(timeoutMs: number): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (child === undefined || exited === undefined) throw this.notRunning();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const exit = await exited;
    clearTimeout(timer);
    if (timedOut) {
      throw new FfmpegEncoderError('timeout', `ffmpeg did not finish within ${timeoutMs} ms of end()`, {
        exitCode: exit.code,
        signal: exit.signal,
        stderr: this.ring.snapshot(),
      });
    }
    if (exit.code !== 0) throw this.exitError(exit.code, exit.signal);
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): FfmpegExit {
    const unexpected = this.state === 'running';
    this.state = 'exited';
    this.video?.destroy();
    this.audio?.destroy();
    const exit: FfmpegExit = { code, signal, expected: !unexpected };
    if (unexpected && this.child?.pid !== undefined) {
      this.failure = this.exitError(code, signal);
      this.emit('error', this.failure);
    }
    if (this.child?.pid !== undefined) this.emit('exit', exit);
    return exit;
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): FfmpegEncoderError {
    const stderr = this.ring.snapshot();
    return signal !== null
      ? new FfmpegEncoderError('killed', `ffmpeg was killed by ${signal}`, { signal, stderr })
      : new FfmpegEncoderError('exited', `ffmpeg exited with code ${code}`, { exitCode: code, stderr });
  }

  private notRunning(): FfmpegEncoderError {
    return new FfmpegEncoderError('not_running', `ffmpeg encoder is ${this.state}`);
  }
}
