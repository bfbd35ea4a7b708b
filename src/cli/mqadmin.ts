#!/usr/bin/env node
/** `mqadmin`: the same as `rmq admin`. */
process.argv.splice(2, 0, 'admin');
await import('./main.js');
export {};
