export * from './config.js';
export * from './server.js';
export * from './app.js';
export * from './bootstrap.js';
export * from './metrics.js';
export * from './auth/signature-verifier.js';
export * from './store/sqlite-store.js';
export * from './ws/upgrade-router.js';
