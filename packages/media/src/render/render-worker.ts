import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { AvatarManifest, AvatarRenderer, Canvas2DLike } from '@dhuman/avatar';

/** The OS thread name of every render worker (shows in `top -H`, like the speech pool's `dhuman-tts`). */
export const RENDER_THREAD_NAME = 'dhuman-render';

/**
 * How frames come back: `rgba` (4 bytes a pixel, straight alpha: not premultiplied, unlike the canvas's own
 * pixels, because ffmpeg's `rgba` input, the VP9 and ProRes alpha planes and its `overlay` filter all read it so),
 * or `yuv420p` (planar I420: 1.5 bytes a pixel, alpha dropped) for an opaque picture going to an H.264 encoder,
 * which then encodes the frames as they come. Converting in ffmpeg cost more than here: its swscale has a slow
 * path from rgba (4.5 ms a 720p frame), and even its fast one from bgr24 (1.5 ms) came on top of the packing
 * here, which costs as much as this conversion; and half the bytes of bgr24 cross the pipe. Where the picture is
 * opaque both alpha conventions are the same bytes.
 */
export type FramePixelFormat = 'rgba' | 'yuv420p';

/** What one renderer draws: set on a worker by a `configure` message, so that a worker can serve one after another. */
export interface RenderConfig {
  manifest: AvatarManifest;
  width: number;
  height: number;
  pixelFormat: FramePixelFormat;
}

/** Parent → worker: draw one frame. */
export interface DrawRequest {
  type: 'draw';
  id: number;
  weights: Float32Array | null;
  timeSec: number;
  /**
   * A frame buffer this worker sent earlier, moved back unchanged once the parent was done with it: the frame is
   * drawn into it (only the moving part needs writing) instead of into a new one.
   */
  buffer?: ArrayBuffer;
}

/**
 * Parent → worker: `configure` sets what to draw (answered by `configured`, or by an `error` with id 0 when the
 * renderer cannot be set up), `draw` asks for a frame, `release` drops the drawing state of a worker going idle.
 */
export type RenderRequest = { type: 'configure'; config: RenderConfig } | DrawRequest | { type: 'release' };

/** Worker → parent. `frame.rgba` (in the renderer's pixel format) arrives transferred (moved, not copied). */
export type RenderReply =
  | { type: 'configured' }
  | { type: 'frame'; id: number; rgba: Uint8Array }
  | { type: 'error'; id: number; message: string };

/** The parts of `@napi-rs/canvas` the worker uses. Its namespace may come as CJS named exports or as `default`. */
interface CanvasLib {
  createCanvas(width: number, height: number): { getContext(kind: '2d'): Canvas2DLike; data(): Uint8Array };
  Path2D: unknown;
}
type CanvasNamespace = Partial<CanvasLib> & { default?: CanvasLib };

/** The part of `@dhuman/avatar` the worker uses (from its `renderer.js`). */
interface AvatarNamespace {
  AvatarRenderer: new (
    manifest: AvatarManifest,
    options: { Path2D: unknown },
  ) => Pick<AvatarRenderer, 'draw' | 'motionBox'>;
}

/** The avatar package's `straight-alpha.js`, `yuv420.js` and `yuv420-wasm/picture.js`. */
interface PixelNamespace {
  unpremultiplyRgba(pixels: Uint8Array): void;
  isOpaqueRgba(pixels: Uint8Array): boolean;
  writeYuv420(
    pixels: Uint8Array,
    region: { x: number; y: number; width: number; height: number },
    frame: Uint8Array,
    width: number,
    height: number,
  ): void;
  yuv420Bytes(width: number, height: number): number;
  Yuv420Picture: {
    create(
      width: number,
      height: number,
    ):
      | {
          write(pixels: Uint8Array, region: { x: number; y: number; width: number; height: number }): void;
          copyRows(region: { y: number; height: number }, frame: Uint8Array): void;
        }
      | undefined;
  };
}

