import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, DefaultLitePullConsumer, Message, type MessageExt, type PushConsumerOptions } from '../../src/index.js';
import { tempDir } from '../support/paths.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;

before(async () => {
  // Fast delay levels: redeliveries (level 3 + n) come back after 100 ms.
  cluster = await startCluster({ brokers: 2, broker: { messageDelayLevel: '1s 100ms 100ms 100ms 100ms 100ms 100ms 100ms 100ms 100ms' } });
  producer = new DefaultMQProducer({ producerGroup: 'ItConsumerProducer', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500 });
  await producer.start();
});
after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

function pushConsumer(group: string, topic: string, expr: string, listener: (msgs: MessageExt[]) => unknown, o: Partial<PushConsumerOptions> = {}): DefaultMQPushConsumer {
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...o });
  c.subscribe(topic, expr);
  c.registerMessageListener(async (msgs) => (await listener(msgs)) as 'CONSUME_SUCCESS' | 'RECONSUME_LATER' | undefined);
  return c;
}

test('a group of three over 8 queues gets every message once; when one leaves the others take over with nothing lost', async () => {
  const topic = 'ItGroupTopic';
  await cluster.createTopic(topic, 4);
  const counts = new Map<string, number>();
  const perMember = [0, 0, 0];
  const members = [0, 1, 2].map((i) =>
    pushConsumer('ItGroupCG', topic, '*', (msgs) => {
      for (const m of msgs) counts.set(m.body.toString(), (counts.get(m.body.toString()) ?? 0) + 1);
      perMember[i]! += msgs.length;
    }),
  );
  try {
    for (const m of members) await m.start();
    const owned = () => members.map((m) => m.ownedMessageQueues(topic).map((q) => q.key));
    await waitUntil(() => {
      const o = owned();
      const all = o.flat();
      return o.every((x) => x.length > 0) && all.length === 8 && new Set(all).size === 8;
    }, 10000, 'three members owning all 8 queues');
    await Promise.all(Array.from({ length: 400 }, (_, i) => producer.send(new Message(topic, `g${i}`))));
    await waitUntil(() => counts.size === 400, 15000, '400 messages consumed');
    await new Promise((r) => setTimeout(r, 200));
    const dups = [...counts.values()].filter((n) => n > 1).length;
    assert.equal(dups, 0, 'no message consumed twice');
    assert.ok(perMember.every((n) => n > 0), `every member consumed (${perMember})`);

    await members[2]!.shutdown();
    await waitUntil(() => {
      const all = owned().slice(0, 2).flat();
      return all.length === 8 && new Set(all).size === 8;
    }, 10000, 'two members owning all 8 queues');
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send(new Message(topic, `h${i}`))));
    await waitUntil(() => counts.size === 600, 15000, 'all 600 messages consumed');
    console.log(`group test: per member ${perMember.join('/')}, redelivered after leave: ${[...counts.values()].filter((n) => n > 1).length}`);
  } finally {
    for (const m of members) await m.shutdown();
  }
});

test('RECONSUME_LATER and throws are redelivered through %RETRY% with reconsumeTimes, original topic and msgId', async () => {
  const topic = 'ItRetryTopic';
  await cluster.createTopic(topic, 2);
  const deliveries = new Map<string, MessageExt[]>();
  const c = pushConsumer('ItRetryCG', topic, 'TagA', (msgs) => {
    const m = msgs[0]!;
    const body = m.body.toString();
    deliveries.set(body, [...(deliveries.get(body) ?? []), m]);
    if (m.reconsumeTimes === 0) {
      if (body.endsWith('throw')) throw new Error('listener failure');
      return 'RECONSUME_LATER';
    }
    return 'CONSUME_SUCCESS';
  });
  try {
    await c.start();
    const r1 = await producer.send(new Message(topic, 'r-later', { tags: 'TagA', keys: 'K1' }));
    const r2 = await producer.send(new Message(topic, 'r-throw', { tags: 'TagA' }));
    await producer.send(new Message(topic, 'r-other-tag', { tags: 'TagB' }));
    await waitUntil(() => (deliveries.get('r-later')?.length ?? 0) >= 2 && (deliveries.get('r-throw')?.length ?? 0) >= 2, 15000, 'redeliveries');
    for (const [body, r] of [['r-later', r1], ['r-throw', r2]] as const) {
      const [first, second] = deliveries.get(body)!;
      assert.equal(first!.reconsumeTimes, 0);
      assert.equal(second!.reconsumeTimes, 1);
      assert.equal(second!.topic, topic);
      assert.equal(second!.msgId, r.msgId);
      assert.equal(second!.tags, 'TagA');
    }
    assert.equal(deliveries.get('r-later')![1]!.keys, 'K1');
    assert.equal(deliveries.has('r-other-tag'), false);
  } finally {
    await c.shutdown();
  }
});

