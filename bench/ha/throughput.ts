/**
 * HA throughput and replication lag: the same closed-loop producer load against
 *   1. a single broker,
 *   2. a 2m-2s cluster with ASYNC_MASTER,
 *   3. a 2m-2s cluster with SYNC_MASTER,
 * each started with `rmq cluster up` machinery (separate processes on 127.0.0.1, free ports, temp data).
 * While loaded, every master's replication lag (GET_BROKER_RUNTIME_INFO haReplicationLagBytes: master max
 * offset - slave acknowledged offset) is sampled every 100 ms.
 *
 *   node .build/ha/bench/ha/throughput.js [--seconds 10] [--senders 64] [--size 1024] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, type ClusterMode } from '../../src/cluster/cluster.js';
import { arg, closeRuntimeClient, flag, percentile, runtime, startLoad } from './common.js';

interface Result {
  setup: string;
  msgsPerSec: number;
  p50ms: number;
  p99ms: number;
  notOk: number;
  failed: number;
  lagAvgBytes?: number;
  lagMaxBytes?: number;
  lagP99Bytes?: number;
}

async function run(setup: string, mode: ClusterMode, sync: boolean, seconds: number, senders: number, size: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'rmq-ha-bench-'));
  try {
    const layout = await clusterUp({ mode, sync, dataDir: dir, basePort: 0, namesrvPort: 0, brokerProps: { mappedFileSizeCommitLog: 256 * 1024 * 1024 }, env: { RMQ_LOG_LEVEL: 'warn' } });
    const masters = layout.nodes.filter((n) => n.kind === 'broker' && n.brokerId === 0);
    const slaves = layout.nodes.filter((n) => n.kind === 'broker' && (n.brokerId ?? 0) > 0);
    // Wait for every slave to be connected before loading.
    for (const s of slaves) {
      for (let i = 0; i < 100 && (await runtime(`127.0.0.1:${s.port}`))?.haSlaveConnected !== 'true'; i++) await new Promise((r) => setTimeout(r, 100));
    }
    const topic = 'HaBench';
    // Warm-up: create the topic on every master through TBW102 and let routes settle.
    const warm = await startLoad(layout.namesrvAddr, topic, 8, size, { pollMs: 500 });
    await new Promise((r) => setTimeout(r, 3000));
    await warm.stop();
    const load = await startLoad(layout.namesrvAddr, topic, senders, size, { pollMs: 500 });
    const lags: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const m of masters) {
          const rt = await runtime(`127.0.0.1:${m.port}`);
          const lag = Number(rt?.haReplicationLagBytes ?? -1);
          if (lag >= 0) lags.push(lag);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const ok0 = load.ok;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const ok1 = load.ok;
    const elapsed = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    await load.stop();
    const res: Result = {
      setup,
      msgsPerSec: Math.round((ok1 - ok0) / elapsed),
      p50ms: Number(percentile(load.latencies, 50).toFixed(2)),
      p99ms: Number(percentile(load.latencies, 99).toFixed(2)),
      notOk: load.notOk,
      failed: load.failed,
    };
    if (slaves.length > 0 && lags.length > 0) {
      res.lagAvgBytes = Math.round(lags.reduce((a, b) => a + b, 0) / lags.length);
      res.lagMaxBytes = Math.max(...lags);
      res.lagP99Bytes = percentile(lags, 99);
    }
    return res;
  } finally {
    await clusterDown({ dataDir: dir, graceMs: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 10);
  const senders = arg('senders', 64);
  const size = arg('size', 1024);
  const results: Result[] = [];
  results.push(await run('single broker', 'single', false, seconds, senders, size));
  results.push(await run('2m-2s ASYNC_MASTER', '2m-2s', false, seconds, senders, size));
  results.push(await run('2m-2s SYNC_MASTER', '2m-2s', true, seconds, senders, size));
  closeRuntimeClient();
  if (flag('json')) {
    process.stdout.write(JSON.stringify({ seconds, senders, size, results }) + '\n');
    return;
  }
  process.stdout.write(`${senders} closed-loop senders, ${size}-byte bodies, ${seconds} s per setup\n`);
  process.stdout.write('setup                  msgs/s   p50 ms   p99 ms  not-OK  failed  lag avg / p99 / max (bytes)\n');
  for (const r of results) {
    const lag = r.lagAvgBytes === undefined ? '-' : `${r.lagAvgBytes} / ${r.lagP99Bytes} / ${r.lagMaxBytes}`;
    process.stdout.write(`${r.setup.padEnd(20)} ${String(r.msgsPerSec).padStart(8)} ${r.p50ms.toFixed(2).padStart(8)} ${r.p99ms.toFixed(2).padStart(8)} ${String(r.notOk).padStart(7)} ${String(r.failed).padStart(7)}  ${lag}\n`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`ha bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
