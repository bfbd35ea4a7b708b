export * from './admin-client.js';
export * from './args.js';
export * from './command.js';
export { adminCommands } from './commands/index.js';
