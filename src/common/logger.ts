import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). Level from RMQ_LOG_LEVEL (default "info"; tests run "silent").
 * Components take a child logger: `rootLogger.child({ component: 'broker' })`.
 */
export const rootLogger: Logger = pino({
  level: process.env.RMQ_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
});

export function componentLogger(component: string, context: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...context });
}
