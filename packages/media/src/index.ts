export * from './render/avatar-frame-renderer.js';
export * from './render/frame-timing.js';
export { RENDER_THREAD_NAME } from './render/render-worker.js';
export * from './encoder/encoder-error.js';
export * from './encoder/ffmpeg-args.js';
export * from './encoder/ffmpeg-encoder.js';
export * from './stream/session-stream-pump.js';
