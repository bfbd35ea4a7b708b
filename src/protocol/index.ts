export * from './remoting-command.js';
export * from './request-code.js';
export * from './response-code.js';
export * from './language-code.js';
export * from './header.js';
export * from './headers/index.js';
export * from './body/index.js';
