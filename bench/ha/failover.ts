/**
 * Time from master death to the first successful send, with automatic failover (controller mode):
 * a 1m-1s SYNC_MASTER cluster under a closed-loop load; each round kills the current master with SIGKILL,
 * measures until a send is acknowledged again, then restarts the dead broker (it rejoins as a slave) and
 * waits for it to catch up, so the next round kills the other one.
 *
 *   node .build/ha/bench/ha/failover.js [--rounds 5] [--senders 8] [--timeout 3000] [--hb 500] [--poll 1000]
 *
 * --timeout: controller heartbeat timeout (ms); --hb: broker heartbeat interval; --poll: the producers'
 * pollNameServerInterval (how soon they see the new master in the route).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, signalNode, spawnNode } from '../../src/cluster/cluster.js';
import { arg, closeRuntimeClient, flag, percentile, runtime, startLoad } from './common.js';

async function until(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 5);
  const senders = arg('senders', 8);
  const timeout = arg('timeout', 3000);
  const hb = arg('hb', 500);
  const poll = arg('poll', 1000);
  const dir = mkdtempSync(join(tmpdir(), 'rmq-ha-failover-bench-'));
  const times: number[] = [];
  try {
    const layout = await clusterUp({
      mode: '1m-1s',
      sync: true,
      autoFailover: true,
      controllerTimeoutMs: timeout,
      dataDir: dir,
      basePort: 0,
      namesrvPort: 0,
      brokerProps: { mappedFileSizeCommitLog: 256 * 1024 * 1024, controllerHeartbeatInterval: hb, controllerLeaseMs: Math.max(200, timeout - 2 * hb), registerNameServerPeriod: 1000 },
      env: { RMQ_LOG_LEVEL: 'warn' },
    });
    const nodes = layout.nodes.filter((n) => n.kind === 'broker');
    const role = async (n: (typeof nodes)[number]): Promise<string | undefined> => (await runtime(`127.0.0.1:${n.port}`))?.brokerRole;
    const load = await startLoad(layout.namesrvAddr, 'HaFailoverBench', senders, 1024, { pollMs: poll, timeoutMs: 2000 });
    try {
      for (let r = 0; r < rounds; r++) {
        let master: (typeof nodes)[number] | undefined;
        await until(async () => {
          for (const n of nodes) if ((await role(n)) === 'SYNC_MASTER') master = n;
          const other = nodes.find((n) => n !== master);
          return !!master && !!other && (await runtime(`127.0.0.1:${other.port}`))?.haSlaveConnected === 'true' && load.lastOkAt > Date.now() - 200;
        }, 60_000, 'a master with its slave, sends succeeding');
        const okBefore = load.ok;
        const killedAt = Date.now();
        signalNode(dir, master!.name, 'SIGKILL');
        await until(() => load.ok > okBefore && load.lastOkAt > killedAt + 1, 60_000, 'first successful send after the kill');
        // lastOkAt may belong to a send answered just before the kill; wait for one clearly after.
        const firstOk = load.lastOkAt;
        times.push(firstOk - killedAt);
        process.stderr.write(`round ${r + 1}: killed ${master!.name}, first successful send after ${firstOk - killedAt} ms\n`);
        spawnNode(layout, master!, { RMQ_LOG_LEVEL: 'warn' });
      }
    } finally {
      await load.stop();
    }
  } finally {
    closeRuntimeClient();
    await clusterDown({ dataDir: dir, graceMs: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
  const out = { rounds, controllerTimeoutMs: timeout, brokerHeartbeatMs: hb, producerPollMs: poll, failoverMs: times, median: percentile(times, 50), max: Math.max(...times) };
  process.stdout.write(flag('json') ? JSON.stringify(out) + '\n' : `master death -> first successful send (ms): ${times.join(', ')}; median ${out.median}, max ${out.max} (controller timeout ${timeout} ms, broker heartbeat ${hb} ms, producer route poll ${poll} ms)\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`failover bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
