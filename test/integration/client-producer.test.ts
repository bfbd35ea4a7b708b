import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultLitePullConsumer, Message, MessageQueue, SelectMessageQueueByHash, RemotingResponseError, type MessageExt, type SendResult } from '../../src/index.js';
import { startCluster, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;

before(async () => {
  cluster = await startCluster({ brokers: 2 });
  producer = new DefaultMQProducer({ producerGroup: 'ItProducer', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500 });
  await producer.start();
});
after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

/** Reads back everything in a topic with a lite pull consumer (assign mode). */
async function readAll(topic: string, expect: number) {
  const c = new DefaultLitePullConsumer({ consumerGroup: `Reader_${topic}`, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  await c.start();
  try {
    c.assign(await c.fetchMessageQueues(topic));
    const out = [];
    const end = Date.now() + 10000;
    while (out.length < expect && Date.now() < end) out.push(...(await c.poll(200)));
    return out;
  } finally {
    await c.shutdown();
  }
}

test('send: auto-created topic, SendResult fields, properties visible to a consumer', async () => {
  const r = await producer.send(new Message('ItSendTopic', 'hello world', { tags: 'TagA', keys: ['order-1', 'order-2'], properties: { color: 'red' } }));
  assert.equal(r.sendStatus, 'SEND_OK');
  assert.match(r.msgId, /^[0-9A-F]{32}$/);
  assert.match(r.offsetMsgId, /^7F000001[0-9A-F]{24}$/);
  assert.equal(r.queueOffset, 0);
  await cluster.waitRoute('ItSendTopic', 1);
  const [m] = await readAll('ItSendTopic', 1);
  assert.equal(m!.body.toString(), 'hello world');
  assert.equal(m!.tags, 'TagA');
  assert.equal(m!.keys, 'order-1 order-2');
  assert.equal(m!.getProperty('color'), 'red');
  assert.equal(m!.msgId, r.msgId);
  assert.equal(m!.offsetMsgId, r.offsetMsgId);
  assert.equal(m!.brokerName, r.messageQueue.brokerName);
  const broker = cluster.brokers.find((b) => b.name === r.messageQueue.brokerName)!;
  assert.equal(m!.storeHost, `127.0.0.1:${broker.port}`);
  assert.match(m!.bornHost, /^127\.0\.0\.1:\d+$/);
  assert.ok(m!.bornTimestamp <= m!.storeTimestamp + 5);
  assert.equal(m!.queueId, r.messageQueue.queueId);
  assert.equal(m!.queueOffset, r.queueOffset);
  assert.equal(m!.reconsumeTimes, 0);
  assert.equal(m!.getProperty('MAX_OFFSET'), '1');
});

test('pipelined sends on one connection, batch, compression, selector, queue, callback and oneway', async () => {
  const topic = 'ItVariants';
  const first = await producer.send(new Message(topic, 'warm-up'));
  assert.equal(first.sendStatus, 'SEND_OK');
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send(new Message(topic, `p${i}`))));
  assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));
  assert.equal(new Set(results.map((r) => r.msgId)).size, 200);

  const batch = await producer.send(Array.from({ length: 10 }, (_, i) => new Message(topic, `b${i}`, { tags: 'TagBatch' })));
  assert.equal(batch.msgId.split(',').length, 10);
  assert.equal(batch.offsetMsgId.split(',').length, 10);

  const big = Buffer.alloc(64 * 1024, 'rocketmq ');
  await producer.send(new Message(topic, big, { tags: 'Big' }));

  const sel = new SelectMessageQueueByHash();
  const o1 = await producer.send(new Message(topic, 'order-a-1'), sel, 'order-a');
  const o2 = await producer.send(new Message(topic, 'order-a-2'), sel, 'order-a');
  assert.equal(o1.messageQueue.key, o2.messageQueue.key);

  const mq = new MessageQueue(topic, cluster.brokers[1]!.name, 2);
  const onMq = await producer.send(new Message(topic, 'to-queue'), mq);
  assert.equal(onMq.messageQueue.key, mq.key);

  const cb = await new Promise<SendResult>((resolve, reject) => producer.send(new Message(topic, 'callback'), { onSuccess: resolve, onException: reject }));
  assert.equal(cb.sendStatus, 'SEND_OK');
  await producer.sendOneway(new Message(topic, 'oneway'));

  const total = 1 + 200 + 10 + 1 + 2 + 1 + 1 + 1;
  // the topic was auto-created on both brokers: read once the name server routes to both
  await cluster.waitRoute(topic, 2);
  const msgs = await readAll(topic, total);
  assert.equal(msgs.length, total);
  const bigMsg = msgs.find((m) => m.tags === 'Big')!;
  assert.deepEqual(bigMsg.body, big);
  assert.equal(msgs.filter((m) => m.tags === 'TagBatch').length, 10);
  assert.ok(msgs.some((m) => m.body.toString() === 'oneway'));
});

