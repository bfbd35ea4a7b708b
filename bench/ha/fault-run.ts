/**
 * Long fault run: a 2m-2s SYNC_MASTER cluster with automatic failover under continuous producer load;
 * brokers are killed with SIGKILL and restarted at random for --minutes; at the end every broker is
 * restarted, a fresh consumer group reads both groups from the first offset, and every acknowledged
 * message must be there (lost = acknowledged but never read).
 *
 *   node .build/ha/bench/ha/fault-run.js [--minutes 3] [--senders 8] [--seed N] [--json]
 *
 * Faults: every 4-12 s one action: kill a random broker of a group whose two replicas both run (so a
 * group never loses both copies at once), or restart a dead one. A dead broker is restarted after at most
 * 15 s. Also counts sends refused or timed out (the unavailability windows) and the failover times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultMQPushConsumer } from '../../src/index.js';
import { clusterDown, clusterUp, readPidFiles, signalNode, spawnNode } from '../../src/cluster/cluster.js';
import { arg, bodyId, closeRuntimeClient, flag, runtime, startLoad } from './common.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

async function main(): Promise<void> {
  const minutes = arg('minutes', 3);
  const senders = arg('senders', 8);
  const seed = arg('seed', Date.now() % 1_000_000);
  const rand = rng(seed);
  process.stderr.write(`fault run: ${minutes} min, seed ${seed}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'rmq-ha-fault-'));
  let kills = 0;
  let restarts = 0;
  let lost = -1;
  let acked = 0;
  let read = 0;
  let load: Awaited<ReturnType<typeof startLoad>> | undefined;
  try {
    const layout = await clusterUp({
      mode: '2m-2s',
      sync: true,
      autoFailover: true,
      dataDir: dir,
      basePort: 0,
      namesrvPort: 0,
      brokerProps: { mappedFileSizeCommitLog: 256 * 1024 * 1024, controllerHeartbeatInterval: 500, registerNameServerPeriod: 1000, slaveSyncMetadataInterval: 1000 },
      env: { RMQ_LOG_LEVEL: 'warn' },
    });
    const brokers = layout.nodes.filter((n) => n.kind === 'broker');
    const alive = (name: string): boolean => readPidFiles(dir).some((p) => p.name === name && p.alive);
    const deadSince = new Map<string, number>();
    // Let masters be elected and slaves connect.
    await new Promise((r) => setTimeout(r, 4000));
    load = await startLoad(layout.namesrvAddr, 'HaFaultRun', senders, 256, { keepBodies: true, pollMs: 500, timeoutMs: 3000 });
    const end = Date.now() + minutes * 60_000;
    let next = Date.now() + 4000 + rand() * 8000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      for (const [name, t] of deadSince) {
        if (Date.now() - t > 15_000) {
          spawnNode(layout, brokers.find((b) => b.name === name)!, { RMQ_LOG_LEVEL: 'warn' });
          deadSince.delete(name);
          restarts++;
          process.stderr.write(`${new Date().toISOString()} restart ${name} (timeout)\n`);
        }
      }
      if (Date.now() < next) continue;
      next = Date.now() + 4000 + rand() * 8000;
      if (deadSince.size > 0 && rand() < 0.5) {
        const [name] = [...deadSince.keys()];
        spawnNode(layout, brokers.find((b) => b.name === name)!, { RMQ_LOG_LEVEL: 'warn' });
        deadSince.delete(name!);
        restarts++;
        process.stderr.write(`${new Date().toISOString()} restart ${name}\n`);
        continue;
      }
      const candidates = brokers.filter((b) => alive(b.name) && brokers.filter((o) => o.brokerName === b.brokerName).every((o) => alive(o.name)));
      if (candidates.length === 0) continue;
      const victim = candidates[Math.floor(rand() * candidates.length)]!;
      // Only kill a replica whose partner is caught up (a single failure, as the guarantee assumes).
      const partner = brokers.find((o) => o.brokerName === victim.brokerName && o !== victim)!;
      const [a, b] = [await runtime(`127.0.0.1:${victim.port}`), await runtime(`127.0.0.1:${partner.port}`)];
      if (!a || !b || (a.brokerRole === 'SLAVE' ? a.haSlaveConnected : b.haSlaveConnected) !== 'true') continue;
      signalNode(dir, victim.name, 'SIGKILL');
      deadSince.set(victim.name, Date.now());
      kills++;
      process.stderr.write(`${new Date().toISOString()} kill -9 ${victim.name} (${a.brokerRole}); acked so far ${load.acked.length}\n`);
    }
    await load.stop();
    acked = load.acked.length;
    for (const name of deadSince.keys()) spawnNode(layout, brokers.find((b) => b.name === name)!, { RMQ_LOG_LEVEL: 'warn' });
    await new Promise((r) => setTimeout(r, 8000));
    const want = new Set(load.acked);
    const seen = new Set<string>();
    const consumer = new DefaultMQPushConsumer({ consumerGroup: `HaFaultVerify${seed}`, namesrvAddr: layout.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500, pullBatchSize: 32 });
    consumer.subscribe('HaFaultRun', '*');
    consumer.registerMessageListener((msgs) => {
      for (const m of msgs) seen.add(bodyId(m.body));
    });
    await consumer.start();
    const deadline = Date.now() + 180_000;
    let missing = want.size;
    while (Date.now() < deadline) {
      missing = 0;
      for (const id of want) if (!seen.has(id)) missing++;
      if (missing === 0) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    await consumer.shutdown();
    read = seen.size;
    lost = missing;
    const s = { minutes, seed, kills, restarts, acknowledged: acked, refusedOrTimedOut: load.failed + load.notOk, distinctRead: read, lost };
    process.stdout.write(flag('json') ? JSON.stringify(s) + '\n' : `fault run ${minutes} min (seed ${seed}): ${kills} kills, ${restarts} restarts, ${acked} acknowledged, ${s.refusedOrTimedOut} refused/timed out, ${read} distinct read back, LOST ${lost}\n`);
  } finally {
    closeRuntimeClient();
    await clusterDown({ dataDir: dir, graceMs: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(lost === 0 ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`fault run failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
