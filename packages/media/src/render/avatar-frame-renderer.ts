import { Worker } from 'node:worker_threads';
import type { AvatarManifest } from '@dhuman/avatar';
import type { FramePixelFormat, RenderReply, RenderRequest } from './render-worker.js';
import { renderWorkerUrl } from './render-worker.js';
import { releaseRenderWorker, takeRenderWorker } from './render-worker-pool.js';

export type { FramePixelFormat } from './render-worker.js';

/** Frames in flight when `maxInFlight` is not given: enough to overlap messaging with drawing, no more. */
export const DEFAULT_MAX_IN_FLIGHT = 3;

/** How long `create` waits for the worker to load the canvas and the avatar (cold start measured well under 1 s). */
export const RENDER_WORKER_START_TIMEOUT_MS = 10_000;

/**
 * - `RENDER_BUSY`: `maxInFlight` frames are already pending; this frame was refused (nothing was queued).
 * - `RENDER_CLOSED`: the renderer was closed before or while the frame was pending.
 * - `RENDER_FAILED`: the worker failed (draw error, crash, exit); the renderer is unusable from then on.
 */
export type AvatarRenderErrorCode = 'RENDER_BUSY' | 'RENDER_CLOSED' | 'RENDER_FAILED';

export class AvatarRenderError extends Error {
  readonly code: AvatarRenderErrorCode;

  constructor(code: AvatarRenderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AvatarRenderError';
    this.code = code;
  }
}

export interface AvatarFrameRendererOptions {
  manifest: AvatarManifest;
  /** Output size in pixels; the avatar is scaled to fit (see `AvatarRenderer.draw`). */
  width: number;
  height: number;
  /** Frames pending at once before `render` refuses with `RENDER_BUSY` (default `DEFAULT_MAX_IN_FLIGHT`). */
  maxInFlight?: number;
  /**
   * How frames come back (see `FramePixelFormat`); default `rgba`. `yuv420p` only for an opaque background, and
   * an even width and height.
   */
  pixelFormat?: FramePixelFormat;
  /**
   * Take a loaded worker from the pool and give it back on a clean `close` (no frame in flight), instead of
   * starting and ending a thread (see `render-worker-pool.ts`). For short-lived renderers made one after another
   * (videos); default false.
   */
  reuseWorker?: boolean;
  /** Called once when the renderer fails (not on close), so a session can fail without a render pending. */
  onFault?: (error: AvatarRenderError) => void;
  /** Used in error messages (e.g. the session id). */
  label?: string;
}

/** One frame to draw: mouth weights in `BLENDSHAPE_NAMES` order (null = rest) and the idle-motion time. */
export interface RenderFrame {
  weights: Float32Array | null;
  timeSec: number;
}

export type AvatarFrameRendererState = 'ready' | 'failed' | 'closed';

interface Pending {
  resolve: (rgba: Uint8Array) => void;
  reject: (error: AvatarRenderError) => void;
}

/**
 * Draws avatar frames on one worker thread, off the event loop: one renderer per stream.
 *
 * Frames come back as width×height pixels, rows top down, in `pixelFormat`: RGBA (4 bytes, straight alpha as
 * ffmpeg reads it, which differs from the canvas's premultiplied pixels only where the background is not
 * opaque) or planar YUV 4:2:0 (1.5 bytes), in a buffer moved (not copied) from the worker. At most `maxInFlight` frames are
 * pending; when full, `render` rejects at once with `RENDER_BUSY` instead of queueing, because a stream paced by
 * the media clock would rather skip (repeat its last frame) than fall further behind. Frames complete in the
 * order they were asked for.
 *
 * A fault in the worker rejects every pending frame with `RENDER_FAILED`, terminates the worker, calls `onFault`
 * and leaves the renderer `failed`: later renders reject too. It never throws into the process, so a renderer
 * fault fails only its own session.
 */
