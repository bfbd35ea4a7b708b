/**
 * Ordered consumption through a real broker: messages of one key go to one queue (hash selector), an
 * orderly push consumer group sees each key's messages in order, no queue is processed by two members
 * at once while members join and leave (lock before pull, unlock after the in-flight batch), and a
 * message that keeps failing is retried locally (SUSPEND_CURRENT_QUEUE_A_MOMENT) and then goes to the
 * DLQ after maxReconsumeTimes, letting the queue move on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, SelectMessageQueueByHash, type MessageExt, type PushConsumerOptions } from '../../src/index.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;

before(async () => {
  cluster = await startCluster({ broker: { messageDelayLevel: '100ms 100ms 100ms 100ms 100ms 100ms 100ms 100ms' } });
  producer = new DefaultMQProducer({ producerGroup: 'OrderItProducer', namesrvAddr: cluster.namesrvAddr });
  await producer.start();
});
after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

function orderly(group: string, topic: string, onBatch: (msgs: MessageExt[], queueId: number) => Promise<'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT'>, o: Partial<PushConsumerOptions> = {}): DefaultMQPushConsumer {
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500, ...o });
  c.subscribe(topic, '*');
  c.registerMessageListenerOrderly((msgs, ctx) => onBatch(msgs, ctx.messageQueue.queueId));
  return c;
}

test('orderly group: per-key order and one member per queue at a time across joins and leaves', async () => {
  const topic = 'OrderRebalanceTopic';
  await cluster.createTopic(topic, 4);
  const KEYS = 16;
  const STEPS = 60;
  const selector = new SelectMessageQueueByHash();
  const seen = new Map<number, number[]>(); // key -> steps in delivery order
  const active = new Map<number, string>(); // queueId -> member now inside the listener
  const violations: string[] = [];
  const perMember = new Map<string, number>();
  const mk = (name: string) =>
    orderly('OrderRebalanceCG', topic, async (msgs, queueId) => {
      const other = active.get(queueId);
      if (other !== undefined) violations.push(`queue ${queueId}: ${name} while ${other}`);
      active.set(queueId, name);
      try {
        for (const m of msgs) {
          const [k, s] = m.body.toString().split(':').map(Number) as [number, number];
          const list = seen.get(k) ?? [];
          list.push(s);
          seen.set(k, list);
        }
        perMember.set(name, (perMember.get(name) ?? 0) + msgs.length);
        await new Promise((r) => setTimeout(r, 3)); // slow enough that rebalances hit running batches
      } finally {
        active.delete(queueId);
      }
      return 'SUCCESS';
    });
  const a = mk('a');
  const b = mk('b');
  const c = mk('c');
  await a.start();
  const total = KEYS * STEPS;
  let sent = 0;
  const sendSome = async (n: number) => {
    for (let i = 0; i < n && sent < total; i++, sent++) {
      const step = Math.floor(sent / KEYS);
      const key = sent % KEYS;
      await producer.send(new Message(topic, `${key}:${step}`), selector, key);
    }
  };
  const count = () => [...seen.values()].reduce((n, l) => n + l.length, 0);
  try {
    await sendSome(total / 4);
    await b.start(); // rebalance: a gives up half of its queues
    await sendSome(total / 4);
    await c.start();
    await sendSome(total / 4);
    await waitUntil(() => count() >= total / 2, 20000, 'half consumed');
    await a.shutdown(); // a leaves mid-stream
    await sendSome(total / 4);
    await waitUntil(() => count() >= total, 30000, `all ${total} consumed (have ${count()})`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(violations, [], 'never two members inside one queue');
    for (let k = 0; k < KEYS; k++) {
      const steps = seen.get(k) ?? [];
      assert.deepEqual(steps, Array.from({ length: STEPS }, (_, i) => i), `key ${k} in order, each step once`);
    }
    assert.ok((perMember.get('b') ?? 0) > 0 && (perMember.get('c') ?? 0) > 0, `members b and c consumed (${[...perMember]})`);
  } finally {
    await a.shutdown();
    await b.shutdown();
    await c.shutdown();
  }
});

test('orderly: a failing message suspends its queue, is retried locally, then goes to the DLQ after maxReconsumeTimes', async () => {
  const topic = 'OrderPoisonTopic';
  await cluster.createTopic(topic, 1);
  const calls: string[] = [];
  const times: number[] = [];
  const consumer = orderly(
    'OrderPoisonCG',
    topic,
    async (msgs) => {
      for (const m of msgs) calls.push(m.body.toString());
      if (msgs.some((m) => m.body.toString() === 'poison')) {
        times.push(Date.now());
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      return 'SUCCESS';
    },
    { maxReconsumeTimes: 2, suspendCurrentQueueTimeMillis: 100 },
  );
  await consumer.start();
  try {
    for (const body of ['before', 'poison', 'after']) await producer.send(new Message(topic, body), new SelectMessageQueueByHash(), 1);
    await waitUntil(() => calls.includes('after'), 15000, 'the queue moving on past the poison message');
    // First try plus maxReconsumeTimes local retries, each after the suspend pause; "after" only then.
    assert.deepEqual(calls, ['before', 'poison', 'poison', 'poison', 'after']);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 90, `suspended ~100 ms between tries (${times})`);
    const store = cluster.brokers[0]!.controller.store;
    await waitUntil(() => store.getMaxOffsetInQueue('%DLQ%OrderPoisonCG', 0) === 1, 5000, 'the poison message in the DLQ');
  } finally {
    await consumer.shutdown();
  }
});
