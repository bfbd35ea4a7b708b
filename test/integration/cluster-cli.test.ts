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
import { DefaultMQProducer, DefaultMQPushConsumer, Message, SendStatus } from '../../src/index.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { tempDir } from '../support/paths.js';
import { waitUntil } from './client-cluster.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const td = tempDir('rmq-cluster-cli-');
after(async () => {
  await run(process.execPath, [MAIN, 'cluster', 'down', '--data', td.dir], { timeout: 30_000 }).catch(() => undefined);
  td.cleanup();
});

test('rmq cluster up --mode 2m-2s --sync: two groups with slaves, queues and consumption spread over both; then down', { timeout: 90_000 }, async () => {
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
  // Several broker groups: a topic's queues live on both masters, producers spread over them, a consumer
  // group reads from both (through the second name server too).
  const topic = 'ClusterSpreadTopic';
  const producer = new DefaultMQProducer({ producerGroup: 'ClusterSpreadPG', namesrvAddr: layout.namesrvAddr, pollNameServerInterval: 300 });
  const consumer = new DefaultMQPushConsumer({ consumerGroup: 'ClusterSpreadCG', namesrvAddr: layout.namesrvAddr.split(';')[1]!, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 300 });
  const got = new Map<string, Set<string>>();
  consumer.subscribe(topic, '*');
  consumer.registerMessageListener((msgs) => {
    for (const m of msgs) {
      if (!got.has(m.brokerName)) got.set(m.brokerName, new Set());
      got.get(m.brokerName)!.add(m.body.toString());
    }
  });
  const rc = new RemotingClient();
  try {
    // SYNC_MASTER answers SLAVE_NOT_AVAILABLE until its slave is connected.
    for (const n of brokers.filter((b) => b.role === 'SLAVE')) {
      await waitUntil(async () => {
        try {
          const res = await rc.invoke(`127.0.0.1:${n.port}`, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 2000);
          return (JSON.parse(res.body!.toString()) as { table: Record<string, string> }).table.haSlaveConnected === 'true';
        } catch {
          return false;
        }
      }, 20_000, `${n.name} connected to its master`);
    }
    // The topic on every master of the cluster (mqadmin updateTopic -c).
    await run(process.execPath, [MAIN, 'admin', 'updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', topic, '-r', '4', '-w', '4'], { timeout: 20_000, env });
    await producer.start();
    const perBroker = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const r = await producer.send(new Message(topic, `spread-${i}`));
      assert.equal(r.sendStatus, SendStatus.SEND_OK);
      perBroker.set(r.messageQueue.brokerName, (perBroker.get(r.messageQueue.brokerName) ?? 0) + 1);
    }
    assert.deepEqual([...perBroker.keys()].sort(), ['broker-a', 'broker-b'], 'sends spread over both masters');
    await consumer.start();
    await waitUntil(() => [...got.values()].reduce((n, s) => n + s.size, 0) >= 200, 30_000, 'all 200 consumed');
    assert.deepEqual([...got.keys()].sort(), ['broker-a', 'broker-b']);
  } finally {
    rc.close();
    await consumer.shutdown().catch(() => undefined);
    await producer.shutdown().catch(() => undefined);
  }

  // A second `up` over the same data refuses to start another cluster.
  await assert.rejects(run(process.execPath, [MAIN, 'cluster', 'up', '--mode', 'single', '--data', td.dir, '--base-port', '0', '--namesrv-port', '0'], { timeout: 30_000, env }), /already running/);

  const down = await run(process.execPath, [MAIN, 'cluster', 'down', '--data', td.dir, '--json'], { timeout: 60_000 });
  const res = JSON.parse(down.stdout.trim()) as Array<{ name: string; result: string }>;
  assert.equal(res.length, 6);
  for (const r of res) assert.equal(r.result, 'stopped', `${r.name} stopped cleanly`);
  for (const n of layout.nodes) assert.equal(processStartTime(n.pid!), undefined, `${n.name} gone`);
  assert.deepEqual(readdirSync(join(td.dir, 'pids')), []);
});
