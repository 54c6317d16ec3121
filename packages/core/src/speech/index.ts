export * from './visemes.js';
export * from './types.js';
export * from './segment.js';
