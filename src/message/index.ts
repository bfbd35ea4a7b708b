export * from './message-const.js';
export * from './properties.js';
export * from './message-record.js';
export * from './message-id.js';
export * from './socket-address.js';
export * from './batch.js';
export * from './int64.js';
