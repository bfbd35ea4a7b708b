/** Process-level helpers shared by the `rmq` commands: error reporting, exit codes, signals. */
import { RemotingResponseError, RmqError } from '../common/errors.js';
import { responseCodeName } from '../protocol/response-code.js';
import { toJsonLine } from './format.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function errorMessage(err: unknown): string {
  if (err instanceof RemotingResponseError) {
    const name = responseCodeName(err.responseCode);
    return `CODE: ${err.responseCode}${name ? ` (${name})` : ''} DESC: ${err.remark ?? ''}`.trimEnd();
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export function exitCodeOf(err: unknown): number {
  return err instanceof RmqError && err.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
}

/**
 * Prints a failed command's error: one line on stderr, and with --json also a JSON object on
 * stdout so that scripts always get a parsable last line.
 */
export function reportError(what: string, err: unknown, json: boolean): number {
  const message = errorMessage(err);
  process.stderr.write(`${what} failed: ${message}\n`);
  if (process.env.RMQ_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (json) {
    const o: Record<string, unknown> = { error: message };
    if (err instanceof RemotingResponseError) o['responseCode'] = err.responseCode;
    else if (err instanceof RmqError) o['code'] = err.code;
    process.stdout.write(toJsonLine(o) + '\n');
  }
  return exitCodeOf(err);
}

/** Exits once stdout and stderr have been flushed (a pipe may still hold output). */
export function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * Runs `stop` once on the first SIGINT/SIGTERM, then exits; a second signal exits at once.
 * `stop` is bounded by `timeoutMs` so a stuck shutdown cannot keep the process alive.
 */
export function onShutdownSignal(stop: (signal: string) => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${timeoutMs} ms: exiting\n`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop(signal).then(
      () => exitAfterFlush(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${errorMessage(err)}\n`);
        exitAfterFlush(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
