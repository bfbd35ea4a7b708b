#!/usr/bin/env node
/** `mqnamesrv`: the same as `rmq namesrv`. */
process.argv.splice(2, 0, 'namesrv');
await import('./main.js');
export {};