/**
 * The worker's whole program: one configuration at a time (a `configure` message sets it up, with its own canvas),
 * one frame per `draw` message. A worker outlives its configurations, so a pool can keep it loaded for the next
 * renderer (see `render-worker-pool.ts`). Stringified into the worker's source (see `renderWorkerUrl`), so it may
 * use only its parameters and globals.
 *
 * Per frame it draws only what moves, and only inside the avatar's motion box (see `AvatarRenderer.motionBox`):
 * - Outside the box every frame is the same picture, drawn once into `base`; a new frame buffer starts as a copy
 *   of it, and a buffer the parent hands back still holds it, so only the box is written.
 * - Inside the box the canvas starts each frame as the underlay (background and static layers, drawn once),
 *   written straight into its pixels through the `data()` view, and the renderer paints the overlay on top:
 *   a copy instead of painting the backdrop's gradient over the box, which cost more than the whole face.
 * Measured on the 2-core EPYC, this thread's CPU per frame (frames handed back): 512² 4.7–5.4 → 3.1–4.4 ms,
 * 720p 8.4–8.6 → 4.1–5.9 ms; the whole process's at 720p 15 → 5 ms, no frame buffer being allocated any more.
 *
 * RGBA frames leave in straight alpha (see `FramePixelFormat`). `base` is converted once; the box is converted
 * every frame only when the underlay has translucent pixels (a transparent background): over an opaque underlay
 * every frame is opaque, so a frame on a colour keeps exactly the canvas's bytes and costs nothing more. The
 * conversion rewrites only pixels with 0 < alpha < 255 but reads every alpha byte of the box: at 512² the
 * process's CPU went from 4.2–5.5 to 5.9–6.9 ms a frame, while a WebM rendered at 3.6–4.2× real time with it and
 * 4.0–4.1× without (VP9 is the slower side of a transparent render). I420 frames are converted from the box's
 * RGBA every frame, in place of the copy an RGBA frame gets.
 *
 * A draw error is answered as `error` and the parent fails the renderer; so is an error while setting up (a
 * manifest the renderer cannot take), with id 0. `base` and the underlay are drawn with the first frame, so that a
 * manifest that cannot be drawn fails like any other draw.
 */
/* istanbul ignore next -- runs inside the worker */
function serveRenderFrames(
  port: MessagePort,
  canvasNamespace: CanvasNamespace,
  avatar: AvatarNamespace,
  pixels: PixelNamespace,
): void {
  const lib = (canvasNamespace.createCanvas ? canvasNamespace : canvasNamespace.default) as CanvasLib;

  /** Sets up one configuration; returns what draws a frame of it. Throws for a manifest it cannot take. */
  const setUp = (config: RenderConfig): ((request: DrawRequest) => Uint8Array) => {
    const { width, height } = config;
    const renderer = new avatar.AvatarRenderer(config.manifest, { Path2D: lib.Path2D });
    const yuv = config.pixelFormat === 'yuv420p';
    const bytes = yuv ? pixels.yuv420Bytes(width, height) : width * height * 4;
    const motion = renderer.motionBox(width, height);
    // A canvas needs a pixel at least, even for an avatar whose moving parts are all outside the picture. In
    // I420 the box grows to even corners, to cover whole 2×2 chroma blocks (the frame's sides are even).
    const grid = yuv ? 2 : 1;
    const x0 = Math.min(Math.floor(motion.x / grid) * grid, width - grid);
    const y0 = Math.min(Math.floor(motion.y / grid) * grid, height - grid);
    const box = {
      x: x0,
      y: y0,
      width: Math.max(grid, Math.min(width, Math.ceil((motion.x + motion.width) / grid) * grid) - x0),
      height: Math.max(grid, Math.min(height, Math.ceil((motion.y + motion.height) / grid) * grid) - y0),
    };
    const canvas = lib.createCanvas(box.width, box.height);
    const ctx = canvas.getContext('2d');

    // I420 through WebAssembly SIMD where there is some: the picture is kept in its memory, and the rows the
    // box spans are copied out whole (a frame buffer already holds the still picture outside the box).
    const simd = yuv ? pixels.Yuv420Picture.create(width, height) : undefined;

    /** Writes `rgba` (`at` sized) into the frame `out` at `at`, in the output format. */
    const put = (rgba: Uint8Array, out: Uint8Array, at: typeof box) => {
      if (simd) {
        simd.write(rgba, at);
        simd.copyRows(at, out);
        return;
      }
      if (yuv) {
        pixels.writeYuv420(rgba, at, out, width, height);
        return;
      }
      const stride = width * 4;
      for (let row = 0; row < at.height; row++) {
        const from = row * at.width * 4;
        out.set(rgba.subarray(from, from + at.width * 4), (at.y + row) * stride + at.x * 4);
      }
    };

    let still: { base: Uint8Array; underlay: Uint8Array; translucent: boolean } | undefined;
    // canvas.data() views Skia's own pixels (never getImageData, which leaks): copies of it outlive the canvas.
    const drawStill = (): { base: Uint8Array; underlay: Uint8Array; translucent: boolean } => {
      const whole = lib.createCanvas(width, height);
      renderer.draw(whole.getContext('2d'), { weights: null, timeSec: 0 }, width, height);
      const wholePixels = whole.data();
      if (!yuv) pixels.unpremultiplyRgba(wholePixels);
      const base = new Uint8Array(bytes);
      put(wholePixels, base, { x: 0, y: 0, width, height });
      renderer.draw(ctx, { weights: null, timeSec: 0 }, width, height, { region: box, part: 'underlay' });
      // The underlay stays premultiplied: it is the canvas's starting point, not a frame.
      const underlay = new Uint8Array(canvas.data());
      return { base, underlay, translucent: !yuv && !pixels.isOpaqueRgba(underlay) };
    };

    return (request) => {
      still ??= drawStill();
      // Every pixel is replaced, so nothing of the last frame shows through (a translucent background
      // included): the same as drawing the whole picture on a fresh canvas.
      canvas.data().set(still.underlay);
      const frame = { weights: request.weights, timeSec: request.timeSec };
      renderer.draw(ctx, frame, width, height, { region: box, part: 'overlay' });
      const rgba = request.buffer?.byteLength === bytes ? new Uint8Array(request.buffer) : still.base.slice();
      const drawn = canvas.data();
      // In place: the next frame starts again from the underlay.
      if (still.translucent) pixels.unpremultiplyRgba(drawn);
      put(drawn, rgba, box);
      return rgba;
    };
  };

  const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  let draw: ((request: DrawRequest) => Uint8Array) | undefined;
  port.on('message', (request: RenderRequest) => {
    if (request.type === 'release') {
      draw = undefined;
      return;
    }
    if (request.type === 'configure') {
      draw = undefined;
      try {
        draw = setUp(request.config);
        port.postMessage({ type: 'configured' });
      } catch (error) {
        port.postMessage({ type: 'error', id: 0, message: messageOf(error) });
      }
      return;
    }
    try {
      if (!draw) throw new Error('no configuration to draw');
      const rgba = draw(request);
      port.postMessage({ type: 'frame', id: request.id, rgba }, [rgba.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'error', id: request.id, message: messageOf(error) });
    }
  });
}

