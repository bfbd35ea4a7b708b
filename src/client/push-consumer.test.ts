import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tempDir } from '../../test/support/paths.js';
import { FakeCluster, FAKE_NAMESRV } from './testing/fake-cluster.js';
import { DefaultMQProducer } from './producer.js';
import { DefaultMQPushConsumer, type MessageListenerConcurrently } from './push-consumer.js';
import { Message, type MessageExt } from './message.js';
import { AllocateMessageQueueAveragelyByCircle } from './allocate.js';
import { createRequest } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { parseFastjson, toFastjson } from '../protocol/body/fastjson.js';
import { MessageQueue } from './message-queue.js';
import type { FakeTransport } from './testing/fake-cluster.js';

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup() {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.addBroker('broker-b', 10921);
  cluster.createTopic('T', 4);
  return cluster;
}

function consumer(cluster: FakeCluster, group: string, listener: MessageListenerConcurrently, extra: Partial<ConstructorParameters<typeof DefaultMQPushConsumer>[0]> = {}) {
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...extra });
  c.subscribe('T', extra.subscription ? undefined : '*');
  c.registerMessageListener(listener);
  return c;
}

test('three members over 8 queues consume every message once; the rest take over when one leaves', async () => {
  const cluster = setup();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const seen = new Map<string, number>();
  const byMember = [0, 0, 0];
  const members = [0, 1, 2].map((i) =>
    consumer(cluster, 'CG', (msgs) => {
      for (const m of msgs) {
        seen.set(m.body.toString(), (seen.get(m.body.toString()) ?? 0) + 1);
        byMember[i]!++;
      }
      return 'CONSUME_SUCCESS';
    }),
  );
  try {
    for (const m of members) await m.start();
    // Let membership settle: all three own queues.
    await waitFor(() => members.every((m) => (m as unknown as { rebalance: { processQueueTable: Map<string, unknown> } }).rebalance.processQueueTable.size >= 2), 5000, 'rebalance');
    for (let i = 0; i < 200; i++) await producer.send(new Message('T', `m${i}`));
    await waitFor(() => seen.size === 200, 10000, 'first 200');
    await new Promise((r) => setTimeout(r, 100));
    for (const [k, n] of seen) assert.equal(n, 1, `${k} consumed ${n} times`);
    assert.ok(byMember.every((n) => n > 0), `every member consumed: ${byMember}`);
    await members[2]!.shutdown();
    await waitFor(() => members.slice(0, 2).reduce((n, m) => n + (m as unknown as { rebalance: { processQueueTable: Map<string, unknown> } }).rebalance.processQueueTable.size, 0) >= 10, 5000, 'takeover');
    for (let i = 200; i < 300; i++) await producer.send(new Message('T', `m${i}`));
    await waitFor(() => seen.size === 300, 10000, 'all 300');
  } finally {
    for (const m of members) await m.shutdown();
    await producer.shutdown();
  }
});

