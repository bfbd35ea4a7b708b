/**
 * `rmq proxy -n ADDR [--port 8081] [--host 0.0.0.0]`: the gRPC proxy in cluster mode, in front of the
 * brokers the name servers know. Returns null while running (stopped by SIGINT / SIGTERM), or an exit
 * code when it cannot start.
 */
import { ClusterProxy } from './cluster-proxy.js';

export async function runProxy(opts: Record<string, unknown>): Promise<number | null> {
  const namesrvAddr = String(opts['namesrvAddr'] ?? process.env.NAMESRV_ADDR ?? '').trim();
  if (!namesrvAddr) {
    process.stderr.write('proxy: no name server: pass -n ADDR or set NAMESRV_ADDR\n');
    return 2;
  }
  const port = Number(opts['port'] ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`proxy: --port "${String(opts['port'])}" is not a port number\n`);
    return 2;
  }
  const proxy = new ClusterProxy({ namesrvAddr, grpcServerPort: port, host: String(opts['host'] ?? '0.0.0.0') });
  let bound: number;
  try {
    ({ port: bound } = await proxy.start());
  } catch (e) {
    process.stderr.write(`proxy: cannot listen on port ${port}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`The gRPC proxy (cluster mode) listens on port ${bound}, name server ${namesrvAddr}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void proxy.shutdown().finally(() => {
      process.stdout.write('The gRPC proxy shut down.\n');
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return null;
}
