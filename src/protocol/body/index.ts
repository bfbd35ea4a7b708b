export * from './types.js';
export * from './fastjson.js';
export * from './message-queue-map.js';
export * from './register-broker-body.js';
