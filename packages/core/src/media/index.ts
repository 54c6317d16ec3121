export * from './media-clock.js';
export * from './media-frames.js';
export * from './pcm-fifo.js';
export * from './playout.js';
