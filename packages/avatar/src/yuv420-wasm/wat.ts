/**
 * The source of the WebAssembly RGBA → I420 converter (`binary.ts` is it compiled; `picture.ts` uses it): the
 * same conversion as `writeYuv420` (BT.601 limited range, chroma the mean of each 2×2 block), 16 pixels of two
 * rows at a time in 128-bit SIMD.
 *
 * Written as a generator of WebAssembly text so that the per-8-pixel expressions are spelt out once and inlined
 * where they are used: the same code with them as functions ran at half the speed, as Node 20's V8 does not
 * inline WebAssembly calls. `npm run build:wasm` compiles it (with wabt) into `binary.ts`; a test checks that the
 * two agree.
 *
 * Precision:
 * - Luma: each channel enters as value × 128 and is multiplied by its coefficient in Q15 with rounding
 *   (`q15mulr`), so the sum is Y − 16 in 1/128 steps, then + 16.5 × 128 and >> 7. It differs from
 *   `writeYuv420`'s 16-bit fixed point by one step in about 0.1 % of pixels (both are within one step of
 *   ffmpeg's own conversion).
 * - Chroma: the same integer formula as `writeYuv420` (`blockU`, `blockV`), in 32-bit lanes, so the same bytes.
 */

const splat16 = (n: number) => `(v128.const i16x8 ${Array<number>(8).fill(n).join(' ')})`;
const splat32 = (n: number) => `(v128.const i32x4 ${Array<number>(4).fill(n).join(' ')})`;
const get = (name: string) => `(local.get $${name})`;
const load = (base: string, offset: number) => `(v128.load offset=${offset} ${get(base)})`;

/** Y = 16 + 0.256788 R + 0.504129 G + 0.097906 B in Q15: 8414, 16519 and 3208 (of 32768). */
const Y_R = 8414;
const Y_G = 16519;
const Y_B = 3208;
/** 16.5 in 1/128 steps: the offset and the rounding of the final >> 7. */
const Y_OFFSET = 2112;

/** U and V of a block's channel sums, as `writeYuv420`'s `blockU` and `blockV` (>> 18, 128.5 × 4 × 65536). */
const U_COEFFICIENTS = [-9714, -19070, 28784] as const;
const V_COEFFICIENTS = [28784, -24103, -4681] as const;
const CHROMA_OFFSET = 33685504;

/** The R bytes then the G bytes of the 8 pixels in `a` (pixels 0–3, RGBA) and `b` (4–7). */
const redGreen = (a: string, b: string) =>
  `(i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 ${a} ${b})`;
/** The B bytes then the A bytes of the same 8 pixels. */
const blueAlpha = (a: string, b: string) =>
  `(i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 ${a} ${b})`;

/** One channel's share of Y for 8 pixels: bytes (low or high half of `bytes`) × 128, times `q15`, rounded. */
const lumaTerm = (half: 'low' | 'high', bytes: string, q15: number) =>
  `(i16x8.q15mulr_sat_s (i16x8.shl (i16x8.extend_${half}_i8x16_u ${bytes}) (i32.const 7)) ${splat16(q15)})`;

/** Y of 8 pixels as i16 lanes, from their `redGreen` and `blueAlpha` vectors. */
const luma = (rg: string, ba: string) => `(i16x8.shr_u
  (i16x8.add
    (i16x8.add ${lumaTerm('low', rg, Y_R)} ${lumaTerm('high', rg, Y_G)})
    (i16x8.add ${lumaTerm('low', ba, Y_B)} ${splat16(Y_OFFSET)}))
  (i32.const 7))`;

/**
 * Channel sums of 4 blocks from the top and bottom rows' vectors: adjacent bytes added (two pixels of a row),
 * then the two rows. From `redGreen` vectors: R sums in lanes 0–3, G in 4–7; from `blueAlpha`: B in 0–3.
 */
const blockSums = (top: string, bottom: string) =>
  `(i16x8.add (i16x8.extadd_pairwise_i8x16_u ${top}) (i16x8.extadd_pairwise_i8x16_u ${bottom}))`;
/** [R0 G0 R1 G1 R2 G2 R3 G3] from [R0 R1 R2 R3 G0 G1 G2 G3], for a dot product with [cR cG] pairs. */
const interleaveRedGreen = (sums: string) =>
  `(i8x16.shuffle 0 1 8 9 2 3 10 11 4 5 12 13 6 7 14 15 ${sums} ${sums})`;
/** [B0 0 B1 0 B2 0 B3 0] from [B0 B1 B2 B3 …]. */
const interleaveBlueZero = (sums: string) =>
  `(i8x16.shuffle 0 1 16 17 2 3 16 17 4 5 16 17 6 7 16 17 ${sums} ${splat16(0)})`;

/** U or V of 4 blocks as i32 lanes. */
const chroma = (rg: string, b0: string, [cR, cG, cB]: readonly [number, number, number]) => `(i32x4.shr_s
  (i32x4.add
    (i32x4.add
      (i32x4.dot_i16x8_s ${rg} (v128.const i16x8 ${[cR, cG, cR, cG, cR, cG, cR, cG].join(' ')}))
      (i32x4.dot_i16x8_s ${b0} (v128.const i16x8 ${[cB, 0, cB, 0, cB, 0, cB, 0].join(' ')})))
    ${splat32(CHROMA_OFFSET)})
  (i32.const 18))`;