test('after maxReconsumeTimes failures the message lands in %DLQ%<group>', async () => {
  const topic = 'ItDlqTopic';
  await cluster.createTopic(topic, 1);
  let calls = 0;
  const c = pushConsumer('ItDlqCG', topic, '*', () => {
    calls++;
    return 'RECONSUME_LATER';
  }, { maxReconsumeTimes: 2 });
  try {
    await c.start();
    const r = await producer.send(new Message(topic, 'doomed'));
    await waitUntil(() => calls >= 3, 15000, 'three deliveries');
    await cluster.waitRoute('%DLQ%ItDlqCG', 1, 10000);
    const reader = new DefaultLitePullConsumer({ consumerGroup: 'ItDlqReader', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    await reader.start();
    try {
      reader.assign(await reader.fetchMessageQueues('%DLQ%ItDlqCG'));
      let dlq: MessageExt[] = [];
      const end = Date.now() + 10000;
      while (dlq.length === 0 && Date.now() < end) dlq = await reader.poll(200);
      assert.equal(dlq.length, 1);
      assert.equal(dlq[0]!.body.toString(), 'doomed');
      assert.equal(dlq[0]!.msgId, r.msgId);
    } finally {
      await reader.shutdown();
    }
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(calls, 3);
  } finally {
    await c.shutdown();
  }
});

test('broadcasting: every member gets every message; offsets in the local file', async () => {
  const topic = 'ItBroadcastTopic';
  await cluster.createTopic(topic, 2);
  const { dir, cleanup } = tempDir();
  const got = [new Set<string>(), new Set<string>()];
  const members = [0, 1].map((i) =>
    pushConsumer('ItBroadcastCG', topic, '*', (msgs) => {
      for (const m of msgs) got[i]!.add(m.body.toString());
    }, { messageModel: 'BROADCASTING', offsetStoreDir: dir }),
  );
  try {
    for (const m of members) await m.start();
    await waitUntil(() => members.every((m) => m.ownedMessageQueues(topic).length === 4), 10000, 'each member owning every queue');
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send(new Message(topic, `bc${i}`))));
    await waitUntil(() => got.every((s) => s.size === 50), 10000, 'both members got 50');
  } finally {
    for (const m of members) await m.shutdown();
    cleanup();
  }
});

test('orderly consumers: two members, per-order sequence kept, queues locked on the broker', async () => {
  const topic = 'ItOrderlyTopic';
  await cluster.createTopic(topic, 4);
  const { SelectMessageQueueByHash } = await import('../../src/index.js');
  const seq = new Map<string, number[]>();
  let suspends = 0;
  const members = [0, 1].map(() => {
    const c = new DefaultMQPushConsumer({ consumerGroup: 'ItOrderlyCG', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', suspendCurrentQueueTimeMillis: 50 });
    c.subscribe(topic, '*');
    c.registerMessageListenerOrderly((msgs) => {
      const [order, n] = msgs[0]!.body.toString().split(':');
      if (n === '5' && msgs[0]!.reconsumeTimes === 0) {
        suspends++;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      seq.set(order!, [...(seq.get(order!) ?? []), Number(n)]);
      return 'SUCCESS';
    });
    return c;
  });
  try {
    for (const m of members) await m.start();
    await waitUntil(() => {
      const all = members.flatMap((m) => m.ownedMessageQueues(topic).map((q) => q.key));
      return members.every((m) => m.ownedMessageQueues(topic).length > 0) && all.length === 8 && new Set(all).size === 8;
    }, 10000, 'two members owning all 8 queues');
    const sel = new SelectMessageQueueByHash();
    const orders = Array.from({ length: 12 }, (_, i) => `order${i}`);
    for (let n = 0; n < 20; n++) await Promise.all(orders.map((o) => producer.send(new Message(topic, `${o}:${n}`), sel, o)));
    await waitUntil(() => [...seq.values()].reduce((a, s) => a + s.length, 0) === 240, 20000, 'all 240 ordered messages');
    for (const [o, s] of seq) assert.deepEqual(s, Array.from({ length: 20 }, (_, i) => i), `order ${o}`);
    assert.ok(suspends > 0);
  } finally {
    for (const m of members) await m.shutdown();
  }
});

test('delayTimeLevel: a delayed message arrives after its level delay, on its own topic', async () => {
  const topic = 'ItDelayTopic';
  await cluster.createTopic(topic, 1);
  const got: Array<{ m: MessageExt; at: number }> = [];
  const c = pushConsumer('ItDelayCG', topic, '*', (msgs) => void msgs.forEach((m) => got.push({ m, at: Date.now() })));
  try {
    await c.start();
    await waitUntil(() => c.ownedMessageQueues(topic).length > 0, 10000, 'queues owned');
    const sentAt = Date.now();
    await producer.send(new Message(topic, 'later', { delayTimeLevel: 1 }));
    await producer.send(new Message(topic, 'now'));
    await waitUntil(() => got.length >= 2, 10000, 'both messages');
    const now = got.find((g) => g.m.body.toString() === 'now')!;
    const later = got.find((g) => g.m.body.toString() === 'later')!;
    assert.ok(now.at <= later.at);
    assert.ok(later.at - sentAt >= 900, `delayed by ${later.at - sentAt} ms`);
    assert.equal(later.m.topic, topic);
  } finally {
    await c.shutdown();
  }
});
