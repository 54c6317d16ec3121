/**
 * `table()[(a << 8) | c]` is the straight value of the premultiplied channel `c` at alpha `a`: c·255/a, rounded
 * and at most 255. Built on first use (64 KB), so that only a picture with translucent pixels pays for it.
 */
let unpremultiplyTable: Uint8Array | undefined;

function table(): Uint8Array {
  if (unpremultiplyTable) return unpremultiplyTable;
  const made = new Uint8Array(256 * 256);
  for (let a = 1; a < 256; a++) {
    for (let c = 0; c < 256; c++) made[(a << 8) | c] = Math.min(255, Math.round((c * 255) / a));
  }
  unpremultiplyTable = made;
  return made;
}

/**
 * Turns RGBA premultiplied by alpha, as a canvas holds its pixels, into straight RGBA, as PNG, ffmpeg's `rgba`
 * input and the browser's `ImageData` mean it, in place. Read as straight, premultiplied colours are too dark
 * wherever the picture is translucent: the antialiased edge of an avatar on a transparent background shows a
 * dark fringe once composited.
 *
 * Only pixels with 0 < alpha < 255 change, each through a lookup table: opaque pixels are the same either way,
 * and fully transparent ones keep their colour (0 from a canvas). A picture with no translucent pixel comes out
 * byte for byte as it went in, for the cost of reading its alpha bytes.
 */
export function unpremultiplyRgba(pixels: Uint8Array): void {
  let lookup: Uint8Array | undefined;
  for (let i = 3; i < pixels.length; i += 4) {
    const a = pixels[i] as number;
    if (a === 255 || a === 0) continue;
    lookup ??= table();
    const row = a << 8;
    pixels[i - 3] = lookup[row | (pixels[i - 3] as number)] as number;
    pixels[i - 2] = lookup[row | (pixels[i - 2] as number)] as number;
    pixels[i - 1] = lookup[row | (pixels[i - 1] as number)] as number;
  }
}

/** Whether every pixel of an RGBA picture has alpha 255. */
export function isOpaqueRgba(pixels: Uint8Array): boolean {
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 255) return false;
  return true;
}