test('bad input is answered clearly: oversized body, illegal topic, unknown topic with auto-create off', async () => {
  await assert.rejects(producer.send(new Message('ItBad', Buffer.alloc(4 * 1024 * 1024 + 1))), /body size over max value/);
  await assert.rejects(producer.send(new Message('bad/topic', 'x')), /illegal characters/);
  for (const b of cluster.brokers) b.controller.config.autoCreateTopicEnable = false;
  try {
    await assert.rejects(producer.send(new Message('ItNoAutoCreate', 'x')), (e: unknown) => e instanceof RemotingResponseError && e.responseCode === 17);
  } finally {
    for (const b of cluster.brokers) b.controller.config.autoCreateTopicEnable = true;
  }
});

test('a stopped broker: sends retry on the other broker and keep succeeding', async () => {
  const topic = 'ItFailover';
  // Create the topic on both brokers first.
  for (let i = 0; i < 16; i++) await producer.send(new Message(topic, `warm${i}`));
  await cluster.waitRoute(topic, 2);
  await cluster.stopBroker(1);
  try {
    const results: SendResult[] = [];
    for (let i = 0; i < 20; i++) results.push(await producer.send(new Message(topic, `f${i}`)));
    assert.ok(results.every((r) => r.sendStatus === 'SEND_OK' && r.messageQueue.brokerName === cluster.brokers[0]!.name));
  } finally {
    await cluster.startBroker(1);
  }
});

test('name server list with a dead entry: the client fails over to the live one', async () => {
  const p = new DefaultMQProducer({ producerGroup: 'ItNsFailover', namesrvAddr: `127.0.0.1:1;${cluster.namesrvAddr}` });
  await p.start();
  try {
    for (let i = 0; i < 3; i++) assert.equal((await p.send(new Message('ItNsFailoverTopic', `n${i}`))).sendStatus, 'SEND_OK');
  } finally {
    await p.shutdown();
  }
});

test('a new group reads history from the first offset; searchOffset by time finds the first later message', async () => {
  const { DefaultMQPushConsumer } = await import('../../src/index.js');
  const topic = 'ItFromWhere';
  await cluster.createTopic(topic, 1);
  const mq = new MessageQueue(topic, cluster.brokers[0]!.name, 0);
  for (let i = 0; i < 5; i++) await producer.send(new Message(topic, `old${i}`), mq);
  await new Promise((r) => setTimeout(r, 50));
  const pivot = Date.now();
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++) await producer.send(new Message(topic, `new${i}`), mq);
  const got: string[] = [];
  const c = new DefaultMQPushConsumer({ consumerGroup: 'ItFromFirst', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.subscribe(topic, '*');
  c.registerMessageListener((msgs) => void got.push(...msgs.map((m) => m.body.toString())));
  await c.start();
  try {
    const end = Date.now() + 10000;
    while (got.length < 8 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 8);
  } finally {
    await c.shutdown();
  }
  const lite = new DefaultLitePullConsumer({ consumerGroup: 'ItFromTs', namesrvAddr: cluster.namesrvAddr });
  lite.assign([mq]);
  await lite.start();
  try {
    const off = await lite.offsetForTimestamp(mq, pivot);
    assert.equal(off, 5);
    await lite.seek(mq, off);
    const out: string[] = [];
    const end = Date.now() + 10000;
    while (out.length < 3 && Date.now() < end) out.push(...(await lite.poll(200)).map((m) => m.body.toString()));
    assert.deepEqual(out, ['new0', 'new1', 'new2']);
  } finally {
    await lite.shutdown();
  }
});

test('MQAdmin calls: max/min/search offset, earliest store time, viewMessage by offset id and by UNIQ_KEY, queryMessage by key', async () => {
  const topic = 'ItAdminTopic';
  await cluster.createTopic(topic, 1);
  const mq = new MessageQueue(topic, cluster.brokers[0]!.name, 0);
  const t0 = Date.now();
  const results: SendResult[] = [];
  for (let i = 0; i < 5; i++) results.push(await producer.send(new Message(topic, `v${i}`, { keys: i === 3 ? ['special', 'other'] : `k${i}` }), mq));
  assert.equal(await producer.maxOffset(mq), 5);
  assert.equal(await producer.minOffset(mq), 0);
  assert.equal(await producer.searchOffset(mq, t0 - 1000), 0);
  const earliest = await producer.earliestMsgStoreTime(mq);
  assert.ok(earliest >= t0 - 1000 && earliest <= Date.now(), String(earliest));
  const byOffsetId = await producer.viewMessage(results[2]!.offsetMsgId);
  assert.equal(byOffsetId.body.toString(), 'v2');
  assert.equal(byOffsetId.msgId, results[2]!.msgId);
  assert.equal(byOffsetId.brokerName, mq.brokerName);
  const byUniq = await producer.viewMessage(results[4]!.msgId, topic);
  assert.equal(byUniq.body.toString(), 'v4');
  // The index is built asynchronously by the store: allow it a moment.
  let found: MessageExt[] = [];
  const end = Date.now() + 5000;
  while (found.length === 0 && Date.now() < end) {
    found = (await producer.queryMessage(topic, 'special', 32, t0 - 1000, Date.now() + 1000).catch(() => ({ messageList: [] }))).messageList;
    if (found.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(found.map((m) => m.body.toString()), ['v3']);
});
