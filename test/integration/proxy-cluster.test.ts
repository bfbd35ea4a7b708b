/**
 * The proxy in cluster mode (ClusterProxy, `rmq proxy -n ADDR`): a name server and two brokers, the
 * proxy in front of them over remoting. 5.x clients send to both brokers and receive / ack / change the
 * invisible time of messages from both, and a message not acked comes back with attempt 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { ClusterProxy } from '../../src/proxy/cluster-proxy.js';
import { startCluster, type TestCluster } from './client-cluster.js';
import { quietLogger, TEST_PROXY } from './proxy-harness.js';

describe('proxy: cluster mode in front of two brokers', () => {
  let cluster: TestCluster;
  let proxy: ClusterProxy;
  let endpoints: string;
  before(async () => {
    cluster = await startCluster({ brokers: 2 });
    await cluster.createTopic('pc-topic', 2);
    proxy = new ClusterProxy({ ...TEST_PROXY, namesrvAddr: cluster.namesrvAddr });
    endpoints = `127.0.0.1:${(await proxy.start()).port}`;
  });
  after(async () => {
    await proxy?.shutdown();
    await cluster?.stop();
  });

  it('send to both brokers, receive, ack, change invisible duration, redelivery', async () => {
    const producer = new Producer({ endpoints, namespace: '', topics: ['pc-topic'], logger: quietLogger } as any);
    await producer.startup();
    const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: 'pc-g', subscriptions: new Map([['pc-topic', '*']]), awaitDuration: 1000, logger: quietLogger } as any);
    await consumer.startup();
    try {
      const route = await proxy.queryRoute({ topic: { name: 'pc-topic' }, endpoints: { scheme: 1, addresses: [{ host: '127.0.0.1', port: 1 }] } });
      assert.equal(new Set((route.messageQueues as any[]).map((q) => q.broker.name)).size, 2, 'both brokers in the route');
      for (let i = 0; i < 10; i++) await producer.send({ topic: 'pc-topic', tag: 'T', keys: [`k${i}`], body: Buffer.from(`c${i}`) });
      const got = new Map<string, any>();
      const end = Date.now() + 10_000;
      while (got.size < 10 && Date.now() < end) for (const m of await consumer.receive(16, 1000)) got.set(m.body.toString(), m);
      assert.equal(got.size, 10);
      const brokers = new Set([...got.values()].map((m) => m.receiptHandle.split(' ')[5]));
      assert.equal(brokers.size, 2, 'messages from both brokers');
      const kept = got.get('c0');
      const changed = got.get('c1');
      for (const [b, m] of got) if (b !== 'c0' && b !== 'c1') await consumer.ack(m);
      await consumer.changeInvisibleDuration(changed, 20_000);
      await consumer.ack(changed);
      // c0 is neither acked nor changed: it comes back after its 1 s invisible time with attempt 2.
      let again: any[] = [];
      const end2 = Date.now() + 8000;
      while (again.length === 0 && Date.now() < end2) again = await consumer.receive(16, 1000);
      assert.deepEqual(again.map((m) => m.body.toString()), ['c0']);
      assert.equal(again[0].deliveryAttempt, 2);
      assert.equal(again[0].messageId, kept.messageId);
      await consumer.ack(again[0]);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });

  it('FIFO group (config read from the brokers): the next message of a group waits for the ack', async () => {
    for (const b of cluster.brokers) {
      const sgm = b.controller.subscriptionGroupManager;
      sgm.updateSubscriptionGroupConfig({ ...sgm.findSubscriptionGroupConfig('pc-fifo')!, consumeMessageOrderly: true });
    }
    const producer = new Producer({ endpoints, namespace: '', topics: ['pc-topic'], logger: quietLogger } as any);
    await producer.startup();
    const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: 'pc-fifo', subscriptions: new Map([['pc-topic', '*']]), awaitDuration: 1000, logger: quietLogger } as any);
    await consumer.startup();
    try {
      const a = await consumer.receive(1, 5000); // initialises the group's offsets
      for (const m of a) await consumer.ack(m);
      for (const body of ['f-a', 'f-b', 'f-c']) await producer.send({ topic: 'pc-topic', messageGroup: 'grp', body: Buffer.from(body) });
      const seen: string[] = [];
      const end = Date.now() + 10_000;
      while (seen.length < 3 && Date.now() < end) {
        const all = await consumer.receive(1, 5000);
        for (const m of all) if (!m.body.toString().startsWith('f-')) await consumer.ack(m); // older messages of the topic
        const got = all.filter((m: any) => m.body.toString().startsWith('f-'));
        if (!got.length) continue;
        seen.push(got[0].body.toString());
        assert.equal((await consumer.receive(1, 5000)).filter((m: any) => m.messageGroup === 'grp').length, 0, 'blocked until the ack');
        await consumer.ack(got[0]);
      }
      assert.deepEqual(seen, ['f-a', 'f-b', 'f-c']);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
});
