export * from './model.js';
export * from './stores.js';
export * from './ids.js';
export * from './session-state.js';
export * from './session-preparer.js';
export * from './session-manager.js';
export * from './speech/index.js';
