import { destination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). Level from RMQ_LOG_LEVEL (default "info"; tests run "silent").
 * Logs go to stdout, or to stderr when RMQ_LOG_DEST=stderr (CLI commands whose stdout is their
 * result, e.g. `--json`, set that).
 * Components take a child logger: `rootLogger.child({ component: 'broker' })`.
 */
const options = { level: process.env.RMQ_LOG_LEVEL ?? 'info', base: { pid: process.pid } };
export const rootLogger: Logger =
  process.env.RMQ_LOG_DEST === 'stderr' ? pino(options, destination({ dest: 2, sync: true })) : pino(options);

export function componentLogger(component: string, context: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...context });
}
