/**
 * A broker + proxy restart while 5.x clients stay connected: the clients reconnect (same proxy port),
 * every acknowledged send is still delivered, acked messages are not delivered again, and a message that
 * was received but not acked before the restart comes back after its invisible time (the pop checkpoint
 * survives in the revive log).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startProxyEnv, quietLogger, type ProxyEnv } from './proxy-harness.js';

describe('proxy: broker restart with connected 5.x clients', () => {
  let env: ProxyEnv;
  let producer: Producer;
  let consumer: SimpleConsumer;
  before(async () => {
    env = await startProxyEnv();
    env.createTopic('pr-topic', 'NORMAL', 2);
    producer = new Producer({ endpoints: env.endpoints, namespace: '', topics: ['pr-topic'], logger: quietLogger } as any);
    await producer.startup();
    consumer = new SimpleConsumer({ endpoints: env.endpoints, namespace: '', consumerGroup: 'pr-g', subscriptions: new Map([['pr-topic', '*']]), awaitDuration: 1000, logger: quietLogger } as any);
    await consumer.startup();
  });
  after(async () => {
    await consumer?.shutdown().catch(() => undefined);
    await producer?.shutdown().catch(() => undefined);
    await env.stop();
  });

  it('nothing acknowledged is lost, acked messages do not come back, un-acked ones do', async () => {
    const sent = new Set<string>();
    for (let i = 0; i < 6; i++) {
      await producer.send({ topic: 'pr-topic', body: Buffer.from(`before-${i}`) });
      sent.add(`before-${i}`);
    }
    const acked = new Set<string>();
    const first = await consumer.receive(6, 2000);
    assert.ok(first.length >= 3, `received ${first.length}`);
    // Ack all but one; that one stays invisible across the restart.
    const unacked = first[0]!;
    for (const m of first.slice(1)) {
      await consumer.ack(m);
      acked.add(m.body.toString());
    }
    await env.restart();
    // The producer reconnects by itself (its sends retry); give it a bounded number of tries.
    for (let i = 0; i < 6; i++) {
      const body = `after-${i}`;
      const end = Date.now() + 10_000;
      for (;;) {
        try {
          await producer.send({ topic: 'pr-topic', body: Buffer.from(body) });
          break;
        } catch (e) {
          if (Date.now() > end) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      sent.add(body);
    }
    const got = new Map<string, number>();
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      const missing = [...sent].filter((b) => !acked.has(b) && !got.has(b));
      if (missing.length === 0) break;
      let batch: any[] = [];
      try {
        batch = await consumer.receive(16, 5000);
      } catch {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const m of batch) {
        const b = m.body.toString();
        got.set(b, (got.get(b) ?? 0) + 1);
        if (b === unacked.body.toString()) assert.ok(m.deliveryAttempt >= 2, 'the un-acked message counts its second attempt');
        await consumer.ack(m);
      }
    }
    const missing = [...sent].filter((b) => !acked.has(b) && !got.has(b));
    assert.deepEqual(missing, [], 'every un-acked message delivered after the restart');
    for (const b of acked) assert.ok(!got.has(b), `acked message ${b} delivered again`);
    assert.ok(got.has(unacked.body.toString()));
  });
});
