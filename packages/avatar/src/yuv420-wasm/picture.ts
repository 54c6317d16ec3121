import { writeYuv420, yuv420Bytes, type Yuv420Region } from '../yuv420.js';
import { YUV420_WASM_BASE64 } from './binary.js';

/** The converter's exports (wat.ts). */
interface ConverterExports {
  memory: WebAssembly.Memory;
  convert(src: number, w: number, h: number, y: number, u: number, v: number, stride: number): void;
}

/** The narrowest region the SIMD code takes (one 16-pixel chunk); narrower ones go through `writeYuv420`. */
const MIN_SIMD_WIDTH = 16;
const PAGE_BYTES = 65536;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly or its SIMD is missing. Compiled once per thread (1.5 KB). */
function converterModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = Uint8Array.from(atob(YUV420_WASM_BASE64), (c) => c.charCodeAt(0));
  compiled =
    typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/**
 * An I420 picture of width × height kept in WebAssembly memory, written from RGBA a region at a time by the SIMD
 * converter (wat.ts) and copied out a band of whole rows at a time. Against `writeYuv420` straight into the frame, a 720 × 720
 * region took 0.8–0.9 ms instead of 1.5–1.8 ms (copies in and out included; 720p frame, 2-core EPYC).
 *
 * For a render worker that draws one moving box per frame over a still picture: `write` the whole picture once,
 * then per frame `write` the box and `copyRows` it into a frame buffer that already holds the still picture. The
 * rows are copied whole, which is why the picture lives here and not only the box: three copies (Y, U, V) instead
 * of three per row.
 */
export class Yuv420Picture {
  readonly #exports: ConverterExports;
  readonly #frame: Uint8Array;
  readonly #input: Uint8Array;
  /** Where the input starts in the memory; the frame starts at 0. */
  readonly #inputAt: number;

  private constructor(
    readonly width: number,
    readonly height: number,
    module: WebAssembly.Module,
  ) {
    this.#exports = new WebAssembly.Instance(module).exports as unknown as ConverterExports;
    const frameBytes = yuv420Bytes(width, height);
    // The frame first, then the largest input (the whole picture in RGBA), 16-byte aligned.
    this.#inputAt = Math.ceil(frameBytes / 16) * 16;
    const needed = this.#inputAt + width * height * 4;
    const { memory } = this.#exports;
    if (memory.buffer.byteLength < needed) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
    }
    // Views made after growing (growing detaches the old buffer); the memory never grows again.
    this.#frame = new Uint8Array(memory.buffer, 0, frameBytes);
    this.#input = new Uint8Array(memory.buffer, this.#inputAt, width * height * 4);
  }

  /** A picture of width × height (both even), or undefined where WebAssembly SIMD is not available. */
  static create(width: number, height: number): Yuv420Picture | undefined {
    if ((width | height) & 1 || width <= 0 || height <= 0) {
      throw new RangeError(`Yuv420Picture needs even positive sizes, got ${width}x${height}`);
    }
    const module = converterModule();
    return module ? new Yuv420Picture(width, height, module) : undefined;
  }

  /**
   * Converts `pixels` (RGBA, `region.width` × `region.height`, rows top down, opaque) into the region of the
   * picture. The region's corners must be even, as for `writeYuv420`.
   */
  write(pixels: Uint8Array, region: Yuv420Region): void {
    const { x, y, width: w, height: h } = region;
    if (w < MIN_SIMD_WIDTH) {
      writeYuv420(pixels, region, this.#frame, this.width, this.height);
      return;
    }
    // writeYuv420 checks the region and the buffer sizes; the same checks, as the SIMD code trusts its input.
    if ((x | y | w | h) & 1 || x < 0 || y < 0 || x + w > this.width || y + h > this.height) {
      throw new RangeError(
        `Yuv420Picture: ${w}x${h} at ${x},${y} is odd or outside the ${this.width}x${this.height} picture`,
      );
    }
    if (pixels.byteLength < w * h * 4) throw new RangeError('Yuv420Picture: pixels smaller than the region');
    this.#input.set(pixels.subarray(0, w * h * 4));
    const lumaBytes = this.width * this.height;
    const chromaAt = (y / 2) * (this.width / 2) + x / 2;
    this.#exports.convert(
      this.#inputAt,
      w,
      h,
      y * this.width + x,
      lumaBytes + chromaAt,
      lumaBytes * 1.25 + chromaAt,
      this.width,
    );
  }

  /** Copies the rows `region` spans, whole width, of each plane into `frame` (an I420 frame of this size). */
  copyRows(region: Pick<Yuv420Region, 'y' | 'height'>, frame: Uint8Array): void {
    if (frame.byteLength !== this.#frame.byteLength) {
      throw new RangeError(
        `Yuv420Picture: frame has ${frame.byteLength} bytes, expected ${this.#frame.byteLength}`,
      );
    }
    const { y, height: h } = region;
    const lumaBytes = this.width * this.height;
    const copy = (from: number, to: number) => frame.set(this.#frame.subarray(from, to), from);
    copy(y * this.width, (y + h) * this.width);
    const chromaRows = [(y / 2) * (this.width / 2), ((y + h) / 2) * (this.width / 2)] as const;
    for (const plane of [lumaBytes, lumaBytes * 1.25]) copy(plane + chromaRows[0], plane + chromaRows[1]);
  }
}
