/**
 * rocketmq-client-nodejs PushConsumer against our broker + local-mode proxy: listener success, listener
 * failure redelivered with the attempt count, and FIFO order kept with two consumers in one group.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumeResult, Producer, PushConsumer } from 'rocketmq-client-nodejs';
import { startProxyEnv, quietLogger, waitFor, type ProxyEnv } from './proxy-harness.js';

describe('proxy: 5.x PushConsumer', () => {
  let env: ProxyEnv;
  let producer: Producer;
  const closers: Array<() => Promise<void>> = [];
  const push = async (group: string, topic: string, consume: (m: any) => ConsumeResult | Promise<ConsumeResult>): Promise<PushConsumer> => {
    const c = new PushConsumer({
      endpoints: env.endpoints,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      longPollingTimeout: 1000,
      messageListener: { consume },
      logger: quietLogger,
    } as any);
    await c.startup();
    closers.push(() => c.shutdown());
    return c;
  };
  before(async () => {
    env = await startProxyEnv();
    env.createTopic('pp-normal', 'NORMAL');
    env.createTopic('pp-fail', 'NORMAL');
    env.createTopic('pp-fifo', 'FIFO', 2);
    producer = new Producer({ endpoints: env.endpoints, namespace: '', topics: ['pp-normal', 'pp-fail', 'pp-fifo'], logger: quietLogger } as any);
    await producer.startup();
  });
  after(async () => {
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    await producer?.shutdown().catch(() => undefined);
    await env.stop();
  });

  it('listener success: every message consumed once', async () => {
    const seen = new Map<string, number>();
    await push('pp-g-ok', 'pp-normal', (m) => {
      seen.set(m.body.toString(), (seen.get(m.body.toString()) ?? 0) + 1);
      return ConsumeResult.SUCCESS;
    });
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'pp-normal', body: Buffer.from(`m${i}`) });
    await waitFor(() => seen.size === 20, 15_000, '20 messages consumed');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok([...seen.values()].every((n) => n === 1), 'no duplicates');
  });

  it('listener failure: the message is redelivered with delivery attempt 2', async () => {
    const attempts: number[] = [];
    await push('pp-g-fail', 'pp-fail', (m) => {
      attempts.push(m.deliveryAttempt);
      return attempts.length === 1 ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
    });
    await producer.send({ topic: 'pp-fail', body: Buffer.from('fail-once') });
    await waitFor(() => attempts.length >= 2, 15_000, 'a redelivery');
    assert.deepEqual(attempts.slice(0, 2), [1, 2]);
  });

  it('auto-renew: a listener slower than the invisible time is not redelivered meanwhile', async () => {
    const env2 = await startProxyEnv({}, { defaultInvisibleTimeMills: 1500, renewAheadMillis: 1000, renewIntervalMillis: 200 });
    try {
      env2.createTopic('pp-slow', 'NORMAL', 1);
      const p = new Producer({ endpoints: env2.endpoints, namespace: '', topics: ['pp-slow'], logger: quietLogger } as any);
      await p.startup();
      let calls = 0;
      let done = false;
      const c = new PushConsumer({
        endpoints: env2.endpoints,
        namespace: '',
        consumerGroup: 'pp-g-slow',
        subscriptions: new Map([['pp-slow', '*']]),
        messageListener: {
          async consume() {
            calls++;
            await new Promise((r) => setTimeout(r, 3500));
            done = true;
            return ConsumeResult.SUCCESS;
          },
        },
        logger: quietLogger,
      } as any);
      await c.startup();
      await p.send({ topic: 'pp-slow', body: Buffer.from('slow') });
      await waitFor(() => done, 15_000, 'the slow listener');
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(calls, 1, 'delivered once: the proxy kept renewing the receipt while the listener ran');
      await c.shutdown();
      await p.shutdown();
    } finally {
      await env2.stop();
    }
  });

  it('FIFO: two consumers in one group keep each message group in order', async () => {
    env.setGroup('pp-g-fifo', { fifo: true });
    const order = new Map<string, number[]>();
    const consume = (m: any): ConsumeResult => {
      const [g, n] = m.body.toString().split(':');
      order.set(g, [...(order.get(g) ?? []), Number(n)]);
      return ConsumeResult.SUCCESS;
    };
    await push('pp-g-fifo', 'pp-fifo', consume);
    await push('pp-g-fifo', 'pp-fifo', consume);
    const groups = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 10; i++) for (const g of groups) await producer.send({ topic: 'pp-fifo', messageGroup: g, body: Buffer.from(`${g}:${i}`) });
    await waitFor(() => groups.every((g) => (order.get(g)?.length ?? 0) >= 10), 20_000, 'all FIFO messages');
    for (const g of groups) assert.deepEqual(order.get(g), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `group ${g} in order`);
  });
});
