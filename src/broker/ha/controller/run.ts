/** `rmq controller [--port 9878]`: runs the failover controller until SIGINT/SIGTERM. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { onShutdownSignal } from '../../../cli/util.js';
import { ControllerServer } from './controller-server.js';

export async function runController(opts: Record<string, unknown>): Promise<number | null> {
  const port = Number(opts['port'] ?? 9878);
  const timeout = Number(opts['heartbeatTimeout'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`controller: --port must be 0..65535, got "${String(opts['port'])}"\n`);
    return 2;
  }
  if (!Number.isInteger(timeout) || timeout < 500) {
    process.stderr.write(`controller: --heartbeat-timeout must be an integer >= 500 (ms)\n`);
    return 2;
  }
  const statePath = typeof opts['data'] === 'string' ? resolve(opts['data'], 'controller-state.json') : undefined;
  if (statePath) mkdirSync(resolve(String(opts['data'])), { recursive: true });
  const server = new ControllerServer({ port, heartbeatTimeoutMs: timeout, electDelayMs: timeout, statePath });
  let bound: number;
  try {
    bound = await server.start();
  } catch (e) {
    process.stderr.write(`controller: failed to start on port ${port}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`The controller boot success, listening on port ${bound} (heartbeat timeout ${timeout} ms)\n`);
  onShutdownSignal(async () => {
    await server.shutdown();
  });
  return null;
}
