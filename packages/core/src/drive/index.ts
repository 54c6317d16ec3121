export * from './drive-events.js';
export * from './speech-services.js';
export * from './seq-reorderer.js';
export * from './drive-scheduler.js';
