/** `rmq cluster up|down` (registered in src/cli/program.ts). */
import { clusterDown, clusterUp, CLUSTER_MODES, formatLayout, type ClusterMode } from './cluster.js';

function port(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65534) throw new Error(`${name} must be a port 0..65534, got "${String(v)}"`);
  return n;
}

export async function runClusterUp(opts: Record<string, unknown>): Promise<number> {
  try {
    const mode = String(opts['mode'] ?? 'single') as ClusterMode;
    if (!CLUSTER_MODES.includes(mode)) throw new Error(`--mode must be one of ${CLUSTER_MODES.join(', ')}, got "${mode}"`);
    const layout = await clusterUp({
      mode,
      sync: opts['sync'] === true,
      autoFailover: opts['autoFailover'] === true,
      dataDir: opts['data'] as string | undefined,
      basePort: port('--base-port', opts['basePort']),
      namesrvPort: port('--namesrv-port', opts['namesrvPort']),
    });
    process.stdout.write(opts['json'] ? JSON.stringify(layout) + '\n' : formatLayout(layout) + 'Stop with: rmq cluster down' + (opts['data'] ? ` --data ${String(opts['data'])}` : '') + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`cluster up: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function runClusterDown(opts: Record<string, unknown>): Promise<number> {
  try {
    const res = await clusterDown({ dataDir: opts['data'] as string | undefined });
    if (opts['json']) process.stdout.write(JSON.stringify(res) + '\n');
    else if (res.length === 0) process.stdout.write('no cluster processes recorded\n');
    else for (const r of res) process.stdout.write(`${r.name.padEnd(14)} pid ${String(r.pid).padEnd(8)} ${r.result}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`cluster down: ${(e as Error).message}\n`);
    return 1;
  }
}
