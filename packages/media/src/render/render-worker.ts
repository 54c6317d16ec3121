import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { AvatarManifest } from '@dhuman/avatar';

/** The OS thread name of every render worker (shows in `top -H`, like the speech pool's `dhuman-tts`). */
export const RENDER_THREAD_NAME = 'dhuman-render';

/** What the worker gets as `workerData`. */
export interface RenderWorkerData {
  manifest: AvatarManifest;
  width: number;
  height: number;
}

/** Parent → worker: draw one frame. */
export interface RenderRequest {
  id: number;
  weights: Float32Array | null;
  timeSec: number;
}

/** Worker → parent. `frame.rgba` arrives transferred (its buffer moved, not copied). */
export type RenderReply =
  | { type: 'ready' }
  | { type: 'frame'; id: number; rgba: Uint8Array }
  | { type: 'error'; id: number; message: string };

/** The parts of `@napi-rs/canvas` the worker uses. Its namespace may come as CJS named exports or as `default`. */
interface CanvasLib {
  createCanvas(
    width: number,
    height: number,
  ): {
    getContext(kind: '2d'): { clearRect(x: number, y: number, w: number, h: number): void };
    data(): Uint8Array;
  };
  Path2D: unknown;
}
type CanvasNamespace = Partial<CanvasLib> & { default?: CanvasLib };

/** The part of `@dhuman/avatar` the worker uses. */
interface AvatarNamespace {
  AvatarRenderer: new (
    manifest: AvatarManifest,
    options: { Path2D: unknown },
  ) => {
    draw(
      ctx: unknown,
      frame: { weights: ArrayLike<number> | null; timeSec: number },
      w: number,
      h: number,
    ): void;
  };
}

/**
 * The worker's whole program: one canvas for the renderer's lifetime, one frame per message. Stringified into the
 * worker's source (see `renderWorkerUrl`), so it may use only its parameters and globals.
 *
 * A draw error is answered as `error` and the parent fails the renderer; an error while setting up (a manifest
 * the renderer cannot take) escapes as the worker's `error` event before `ready`.
 */
/* istanbul ignore next -- runs inside the worker */
function serveRenderFrames(
  port: MessagePort,
  data: RenderWorkerData,
  canvasNamespace: CanvasNamespace,
  avatar: AvatarNamespace,
): void {
  const lib = (canvasNamespace.createCanvas ? canvasNamespace : canvasNamespace.default) as CanvasLib;
  const { width, height } = data;
  const canvas = lib.createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const renderer = new avatar.AvatarRenderer(data.manifest, { Path2D: lib.Path2D });
  const bytes = width * height * 4;
  port.on('message', (request: RenderRequest) => {
    try {
      // The renderer paints its background over everything, but a translucent one would blend with the last
      // frame: clear, so every frame equals a render on a fresh canvas.
      ctx.clearRect(0, 0, width, height);
      renderer.draw(ctx, { weights: request.weights, timeSec: request.timeSec }, width, height);
      // canvas.data() views Skia's own pixels (never getImageData, which leaks): copy them into a buffer of our
      // own and move that to the parent.
      const rgba = new Uint8Array(bytes);
      rgba.set(canvas.data());
      port.postMessage({ type: 'frame', id: request.id, rgba }, [rgba.buffer]);
    } catch (error) {
      port.postMessage({
        type: 'error',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  port.postMessage({ type: 'ready' });
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
 *   only dist. A stale dist after editing packages/avatar/src shows up as a pixel mismatch in the tests.
 * - `@napi-rs/canvas` resolved from the avatar package (a require from its dist file), because that package is
 *   the one that declares and pins it (1.0.0); media does not depend on it directly.
 */
export function renderWorkerUrl(): URL {
  if (cachedUrl) return cachedUrl;
  const avatarUrl = import.meta.resolve('@dhuman/avatar');
  const canvasPath = createRequire(avatarUrl).resolve('@napi-rs/canvas');
  const canvasUrl = pathToFileURL(canvasPath).href;
  const source = [
    `import { parentPort, workerData } from 'node:worker_threads';`,
    `import { writeFileSync } from 'node:fs';`,
    // Linux thread names are at most 15 characters; elsewhere the write fails, harmlessly.
    `try { writeFileSync('/proc/thread-self/comm', ${JSON.stringify(RENDER_THREAD_NAME.slice(0, 15))}); } catch {}`,
    `import * as canvas from ${JSON.stringify(canvasUrl)};`,
    `import * as avatar from ${JSON.stringify(avatarUrl)};`,
    `(${serveRenderFrames.toString()})(parentPort, workerData, canvas, avatar);`,
  ].join('\n');
  cachedUrl = new URL(`data:text/javascript,${encodeURIComponent(source)}`);
  return cachedUrl;
}
