/**
 * A 1m-1s SYNC_MASTER cluster as separate processes (`rmq cluster up` machinery): the master is killed
 * with SIGKILL while producers send. Every acknowledged message is then readable from the slave, the
 * running consumer keeps consuming from the slave, and once the master is back nothing is consumed
 * twice (offsets committed on the slave are taken back by the master).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, SendStatus } from '../../src/index.js';
import { clusterDown, clusterUp, signalNode, spawnNode, type ClusterLayout } from '../../src/cluster/cluster.js';
import { tempDir } from '../support/paths.js';
import { waitUntil } from './client-cluster.js';

const td = tempDir('rmq-ha-kill-');
let layout: ClusterLayout | undefined;
after(async () => {
  await clusterDown({ dataDir: td.dir, graceMs: 5000 }).catch(() => undefined);
  td.cleanup();
});

const FAST = {
  mappedFileSizeCommitLog: 64 * 1024 * 1024,
  slaveSyncMetadataInterval: 300,
  registerNameServerPeriod: 1000,
  haSendHeartbeatInterval: 1000,
  flushConsumerOffsetInterval: 300,
  syncFlushTimeout: 2000,
};

test('kill -9 of a SYNC_MASTER: acknowledged messages on the slave, consumers continue there, nothing consumed twice after the master returns', { timeout: 120_000 }, async () => {
  layout = await clusterUp({ mode: '1m-1s', sync: true, dataDir: td.dir, basePort: 0, namesrvPort: 0, brokerProps: FAST, env: { RMQ_LOG_LEVEL: 'warn' } });
  const ns = layout.namesrvAddr;
  const topic = 'HaKillTopic';
  const group = 'HaKillCG';
  const producer = new DefaultMQProducer({ producerGroup: 'HaKillPG', namesrvAddr: ns, sendMsgTimeout: 2500, retryTimesWhenSendFailed: 0, pollNameServerInterval: 300 });
  const got = new Map<string, number>();
  const consumer = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: ns, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 300, persistConsumerOffsetInterval: 300 });
  consumer.subscribe(topic, '*');
  consumer.registerMessageListener((msgs) => {
    for (const m of msgs) got.set(m.body.toString(), (got.get(m.body.toString()) ?? 0) + 1);
  });
  const acked: string[] = [];
  let stopSending = false;
  let seq = 0;
  try {
    await producer.start();
    // The first send creates the topic (slave in sync once the HA connection is up).
    // Every attempt has its own body (a refused or timed-out send may still be stored).
    let attempt = 0;
    await waitUntil(async () => {
      const body = `warmup${attempt++}`;
      try {
        const ok = (await producer.send(new Message(topic, body))).sendStatus === SendStatus.SEND_OK;
        if (ok) acked.push(body);
        return ok;
      } catch {
        return false;
      }
    }, 20_000, 'first SEND_OK from the SYNC_MASTER');
    await consumer.start();
    const loop = async (): Promise<void> => {
      while (!stopSending) {
        const body = `m${seq++}`;
        try {
          const r = await producer.send(new Message(topic, body));
          if (r.sendStatus === SendStatus.SEND_OK) acked.push(body);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    await waitUntil(() => acked.length >= 400 && got.size >= 50, 30_000, 'traffic before the kill');
    assert.ok(signalNode(td.dir, 'broker-a', 'SIGKILL'), 'master killed');
    await new Promise((r) => setTimeout(r, 1000));
    stopSending = true;
    await Promise.all(loops);
    // Every acknowledged message reaches the consumer, now reading from the slave.
    await waitUntil(() => acked.every((b) => got.has(b)), 40_000, 'every acknowledged message consumed (from the slave)');
    const beforeReturn = got.size;

    // A fresh group reading everything from the slave alone proves the slave has every acknowledged message.
    const seen = new Set<string>();
    const verifier = new DefaultMQPushConsumer({ consumerGroup: 'HaKillVerify', namesrvAddr: ns, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 300 });
    verifier.subscribe(topic, '*');
    verifier.registerMessageListener((msgs) => {
      for (const m of msgs) seen.add(m.body.toString());
    });
    await verifier.start();
    try {
      await waitUntil(() => acked.every((b) => seen.has(b)), 30_000, 'every acknowledged message readable from the slave');
    } finally {
      await verifier.shutdown();
    }

    // The master returns over its data; new messages flow, nothing is consumed twice.
    spawnNode(layout, layout.nodes.find((n) => n.name === 'broker-a')!, { RMQ_LOG_LEVEL: 'warn' });
    const after: string[] = [];
    let n = 0;
    await waitUntil(async () => {
      try {
        const body = `after${n++}`;
        const r = await producer.send(new Message(topic, body));
        if (r.sendStatus === SendStatus.SEND_OK) after.push(body);
        return after.length >= 50;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
        return false;
      }
    }, 40_000, 'sends succeed again once the master is back');
    await waitUntil(() => after.every((b) => got.has(b)), 30_000, 'messages sent after the return consumed');
    assert.ok(got.size >= beforeReturn + 50);
    const twice = [...got].filter(([, n]) => n > 1).map(([b]) => b);
    assert.deepEqual(twice, [], 'no message consumed twice');
  } finally {
    stopSending = true;
    await consumer.shutdown().catch(() => undefined);
    await producer.shutdown().catch(() => undefined);
  }
});
