export * from './types.js';
export * from './frame-codec.js';
export * from './connection.js';
export * from './remoting-server.js';
export * from './remoting-client.js';