/** 8 chroma bytes (blocks 0–3 from the first group of 8 pixels, 4–7 from the second) stored at `at`. */
const storeChroma = (at: string, coefficients: readonly [number, number, number]) =>
  `(v128.store64_lane 0 ${at}
    (i8x16.narrow_i16x8_u
      (i16x8.narrow_i32x4_s ${chroma(get('rg0'), get('b0'), coefficients)} ${chroma(get('rg1'), get('b1'), coefficients)})
      ${splat16(0)}))`;

/**
 * The module: one exported memory and `convert(src, w, h, y, u, v, stride)`, which reads `h` rows of `w` RGBA
 * pixels at `src` (w even and at least 16, h even) and writes their Y at `y` (rows `stride` bytes apart) and
 * their U and V at `u` and `v` (rows `stride / 2` apart). The last 16 pixels of a row overlap the ones before
 * when w is not a multiple of 16: the same values are written twice.
 */
export function yuv420Wat(): string {
  const rows = (top: string, bottom: string) => `
            (local.set $rgT0 ${redGreen(load(top, 0), load(top, 16))})
            (local.set $baT0 ${blueAlpha(load(top, 0), load(top, 16))})
            (local.set $rgT1 ${redGreen(load(top, 32), load(top, 48))})
            (local.set $baT1 ${blueAlpha(load(top, 32), load(top, 48))})
            (local.set $rgB0 ${redGreen(load(bottom, 0), load(bottom, 16))})
            (local.set $baB0 ${blueAlpha(load(bottom, 0), load(bottom, 16))})
            (local.set $rgB1 ${redGreen(load(bottom, 32), load(bottom, 48))})
            (local.set $baB1 ${blueAlpha(load(bottom, 32), load(bottom, 48))})`;
  return `(module
  (memory (export "memory") 1)
  (func (export "convert")
    (param $src i32) (param $w i32) (param $h i32) (param $y i32) (param $u i32) (param $v i32) (param $stride i32)
    (local $row i32) (local $col i32) (local $c i32) (local $last i32) (local $inStride i32)
    (local $top i32) (local $bottom i32) (local $yTop i32) (local $uv i32)
    (local $rgT0 v128) (local $baT0 v128) (local $rgT1 v128) (local $baT1 v128)
    (local $rgB0 v128) (local $baB0 v128) (local $rgB1 v128) (local $baB1 v128)
    (local $rg0 v128) (local $b0 v128) (local $rg1 v128) (local $b1 v128)
    (local.set $last (i32.sub ${get('w')} (i32.const 16)))
    (local.set $inStride (i32.shl ${get('w')} (i32.const 2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u ${get('row')} ${get('h')}))
        (local.set $col (i32.const 0))
        (block $colsDone
          (loop $cols
            ;; The chunk's first column: the next 16, or the row's last 16.
            (local.set $c (select ${get('col')} ${get('last')} (i32.lt_u ${get('col')} ${get('last')})))
            (local.set $top
              (i32.add ${get('src')} (i32.add (i32.mul ${get('row')} ${get('inStride')}) (i32.shl ${get('c')} (i32.const 2)))))
            (local.set $bottom (i32.add ${get('top')} ${get('inStride')}))${rows('top', 'bottom')}
            (local.set $yTop (i32.add ${get('y')} (i32.add (i32.mul ${get('row')} ${get('stride')}) ${get('c')})))
            (v128.store ${get('yTop')}
              (i8x16.narrow_i16x8_u ${luma(get('rgT0'), get('baT0'))} ${luma(get('rgT1'), get('baT1'))}))
            (v128.store (i32.add ${get('yTop')} ${get('stride')})
              (i8x16.narrow_i16x8_u ${luma(get('rgB0'), get('baB0'))} ${luma(get('rgB1'), get('baB1'))}))
            (local.set $rg0 ${interleaveRedGreen(blockSums(get('rgT0'), get('rgB0')))})
            (local.set $b0 ${interleaveBlueZero(blockSums(get('baT0'), get('baB0')))})
            (local.set $rg1 ${interleaveRedGreen(blockSums(get('rgT1'), get('rgB1')))})
            (local.set $b1 ${interleaveBlueZero(blockSums(get('baT1'), get('baB1')))})
            (local.set $uv
              (i32.add
                (i32.mul (i32.shr_u ${get('row')} (i32.const 1)) (i32.shr_u ${get('stride')} (i32.const 1)))
                (i32.shr_u ${get('c')} (i32.const 1))))
            ${storeChroma(`(i32.add ${get('u')} ${get('uv')})`, U_COEFFICIENTS)}
            ${storeChroma(`(i32.add ${get('v')} ${get('uv')})`, V_COEFFICIENTS)}
            (br_if $colsDone (i32.ge_u ${get('col')} ${get('last')}))
            (local.set $col (i32.add ${get('col')} (i32.const 16)))
            (br $cols)))
        (local.set $row (i32.add ${get('row')} (i32.const 2)))
        (br $rows)))))
`;
}
