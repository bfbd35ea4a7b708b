#!/usr/bin/env node
/** `mqbroker`: the same as `rmq broker`. */
process.argv.splice(2, 0, 'broker');
await import('./main.js');
export {};
