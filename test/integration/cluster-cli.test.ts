/**
 * `rmq cluster up --mode 2m-2s --sync` starts two name servers and four brokers as separate processes,
 * all registered (two masters with their slaves); `rmq cluster down` stops exactly those processes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime, type ClusterLayout } from '../../src/cluster/cluster.js';
import { tempDir } from '../support/paths.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const td = tempDir('rmq-cluster-cli-');
after(async () => {
  await run(process.execPath, [MAIN, 'cluster', 'down', '--data', td.dir], { timeout: 30_000 }).catch(() => undefined);
  td.cleanup();
});

test('rmq cluster up --mode 2m-2s --sync, then down', { timeout: 90_000 }, async () => {
  const env = { ...process.env, RMQ_LOG_LEVEL: 'warn' };
  const up = await run(process.execPath, [MAIN, 'cluster', 'up', '--mode', '2m-2s', '--sync', '--data', td.dir, '--base-port', '0', '--namesrv-port', '0', '--json'], { timeout: 60_000, env });
  const layout = JSON.parse(up.stdout.trim().split('\n').pop()!) as ClusterLayout;
  assert.equal(layout.nodes.filter((n) => n.kind === 'namesrv').length, 2);
  const brokers = layout.nodes.filter((n) => n.kind === 'broker');
  assert.deepEqual(brokers.map((n) => `${n.brokerName}/${n.brokerId}/${n.role}`).sort(), ['broker-a/0/SYNC_MASTER', 'broker-a/1/SLAVE', 'broker-b/0/SYNC_MASTER', 'broker-b/1/SLAVE']);
  for (const n of layout.nodes) {
    assert.ok(processStartTime(n.pid!), `${n.name} running`);
    assert.ok(existsSync(n.log), `${n.name} has a log`);
  }
  // Every broker registered with the first name server (clusterList lists all four).
  const ns = layout.namesrvAddr.split(';')[0]!;
  let listed = '';
  for (let i = 0; i < 50 && (listed.match(/broker-[ab]/g) ?? []).length < 4; i++) {
    listed = (await run(process.execPath, [MAIN, 'admin', 'clusterList', '-n', ns], { timeout: 20_000, env })).stdout;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((listed.match(/broker-[ab]/g) ?? []).length, 4, listed);
  // A second `up` over the same data refuses to start another cluster.
  await assert.rejects(run(process.execPath, [MAIN, 'cluster', 'up', '--mode', 'single', '--data', td.dir, '--base-port', '0', '--namesrv-port', '0'], { timeout: 30_000, env }), /already running/);

  const down = await run(process.execPath, [MAIN, 'cluster', 'down', '--data', td.dir, '--json'], { timeout: 60_000 });
  const res = JSON.parse(down.stdout.trim()) as Array<{ name: string; result: string }>;
  assert.equal(res.length, 6);
  for (const r of res) assert.equal(r.result, 'stopped', `${r.name} stopped cleanly`);
  for (const n of layout.nodes) assert.equal(processStartTime(n.pid!), undefined, `${n.name} gone`);
  assert.deepEqual(readdirSync(join(td.dir, 'pids')), []);
});