let cachedUrl: URL | undefined;

/**
 * The render worker's ES module, as a `data:` URL.
 *
 * Why generated, not a worker file: this package runs from TypeScript sources under vitest and from `dist` in
 * production. Node 20 cannot run a `.ts` file in a worker thread, and tsc copies no `.js` asset into `dist`, so a
 * `new URL('./worker.js', import.meta.url)` would point at nothing under vitest. A module made from a function
 * that tsc and vitest both compile works in both cases and keeps the worker code type-checked (the speech pool's
 * `poolWorkerScript` does the same).
 *
 * A `data:` module cannot resolve bare specifiers, so its imports are absolute URLs resolved here, in the parent:
 * - `@dhuman/avatar` through `import.meta.resolve`, which answers with the package's `exports`, i.e. its built
 *   `dist/index.js`, also under vitest (whose aliases to sources apply to vitest's own imports only). The worker
 *   therefore draws with the *built* renderer: `npm test` builds before vitest runs, and in production there is
 *   only dist. A stale dist after editing packages/avatar/src shows up as a pixel mismatch in the tests. It
 *   imports `renderer.js`, `straight-alpha.js`, `yuv420.js` and `yuv420-wasm/picture.js` next to that index
 *   rather than the index itself, which also builds the manifest schema the worker never uses (about 20 ms of a
 *   worker's start).
 * - `@napi-rs/canvas` resolved from the avatar package (a require from its dist file), because that package is
 *   the one that declares and pins it (1.0.0); media does not depend on it directly.
 */
export function renderWorkerUrl(): URL {
  if (cachedUrl) return cachedUrl;
  const avatarUrl = import.meta.resolve('@dhuman/avatar');
  const rendererUrl = new URL('./renderer.js', avatarUrl).href;
  const alphaUrl = new URL('./straight-alpha.js', avatarUrl).href;
  const yuvUrl = new URL('./yuv420.js', avatarUrl).href;
  const simdUrl = new URL('./yuv420-wasm/picture.js', avatarUrl).href;
  const canvasPath = createRequire(avatarUrl).resolve('@napi-rs/canvas');
  const canvasUrl = pathToFileURL(canvasPath).href;
  const source = [
    `import { parentPort } from 'node:worker_threads';`,
    `import { writeFileSync } from 'node:fs';`,
    // Linux thread names are at most 15 characters; elsewhere the write fails, harmlessly.
    `try { writeFileSync('/proc/thread-self/comm', ${JSON.stringify(RENDER_THREAD_NAME.slice(0, 15))}); } catch {}`,
    `import * as canvas from ${JSON.stringify(canvasUrl)};`,
    `import * as avatar from ${JSON.stringify(rendererUrl)};`,
    `import * as alpha from ${JSON.stringify(alphaUrl)};`,
    `import * as yuv from ${JSON.stringify(yuvUrl)};`,
    `import * as simd from ${JSON.stringify(simdUrl)};`,
    `(${serveRenderFrames.toString()})(parentPort, canvas, avatar, { ...alpha, ...yuv, ...simd });`,
  ].join('\n');
  cachedUrl = new URL(`data:text/javascript,${encodeURIComponent(source)}`);
  return cachedUrl;
}
