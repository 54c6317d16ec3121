/**
 * RGBA pixels to planar YUV 4:2:0 (I420, ffmpeg's `yuv420p`): what H.264 encodes, made where the pixels are
 * drawn, so that ffmpeg encodes them as they come instead of converting every frame first.
 *
 * BT.601 limited range (Y 16–235, U and V 16–240), the matrix and range ffmpeg's own RGB → yuv420p conversion
 * uses when nothing else is asked for, so a video looks the same whichever side converted it: luma within one
 * step, chroma within two (ffmpeg's own fixed point is that far from the exact values this computes). Chroma is the
 * mean of each 2×2 block.
 */

/** A rectangle in pixels. */
export interface Yuv420Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bytes of one width×height I420 frame: a full-size Y plane and quarter-size U and V planes. */
export function yuv420Bytes(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/**
 * Converts `pixels` (RGBA, `region.width` × `region.height`, rows top down) into the `region` of `frame`, an
 * I420 frame of width×height. The region's corners must fall on even coordinates, so that it covers whole
 * chroma blocks. Alpha is ignored: the picture must be opaque (where it is, premultiplied and straight RGBA are
 * the same bytes).
 */
export function writeYuv420(
  pixels: Uint8Array,
  region: Yuv420Region,
  frame: Uint8Array,
  width: number,
  height: number,
): void {
  const { x, y, width: w, height: h } = region;
  if ((x | y | w | h | width | height) & 1) {
    throw new RangeError(
      `writeYuv420 needs even sizes and offsets, got ${w}x${h} at ${x},${y} in ${width}x${height}`,
    );
  }
  if (x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new RangeError(`writeYuv420: ${w}x${h} at ${x},${y} is outside the ${width}x${height} frame`);
  }
  if (pixels.byteLength < w * h * 4 || frame.byteLength !== yuv420Bytes(width, height)) {
    throw new RangeError('writeYuv420: a buffer is smaller than its size says');
  }
  if (pixels.byteOffset % 4 !== 0 || frame.byteOffset % 2 !== 0) {
    throw new RangeError('writeYuv420: pixels must start on a 4-byte boundary and the frame on a 2-byte one');
  }
  // One 32-bit read a pixel; on little-endian hosts (every platform Node runs on here) R is the low byte.
  const rgba = new Uint32Array(pixels.buffer, pixels.byteOffset, w * h);
  // Luma two pixels at a time (a block's rows start at even indices): half the stores. Little-endian: the left
  // pixel is the low byte.
  const luma = new Uint16Array(frame.buffer, frame.byteOffset, (width * height) / 2);
  const chromaWidth = width / 2;
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * (height / 2);
  // The last uniform block's colour and its Y, U and V: a flat-shaded avatar is mostly runs of one colour.
  let runColour = -1;
  let runY = 0;
  let runU = 0;
  let runV = 0;
  for (let row = 0; row < h; row += 2) {
    let top = row * w;
    let bottom = top + w;
    let yTop = (y + row) * width + x;
    let yBottom = yTop + width;
    let chroma = ((y + row) / 2) * chromaWidth + x / 2;
    for (let end = top + w; top < end; top += 2, bottom += 2, yTop += 2, yBottom += 2, chroma++) {
      const p0 = rgba[top] as number;
      const p1 = rgba[top + 1] as number;
      const p2 = rgba[bottom] as number;
      const p3 = rgba[bottom + 1] as number;
      // A block of one colour (62 % of a 512² frame, 78 % at 720p): the same values, computed once a run.
      if (p0 === p1 && p0 === p2 && p0 === p3) {
        if (p0 !== runColour) {
          runColour = p0;
          const r = p0 & 255, g = (p0 >>> 8) & 255, b = (p0 >>> 16) & 255; // prettier-ignore
          runY = lumaOf(r, g, b);
          runU = blockU(4 * r, 4 * g, 4 * b);
          runV = blockV(4 * r, 4 * g, 4 * b);
        }
        luma[yTop >> 1] = runY * 257;
        luma[yBottom >> 1] = runY * 257;
        frame[uPlane + chroma] = runU;
        frame[vPlane + chroma] = runV;
        continue;
      }
      const r0 = p0 & 255, g0 = (p0 >>> 8) & 255, b0 = (p0 >>> 16) & 255; // prettier-ignore
      const r1 = p1 & 255, g1 = (p1 >>> 8) & 255, b1 = (p1 >>> 16) & 255; // prettier-ignore
      const r2 = p2 & 255, g2 = (p2 >>> 8) & 255, b2 = (p2 >>> 16) & 255; // prettier-ignore
      const r3 = p3 & 255, g3 = (p3 >>> 8) & 255, b3 = (p3 >>> 16) & 255; // prettier-ignore
      luma[yTop >> 1] = lumaOf(r0, g0, b0) | (lumaOf(r1, g1, b1) << 8);
      luma[yBottom >> 1] = lumaOf(r2, g2, b2) | (lumaOf(r3, g3, b3) << 8);
      const r = r0 + r1 + r2 + r3;
      const g = g0 + g1 + g2 + g3;
      const b = b0 + b1 + b2 + b3;
      frame[uPlane + chroma] = blockU(r, g, b);
      frame[vPlane + chroma] = blockV(r, g, b);
    }
  }
}

/** Y = 16 + 0.256788 R + 0.504129 G + 0.097906 B, in 16-bit fixed point, rounded (1081344 = 16.5 × 65536). */
function lumaOf(r: number, g: number, b: number): number {
  return (16829 * r + 33039 * g + 6416 * b + 1081344) >> 16;
}

/**
 * U of a 2×2 block's mean from its channel sums (four pixels, so / 4 × 65536): 128 - 0.148223 R - 0.290993 G +
 * 0.439216 B, rounded (33685504 = 128.5 × 4 × 65536).
 */
function blockU(r: number, g: number, b: number): number {
  return (-9714 * r - 19070 * g + 28784 * b + 33685504) >> 18;
}

/** V of a 2×2 block's mean from its channel sums: 128 + 0.439216 R - 0.367788 G - 0.071427 B, as `blockU`. */
function blockV(r: number, g: number, b: number): number {
  return (28784 * r - 24103 * g - 4681 * b + 33685504) >> 18;
}
