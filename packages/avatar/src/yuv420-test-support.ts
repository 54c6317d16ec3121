/** Known colours and what ffmpeg 5.1 converts each to (rgba → yuv420p): [[R, G, B], [Y, U, V]], for the tests. */
export const FFMPEG_BT601_COLOURS: readonly (readonly [readonly number[], readonly number[]])[] = [
  [
    [255, 255, 255],
    [235, 128, 128],
  ],
  [
    [0, 0, 0],
    [16, 128, 128],
  ],
  [
    [255, 0, 0],
    [81, 90, 239],
  ],
  [
    [0, 255, 0],
    [144, 54, 35],
  ],
  [
    [0, 0, 255],
    [41, 240, 110],
  ],
  [
    [0x00, 0xb1, 0x40],
    [110, 105, 59],
  ],
];
