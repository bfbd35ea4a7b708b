#!/usr/bin/env node
/**
 * `rmq` entry point. Servers log at info (`rmq dev` at warn); client commands log only errors, to
 * stderr, so that their output stays readable and parsable (RMQ_LOG_LEVEL / RMQ_LOG_DEST override).
 * These must be set before the logger module loads, hence the dynamic import.
 */
import v8 from 'node:v8';

const command = process.argv[2] ?? '';
const servers = new Set(['namesrv', 'broker', 'controller']);
process.env.RMQ_LOG_LEVEL ??= servers.has(command) ? 'info' : command === 'dev' ? 'warn' : 'error';
// Client commands print their results on stdout (tables, --json lines): their logs go to stderr.
if (!servers.has(command) && command !== 'dev') process.env.RMQ_LOG_DEST ??= 'stderr';
tuneHeap();
const { runCli } = await import('./program.js');
await runCli(process.argv.slice(2));

/**
 * V8 starts a full (mark-compact) collection as soon as the old generation's headroom falls below the
 * young generation's size. A broker's live heap is small (about 10 MiB) while it allocates fast, and
 * V8's usual growing factor leaves about 15 MiB of headroom, under the 16 MiB young generation: it
 * then ran a full collection every 150-1,000 ms under load, each with a 1.5-2 ms pause, which was
 * most of the end-to-end p99. A growing factor of 4 (the top of V8's own range) keeps the headroom
 * above the young generation. The flag is read at every limit computation, so setting it here works;
 * a value given on the command line or in NODE_OPTIONS wins.
 */
function tuneHeap(): void {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!/heap[-_]growing[-_]percent/.test(given)) v8.setFlagsFromString('--heap-growing-percent=300');
}
