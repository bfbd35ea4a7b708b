/**
 * Broker queue locks for orderly consumption: a queue locked by another client (a member that died
 * without unlocking) is not consumed until that lock's lease (rebalanceLockMaxLiveTime, 60 s by default,
 * 1.5 s here) runs out; then the live member locks it and consumes it in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, MessageQueue, type MessageExt } from '../../src/index.js';
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
const LEASE = 1500;

before(async () => {
  cluster = await startCluster({ broker: { rebalanceLockMaxLiveTime: LEASE } });
});
after(async () => {
  await cluster?.stop();
});

test('a queue locked by a dead member is consumed only after the lease expires', async () => {
  const topic = 'OrderLeaseTopic';
  const group = 'OrderLeaseCG';
  await cluster.createTopic(topic, 1);
  const addr = `127.0.0.1:${cluster.brokers[0]!.port}`;
  const mq = new MessageQueue(topic, 'broker-a', 0);
  const rc = new RemotingClient();
  const api = new MQClientAPI(rc);
  const producer = new DefaultMQProducer({ producerGroup: 'OrderLeasePG', namesrvAddr: cluster.namesrvAddr });
  const got: MessageExt[] = [];
  let firstAt = 0;
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500 });
  c.subscribe(topic, '*');
  c.registerMessageListenerOrderly((msgs) => {
    if (firstAt === 0) firstAt = Date.now();
    got.push(...msgs);
    return 'SUCCESS';
  });
  try {
    await producer.start();
    for (let i = 0; i < 20; i++) await producer.send(new Message(topic, `m${i}`), mq);
    // The "dead" member's lock, taken just before the live one starts.
    const locked = await api.lockBatchMQ(addr, group, 'ghost@1#1', [mq], 3000);
    const lockedAt = Date.now();
    assert.equal(locked.length, 1);
    // A second client cannot take it while the lease runs.
    assert.equal((await api.lockBatchMQ(addr, group, 'other@2#2', [mq], 3000)).length, 0);
    await c.start();
    await waitUntil(() => got.length === 20, 15000, 'the queue consumed after the lease');
    assert.ok(firstAt - lockedAt >= LEASE - 50, `nothing consumed while the ghost held the lock (${firstAt - lockedAt} ms)`);
    assert.deepEqual(got.map((m) => m.body.toString()), Array.from({ length: 20 }, (_, i) => `m${i}`));
  } finally {
    rc.shutdown();
    await c.shutdown();
    await producer.shutdown();
  }
});
