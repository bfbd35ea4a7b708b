/**
 * rocketmq-client-nodejs (5.x, gRPC) against our broker + local-mode proxy: producer normal / FIFO /
 * delay / transaction; SimpleConsumer receive, ack, change invisible duration, redelivery with the
 * attempt count; error codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startProxyEnv, quietLogger, type ProxyEnv } from './proxy-harness.js';

describe('proxy: 5.x producer and SimpleConsumer', () => {
  let env: ProxyEnv;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    env = await startProxyEnv();
    env.createTopic('px-normal', 'NORMAL');
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await env.stop();
  });

  it('sends a normal message and a SimpleConsumer receives and acks it', async () => {
    const producer = new Producer({ endpoints: env.endpoints, namespace: '', topics: ['px-normal'], logger: quietLogger } as any);
    await producer.startup();
    closers.push(() => producer.shutdown());
    const consumer = new SimpleConsumer({ endpoints: env.endpoints, namespace: '', consumerGroup: 'px-g1', subscriptions: new Map([['px-normal', '*']]), awaitDuration: 2000, logger: quietLogger } as any);
    await consumer.startup();
    closers.push(() => consumer.shutdown());
    const receipt = await producer.send({ topic: 'px-normal', tag: 'TagA', keys: ['k1', 'k2'], body: Buffer.from('hello'), properties: new Map([['p1', 'v1']]) });
    assert.ok(receipt.messageId);
    const got = await consumer.receive(16, 5000);
    assert.equal(got.length, 1);
    const m = got[0]!;
    assert.equal(m.body.toString(), 'hello');
    assert.equal(m.tag, 'TagA');
    assert.deepEqual(m.keys, ['k1', 'k2']);
    assert.equal(m.properties.get('p1'), 'v1');
    assert.equal(m.messageId, receipt.messageId);
    assert.equal(m.deliveryAttempt, 1);
    await consumer.ack(m);
  });
});