test('failed messages come back through the retry topic with reconsumeTimes, original topic and msgId', async () => {
  const cluster = setup();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const deliveries: MessageExt[] = [];
  const c = consumer(cluster, 'CG2', (msgs) => {
    deliveries.push(...msgs);
    if (msgs[0]!.reconsumeTimes === 0) throw new Error('first attempt fails');
    return 'CONSUME_SUCCESS';
  });
  try {
    await c.start();
    const r = await producer.send(new Message('T', 'retry-me', { tags: 'TagR' }));
    await waitFor(() => deliveries.length >= 2, 10000, 'redelivery');
    const [first, second] = deliveries;
    assert.equal(first!.reconsumeTimes, 0);
    assert.equal(second!.reconsumeTimes, 1);
    assert.equal(second!.topic, 'T');
    assert.equal(second!.msgId, r.msgId);
    assert.equal(second!.body.toString(), 'retry-me');
    assert.equal(second!.tags, 'TagR');
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('after maxReconsumeTimes the message goes to the DLQ', async () => {
  const cluster = setup();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  let calls = 0;
  const c = consumer(cluster, 'CG3', () => {
    calls++;
    return 'RECONSUME_LATER';
  }, { maxReconsumeTimes: 2 });
  try {
    await c.start();
    await producer.send(new Message('T', 'doomed'));
    await waitFor(() => cluster.count('%DLQ%CG3') === 1, 10000, 'DLQ');
    assert.equal(calls, 3);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('when CONSUMER_SEND_MSG_BACK fails the client re-sends to %RETRY% itself', async () => {
  const cluster = setup();
  cluster.failSendBack = true;
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const deliveries: MessageExt[] = [];
  const c = consumer(cluster, 'CG4', (msgs) => {
    deliveries.push(...msgs);
    return msgs[0]!.reconsumeTimes === 0 ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
  });
  try {
    await c.start();
    const r = await producer.send(new Message('T', 'fallback'));
    await waitFor(() => deliveries.length >= 2, 10000, 'redelivery');
    assert.equal(deliveries[1]!.reconsumeTimes, 1);
    assert.equal(deliveries[1]!.topic, 'T');
    assert.equal(deliveries[1]!.msgId, r.msgId);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('tag expression filters on the client by exact tag', async () => {
  const cluster = setup();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const got: string[] = [];
  const c = new DefaultMQPushConsumer({ consumerGroup: 'CG5', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', consumeMessageBatchMaxSize: 4 });
  c.subscribe('T', 'TagA || TagB');
  c.registerMessageListener(async (msgs) => {
    for (const m of msgs) got.push(m.tags ?? '');
  });
  try {
    await c.start();
    for (const t of ['TagA', 'TagB', 'TagC', 'TagA']) await producer.send(new Message('T', t, { tags: t }));
    await producer.send(new Message('T', 'none'));
    await waitFor(() => got.length === 3, 5000, 'tagged messages');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got.sort(), ['TagA', 'TagA', 'TagB']);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('broadcasting: every member gets every message; offsets go to a local file', async () => {
  const cluster = setup();
  const { dir, cleanup } = tempDir();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const got = [new Set<string>(), new Set<string>()];
  const members = [0, 1].map((i) =>
    consumer(cluster, 'CGB', (msgs) => {
      for (const m of msgs) got[i]!.add(m.body.toString());
    }, { messageModel: 'BROADCASTING', offsetStoreDir: dir, allocateMessageQueueStrategy: new AllocateMessageQueueAveragelyByCircle() }),
  );
  try {
    for (const m of members) await m.start();
    for (let i = 0; i < 20; i++) await producer.send(new Message('T', `b${i}`));
    await waitFor(() => got[0]!.size === 20 && got[1]!.size === 20, 5000, 'broadcast');
    for (const m of members) await m.shutdown();
    const file = (members[0] as unknown as { offsetStore: { storePath: string } }).offsetStore.storePath;
    assert.ok(existsSync(file));
    const table = JSON.parse(readFileSync(file, 'utf8')).offsetTable as Array<{ offset: number }>;
    assert.equal(table.reduce((n, e) => n + e.offset, 0), 20);
  } finally {
    for (const m of members) await m.shutdown();
    await producer.shutdown();
    cleanup();
  }
});

test('flow control: a slow listener never has more than pullThresholdForQueue messages cached', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 1);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  for (let i = 0; i < 10; i++) await producer.send(Array.from({ length: 10 }, (_, j) => new Message('T', `f${i}-${j}`)));
  let maxCached = 0;
  let consumed = 0;
  const c = consumer(cluster, 'CGF', async () => {
    const pq = [...(c as unknown as { rebalance: { processQueueTable: Map<string, { pq: { msgCount: number } }> } }).rebalance.processQueueTable.values()][0]!.pq;
    maxCached = Math.max(maxCached, pq.msgCount);
    await new Promise((r) => setTimeout(r, 1));
    consumed++;
  }, { pullThresholdForQueue: 10, pullBatchSize: 5, consumeThreadMax: 2, consumeThreadMin: 1 });
  try {
    await c.start();
    await waitFor(() => consumed === 100, 10000, 'all consumed');
    assert.ok(maxCached <= 10 + 5, `max cached ${maxCached}`);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('broker -> client: GET_CONSUMER_RUNNING_INFO and RESET_CONSUMER_CLIENT_OFFSET', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 2);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const got: string[] = [];
  const transport = cluster.transport();
  const c = new DefaultMQPushConsumer({ consumerGroup: 'CGR', namesrvAddr: FAKE_NAMESRV, transport, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.subscribe('T', '*');
  c.registerMessageListener((msgs) => {
    for (const m of msgs) got.push(m.body.toString());
  });
  try {
    await c.start();
    const mq = new MessageQueue('T', 'broker-a', 0);
    for (let i = 0; i < 5; i++) await producer.send(new Message('T', `x${i}`), mq);
    await waitFor(() => got.length === 5, 5000, 'first pass');
    const clientId = c.ownedMessageQueues().length > 0 ? transport.clientId : '';
    const info = await (transport as FakeTransport).deliver(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'CGR', clientId }));
    assert.equal(info!.code, 0);
    const body = parseFastjson(info!.body!) as { properties: Record<string, string>; subscriptionSet: Array<{ topic: string }> };
    assert.equal(body.properties.PROP_CONSUME_TYPE, 'CONSUME_PASSIVELY');
    assert.ok(body.subscriptionSet.some((s) => s.topic === 'T'));
    // Rewind queue 0 to offset 2: messages x2..x4 are consumed again.
    const reset = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, { topic: 'T', group: 'CGR', timestamp: '0', isForce: 'true' }, Buffer.from(toFastjson({ offsetTable: new Map([[mq.toJSON(), 2]]) })));
    await (transport as FakeTransport).deliver(reset);
    await waitFor(() => got.length === 8, 5000, 'replay after reset');
    assert.deepEqual(got.slice(5).sort(), ['x2', 'x3', 'x4']);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('orderly: each queue consumed in order, one batch at a time; a suspended batch is retried locally first', async () => {
  const cluster = setup();
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const seq = new Map<string, number[]>();
  let suspended = 0;
  let active = 0;
  let overlap = false;
  const c = new DefaultMQPushConsumer({ consumerGroup: 'CGO', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', suspendCurrentQueueTimeMillis: 20 });
  c.subscribe('T', '*');
  const perQueueActive = new Set<string>();
  c.registerMessageListenerOrderly(async (msgs, ctx) => {
    const key = ctx.messageQueue.key;
    if (perQueueActive.has(key)) overlap = true;
    perQueueActive.add(key);
    active++;
    await new Promise((r) => setTimeout(r, 1));
    active--;
    perQueueActive.delete(key);
    const m = msgs[0]!;
    const [order, n] = m.body.toString().split(':');
    if (n === '3' && m.reconsumeTimes === 0) {
      suspended++;
      return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
    }
    seq.set(order!, [...(seq.get(order!) ?? []), Number(n)]);
    return 'SUCCESS';
  });
  try {
    await c.start();
    const { SelectMessageQueueByHash } = await import('./selectors.js');
    const sel = new SelectMessageQueueByHash();
    for (let n = 0; n < 10; n++) for (const order of ['o1', 'o2', 'o3', 'o4', 'o5']) await producer.send(new Message('T', `${order}:${n}`), sel, order);
    await waitFor(() => [...seq.values()].reduce((a, s) => a + s.length, 0) === 50, 10000, 'all ordered messages');
    for (const [order, s] of seq) assert.deepEqual(s, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `order ${order}`);
    assert.ok(suspended >= 1);
    assert.equal(overlap, false, 'one batch at a time per queue');
    assert.ok([...cluster.brokers[0]!.locks.values()].length + [...cluster.brokers[1]!.locks.values()].length > 0);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
  assert.equal([...cluster.brokers[0]!.locks.values()].length + [...cluster.brokers[1]!.locks.values()].length, 0, 'locks released on shutdown');
});

test('awaitTerminationMillisWhenShutdown: in-flight listener calls finish and are committed; the next member does not see them again', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 1);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  for (let i = 0; i < 4; i++) await producer.send(new Message('T', `s${i}`));
  const first: string[] = [];
  let started = 0;
  const c1 = consumer(cluster, 'CGS', async (msgs) => {
    started++;
    await new Promise((r) => setTimeout(r, 200));
    first.push(...msgs.map((m) => m.body.toString()));
  }, { awaitTerminationMillisWhenShutdown: 3000, consumeThreadMax: 4 });
  const second: string[] = [];
  const c2 = consumer(cluster, 'CGS', (msgs) => void second.push(...msgs.map((m) => m.body.toString())));
  try {
    await c1.start();
    await waitFor(() => started === 4, 5000, 'four listener calls running');
    await c1.shutdown();
    assert.equal(first.length, 4);
    await c2.start();
    await producer.send(new Message('T', 'after'));
    await waitFor(() => second.length >= 1, 5000, 'new message');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(second, ['after']);
  } finally {
    await c1.shutdown();
    await c2.shutdown();
    await producer.shutdown();
  }
});

test('consumeTimeout: a message stuck in the listener is sent back, redelivered, and stops holding the offset', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 1);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  const deliveries: Array<{ body: string; times: number }> = [];
  const c = consumer(cluster, 'CGT', async (msgs) => {
    const m = msgs[0]!;
    deliveries.push({ body: m.body.toString(), times: m.reconsumeTimes });
    if (m.body.toString() === 'stuck' && m.reconsumeTimes === 0) await new Promise(() => undefined);
  }, { consumeTimeout: 0.005, consumeThreadMax: 4 });
  try {
    await c.start();
    await producer.send(new Message('T', 'stuck'));
    await producer.send(new Message('T', 'next'));
    await waitFor(() => deliveries.some((d) => d.body === 'stuck' && d.times === 1), 5000, 'redelivery of the stuck message');
    await waitFor(() => cluster.brokers[0]!.offsets.get('T@CGT@0') === 2 || (c as unknown as { offsetStore: { cloneOffsetTable(): Map<unknown, number> } }).offsetStore.cloneOffsetTable().size > 0, 3000, 'offset');
    const table = (c as unknown as { offsetStore: { cloneOffsetTable(): Map<{ topic: string }, number> } }).offsetStore.cloneOffsetTable();
    const off = [...table].find(([mq]) => mq.topic === 'T')?.[1];
    assert.equal(off, 2);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});
