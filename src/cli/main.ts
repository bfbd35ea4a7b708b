#!/usr/bin/env node
/**
 * `rmq` entry point. Servers log at info (`rmq dev` at warn); client commands log only errors, to
 * stderr, so that their output stays readable and parsable (RMQ_LOG_LEVEL / RMQ_LOG_DEST override).
 * These must be set before the logger module loads, hence the dynamic import.
 */
const command = process.argv[2] ?? '';
const servers = new Set(['namesrv', 'broker', 'controller']);
process.env.RMQ_LOG_LEVEL ??= servers.has(command) ? 'info' : command === 'dev' ? 'warn' : 'error';
// Client commands print their results on stdout (tables, --json lines): their logs go to stderr.
if (!servers.has(command) && command !== 'dev') process.env.RMQ_LOG_DEST ??= 'stderr';
const { runCli } = await import('./program.js');
await runCli(process.argv.slice(2));
export {};