export class AvatarFrameRenderer {
  readonly width: number;
  readonly height: number;
  readonly maxInFlight: number;
  readonly pixelFormat: FramePixelFormat;
  readonly label: string;

  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  /** Frames handed back by `recycle`, to go back to the worker with the next requests. */
  readonly #spare: ArrayBuffer[] = [];
  /** The buffers of frames this worker sent, so that `recycle` takes back only its own. */
  readonly #sent = new WeakSet<ArrayBuffer>();
  readonly #exited: Promise<void>;
  #markExited: () => void = () => undefined;
  readonly #reuseWorker: boolean;
  readonly #onFault: ((error: AvatarRenderError) => void) | undefined;
  #nextId = 1;
  #state: AvatarFrameRendererState = 'ready';
  #failure: AvatarRenderError | undefined;
  #threadId: number;
  #closing: Promise<void> | undefined;

  /**
   * Starts the worker (or takes a loaded one, with `reuseWorker`) and resolves once it has set up the avatar;
   * rejects if it cannot.
   */
  static async create(options: AvatarFrameRendererOptions): Promise<AvatarFrameRenderer> {
    const renderer = new AvatarFrameRenderer(options);
    await renderer.#ready();
    return renderer;
  }

  private constructor(options: AvatarFrameRendererOptions) {
    const { manifest, width, height } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`avatar frame size must be positive integers, got ${width}×${height}`);
    }
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    }
    this.width = width;
    this.height = height;
    const pixelFormat = options.pixelFormat ?? 'rgba';
    if (pixelFormat !== 'rgba' && pixelFormat !== 'yuv420p') {
      throw new RangeError(`pixelFormat must be rgba or yuv420p, got ${JSON.stringify(pixelFormat)}`);
    }
    if (pixelFormat === 'yuv420p' && (width % 2 !== 0 || height % 2 !== 0)) {
      throw new RangeError(`yuv420p frames need an even width and height, got ${width}×${height}`);
    }
    this.maxInFlight = maxInFlight;
    this.pixelFormat = pixelFormat;
    this.label = options.label ?? 'avatar-renderer';
    this.#onFault = options.onFault;
    this.#reuseWorker = options.reuseWorker ?? false;
    this.#worker = this.#reuseWorker ? takeRenderWorker() : new Worker(renderWorkerUrl());
    this.#threadId = this.#worker.threadId;
    this.#exited = new Promise((resolve) => (this.#markExited = resolve));
    this.#worker.on('message', this.#onMessage);
    this.#worker.on('error', this.#onError);
    this.#worker.on('messageerror', this.#onMessageError);
    this.#worker.once('exit', this.#onExit);
    const request: RenderRequest = { type: 'configure', config: { manifest, width, height, pixelFormat } };
    this.#worker.postMessage(request);
  }

  readonly #onMessage = (reply: RenderReply): void => this.#onReply(reply);
  readonly #onError = (error: unknown): void =>
    this.#fail(`worker error: ${error instanceof Error ? error.message : String(error)}`, error);
  readonly #onMessageError = (error: Error): void =>
    this.#fail(`worker message error: ${error.message}`, error);
  readonly #onExit = (code: number): void => {
    this.#threadId = -1;
    // A close exits on purpose; any other exit (after an error too, which #fail reported first) is a fault.
    if (this.#state === 'ready') this.#fail(`worker exited unexpectedly (code ${code})`);
    this.#markExited();
  };

  get state(): AvatarFrameRendererState {
    return this.#state;
  }

  /** Why the renderer failed, once it has. */
  get failure(): AvatarRenderError | undefined {
    return this.#failure;
  }

  /** Frames asked for and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** The worker's thread id, or -1 once it has exited. */
  get threadId(): number {
    return this.#threadId;
  }

  /** Draws one frame; resolves with its RGBA (see the class comment for the in-flight limit and faults). */
  render(frame: RenderFrame): Promise<Uint8Array> {
    if (this.#state === 'closed') return Promise.reject(this.#error('RENDER_CLOSED', 'renderer is closed'));
    if (this.#state === 'failed') {
      return Promise.reject(
        this.#error('RENDER_FAILED', `renderer has failed: ${this.#failure?.message}`, this.#failure),
      );
    }
    if (this.#pending.size >= this.maxInFlight) {
      return Promise.reject(this.#error('RENDER_BUSY', `${this.maxInFlight} frames already in flight`));
    }
    const id = this.#nextId++;
    const buffer = this.#spare.pop();
    const request: RenderRequest = { type: 'draw', id, weights: frame.weights, timeSec: frame.timeSec };
    if (buffer) request.buffer = buffer;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // The weights (17 floats) are copied, not transferred: the caller may keep its array. A recycled buffer
      // is moved.
      this.#worker.postMessage(request, buffer ? [buffer] : []);
    });
  }

  /**
   * Hands back a frame this renderer drew, once the caller is done with it (ffmpeg has taken it, say) and has
   * not changed it: a later frame is drawn into it, which saves allocating and filling a new buffer (and the
   * garbage of one per frame). The caller must not touch `rgba` afterwards. Optional: frames not handed back
   * are simply collected. Anything that is not a frame it drew (another renderer's, a copy) is ignored.
   */
  recycle(rgba: Uint8Array): void {
    const { buffer } = rgba;
    if (this.#state !== 'ready' || !(buffer instanceof ArrayBuffer) || !this.#sent.has(buffer)) return;
    this.#sent.delete(buffer);
    if (this.#spare.length < this.maxInFlight) this.#spare.push(buffer);
  }

  /**
   * Rejects pending frames with `RENDER_CLOSED` and terminates the worker; resolves when it has exited. With
   * `reuseWorker`, a worker with no frame in flight goes back to the pool instead, at once: an answer still on
   * its way could not be told apart from the next renderer's.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const clean = this.#state === 'ready' && this.#pending.size === 0;
    if (this.#state === 'ready') this.#state = 'closed';
    if (clean && this.#reuseWorker) {
      this.#detach();
      releaseRenderWorker(this.#worker);
      this.#threadId = -1;
      this.#markExited();
      this.#closing = this.#exited;
      return this.#closing;
    }
    this.#rejectAll(this.#error('RENDER_CLOSED', 'renderer closed'));
    this.#closing = this.#worker.terminate().then(
      () => this.#exited,
      () => this.#exited,
    );
    return this.#closing;
  }

  #detach(): void {
    this.#worker.off('message', this.#onMessage);
    this.#worker.off('error', this.#onError);
    this.#worker.off('messageerror', this.#onMessageError);
    this.#worker.off('exit', this.#onExit);
  }

  #ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(`worker did not start within ${RENDER_WORKER_START_TIMEOUT_MS} ms`);
      }, RENDER_WORKER_START_TIMEOUT_MS);
      const onMessage = (reply: RenderReply): void => {
        if (reply.type !== 'configured') return;
        settle();
        resolve();
      };
      const onExit = (): void => {
        settle();
        reject(this.#failure ?? this.#error('RENDER_FAILED', 'worker exited before it was ready'));
      };
      const settle = (): void => {
        clearTimeout(timer);
        this.#worker.off('message', onMessage);
        this.#worker.off('exit', onExit);
      };
      this.#worker.on('message', onMessage);
      this.#worker.on('exit', onExit);
    });
  }

  #onReply(reply: RenderReply): void {
    if (reply.type === 'configured') return;
    const pending = this.#pending.get(reply.id);
    if (reply.type === 'error') {
      this.#fail(
        reply.id === 0
          ? `setting up the avatar failed: ${reply.message}`
          : `drawing frame ${reply.id} failed: ${reply.message}`,
      );
      return;
    }
    if (!pending) return;
    this.#pending.delete(reply.id);
    this.#sent.add(reply.rgba.buffer as ArrayBuffer);
    pending.resolve(reply.rgba);
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#state !== 'ready') return;
    this.#state = 'failed';
    const error = this.#error('RENDER_FAILED', message, cause);
    this.#failure = error;
    this.#rejectAll(error);
    // Nothing useful can come from a worker that failed; make sure it is gone.
    this.#worker.terminate().catch(() => undefined);
    try {
      this.#onFault?.(error);
    } catch {
      // A throwing listener must not turn a renderer fault into a process fault.
    }
  }

  #rejectAll(error: AvatarRenderError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of pending) entry.reject(error);
  }

  #error(code: AvatarRenderErrorCode, message: string, cause?: unknown): AvatarRenderError {
    return new AvatarRenderError(
      code,
      `${this.label}: ${message}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
