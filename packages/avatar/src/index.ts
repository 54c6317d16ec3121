export * from './format.js';
export * from './canvas.js';
export * from './renderer.js';
export * from './yuv420.js';
export type { IdlePose } from './motion.js';
export { idlePose, blinkAmount } from './motion.js';
