export * from './errors.js';
export * from './signature.js';
export * from './paths.js';
export * from './envelope.js';
export * from './session-api.js';
export * from './validation.js';
export * from './errors-doc.js';
export * from './drive-api.js';
