/**
 * Mixed protocols through one broker: a message sent by the 5.x client (gRPC, via the proxy) is consumed
 * by our 4.x push consumer (remoting), and a message sent by our 4.x producer is received by the 5.x
 * SimpleConsumer, with properties, keys and tags intact both ways.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, type MessageExt } from '../../src/index.js';
import { GrpcProxy } from '../../src/proxy/grpc-proxy.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';
import { quietLogger, TEST_PROXY } from './proxy-harness.js';

describe('proxy: mixed 4.x / 5.x protocols', () => {
  let cluster: TestCluster;
  let proxy: GrpcProxy;
  let endpoints: string;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
    await cluster.createTopic('pm-topic', 2);
    proxy = new GrpcProxy(cluster.brokers[0]!.controller, TEST_PROXY);
    endpoints = `127.0.0.1:${(await proxy.start()).port}`;
  });
  after(async () => {
    await proxy?.shutdown();
    await cluster?.stop();
  });

  it('5.x producer -> 4.x push consumer', async () => {
    const p5 = new Producer({ endpoints, namespace: '', topics: ['pm-topic'], logger: quietLogger } as any);
    await p5.startup();
    const got: MessageExt[] = [];
    const c4 = new DefaultMQPushConsumer({ consumerGroup: 'pm-g4', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c4.subscribe('pm-topic', 'TagFive');
    c4.registerMessageListener(async (msgs) => {
      got.push(...msgs);
      return 'CONSUME_SUCCESS';
    });
    try {
      await c4.start();
      const r = await p5.send({ topic: 'pm-topic', tag: 'TagFive', keys: ['ka', 'kb'], body: Buffer.from('from-5x'), properties: new Map([['color', 'red'], ['n', '1']]) });
      await waitUntil(() => got.length >= 1, 15_000, 'the 4.x consumer gets the 5.x message');
      const m = got[0]!;
      assert.equal(m.body.toString(), 'from-5x');
      assert.equal(m.tags, 'TagFive');
      assert.equal(m.keys, 'ka kb');
      assert.equal(m.getProperty('color'), 'red');
      assert.equal(m.getProperty('n'), '1');
      assert.equal(m.getProperty('UNIQ_KEY'), r.messageId);
    } finally {
      await c4.shutdown();
      await p5.shutdown();
    }
  });

  it('4.x producer -> 5.x SimpleConsumer', async () => {
    const p4 = new DefaultMQProducer({ producerGroup: 'pm-p4', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500 });
    await p4.start();
    const c5 = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: 'pm-g5', subscriptions: new Map([['pm-topic', 'TagFour']]), awaitDuration: 1000, logger: quietLogger } as any);
    await c5.startup();
    try {
      await p4.send(new Message('pm-topic', 'from-4x', { tags: 'TagFour', keys: ['k1', 'k2'], properties: { shape: 'square', empty: 'x' } }));
      let msgs: any[] = [];
      const end = Date.now() + 10_000;
      while (msgs.length === 0 && Date.now() < end) msgs = await c5.receive(4, 5000);
      assert.equal(msgs.length, 1);
      const m = msgs[0];
      assert.equal(m.body.toString(), 'from-4x');
      assert.equal(m.tag, 'TagFour');
      assert.deepEqual(m.keys, ['k1', 'k2']);
      assert.equal(m.properties.get('shape'), 'square');
      assert.equal(m.properties.get('empty'), 'x');
      assert.ok(!m.properties.has('TAGS') && !m.properties.has('UNIQ_KEY'), 'system properties are not user properties');
      assert.ok(m.messageId);
      await c5.ack(m);
    } finally {
      await c5.shutdown();
      await p4.shutdown();
    }
  });
});
