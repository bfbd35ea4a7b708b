export * from './namesrv-config.js';
export * from './route-info-manager.js';
export * from './kv-config-manager.js';
export * from './namesrv-controller.js';
