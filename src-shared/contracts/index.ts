export * from './api.js';
export * from './define.js';
export * from './deletion-types.js';
export * from './dispatch.js';
export * from './domain-types.js';
export * from './engine-status.js';
export * from './worker-protocol.js';
