import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords } from '../message/message-record.js';
import { SYS_FLAG } from '../message/message-const.js';
import { RemotingResponseError } from '../common/errors.js';
import { FakeCluster, FAKE_NAMESRV } from './testing/fake-cluster.js';
import { DefaultMQProducer, type SendCallback } from './producer.js';
import { Message, type SendResult } from './message.js';
import { MessageQueue } from './message-queue.js';
import { SelectMessageQueueByHash } from './selectors.js';
import { MQClientError } from './errors.js';
import { decodePulledMessages } from './pulled-messages.js';

function setup(opts: ConstructorParameters<typeof DefaultMQProducer>[0] = {}) {
  const cluster = new FakeCluster();
  const a = cluster.addBroker('broker-a', 10911);
  const b = cluster.addBroker('broker-b', 10921);
  cluster.createTopic('T', 4);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), ...opts });
  return { cluster, a, b, producer };
}

test('send: SEND_OK with UNIQ_KEY msgId, offset msg id, queue and offset; tags and keys stored', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  try {
    const r = await producer.send(new Message('T', 'hello', { tags: 'TagA', keys: ['k1', 'k2'] }));
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.match(r.msgId, /^[0-9A-F]{32}$/);
    assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
    assert.equal(r.queueOffset, 0);
    assert.equal(r.messageQueue.topic, 'T');
    const broker = cluster.brokers.find((x) => x.brokerName === r.messageQueue.brokerName)!;
    const [rec] = decodeRecords(broker.queue('T', r.messageQueue.queueId).records[0]!);
    assert.equal(rec!.body.toString(), 'hello');
    assert.equal(rec!.properties.TAGS, 'TagA');
    assert.equal(rec!.properties.KEYS, 'k1 k2');
    assert.equal(rec!.properties.UNIQ_KEY, r.msgId);
  } finally {
    await producer.shutdown();
  }
});

test('Java-style Message constructors', () => {
  const m1 = new Message('T', 'TagA', 'body');
  assert.equal(m1.tags, 'TagA');
  assert.equal(m1.body.toString(), 'body');
  const m2 = new Message('T', 'TagB', 'KEY1', Buffer.from('x'));
  assert.equal(m2.keys, 'KEY1');
  assert.equal(m2.tags, 'TagB');
  const m3 = new Message('T', 'body-only');
  assert.equal(m3.tags, undefined);
  assert.equal(m3.body.toString(), 'body-only');
});

test('round robin spreads sends over both brokers and all queues', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  try {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => producer.send(new Message('T', `m${i}`))));
    const queues = new Set(results.map((r) => r.messageQueue.key));
    assert.equal(queues.size, 8);
    assert.equal(cluster.count('T'), 16);
  } finally {
    await producer.shutdown();
  }
});

test('unknown topic is auto-created through the TBW102 route', async () => {
  const { cluster, producer } = setup({ defaultTopicQueueNums: 2 });
  await producer.start();
  try {
    const r = await producer.send(new Message('NewTopic', 'x'));
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.ok(r.messageQueue.queueId < 2);
    assert.equal(cluster.count('NewTopic'), 1);
  } finally {
    await producer.shutdown();
  }
});

test('auto-create off: unknown topic fails with TOPIC_NOT_EXIST after retries', async () => {
  const { cluster, producer } = setup();
  cluster.autoCreate = false;
  await producer.start();
  try {
    await assert.rejects(producer.send(new Message('Nope', 'x')), (e: unknown) => e instanceof RemotingResponseError && e.responseCode === 17);
  } finally {
    await producer.shutdown();
  }
});

test('bodies over compressMsgBodyOverHowmuch are zlib-compressed and consumers inflate them', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  try {
    const body = Buffer.alloc(10000, 'abcdef');
    const r = await producer.send(new Message('T', body));
    const broker = cluster.brokers.find((x) => x.brokerName === r.messageQueue.brokerName)!;
    const raw = broker.queue('T', r.messageQueue.queueId).records[0]!;
    const [rec] = decodeRecords(raw);
    assert.equal(rec!.sysFlag & SYS_FLAG.COMPRESSED, SYS_FLAG.COMPRESSED);
    assert.equal(rec!.sysFlag & SYS_FLAG.COMPRESSION_TYPE_MASK, SYS_FLAG.COMPRESSION_ZLIB);
    assert.ok(rec!.body.length < 1000);
    const [m] = decodePulledMessages(raw, broker.brokerName, 0, 1);
    assert.deepEqual(m!.body, body);
    assert.equal(m!.sysFlag & SYS_FLAG.COMPRESSED, 0);
    assert.equal(m!.msgId, r.msgId);
  } finally {
    await producer.shutdown();
  }
});

test('batch send: one request, every message stored, msgId is the UNIQ_KEYs joined', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  try {
    const msgs = [1, 2, 3].map((i) => new Message('T', `b${i}`, { tags: 'TagBatch', keys: `K${i}` }));
    const r = await producer.send(msgs);
    assert.equal(r.msgId.split(',').length, 3);
    assert.equal(r.offsetMsgId.split(',').length, 3);
    assert.equal(cluster.count('T'), 3);
    assert.equal(cluster.requestCounts.get(320), 1);
    await assert.rejects(producer.send([new Message('T', 'a'), new Message('Other', 'b')]), MQClientError);
    const delayed = new Message('T', 'a', { delayTimeLevel: 2 });
    await assert.rejects(producer.send([delayed]), MQClientError);
  } finally {
    await producer.shutdown();
  }
});

test('send to a queue and through a selector', async () => {
  const { producer } = setup();
  await producer.start();
  try {
    const mq = new MessageQueue('T', 'broker-b', 3);
    const r = await producer.send(new Message('T', 'x'), mq);
    assert.equal(r.messageQueue.key, mq.key);
    const sel = new SelectMessageQueueByHash();
    const r1 = await producer.send(new Message('T', 'o1'), sel, 'order-42');
    const r2 = await producer.send(new Message('T', 'o2'), sel, 'order-42');
    assert.equal(r1.messageQueue.key, r2.messageQueue.key);
    const r3 = await producer.send(new Message('T', 'o3'), (mqs) => mqs[mqs.length - 1]!, null);
    assert.equal(r3.messageQueue.queueId, 3);
  } finally {
    await producer.shutdown();
  }
});

test('callback form and oneway', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  try {
    const r = await new Promise<SendResult>((resolve, reject) => {
      const cb: SendCallback = { onSuccess: resolve, onException: reject };
      producer.send(new Message('T', 'async'), cb);
    });
    assert.equal(r.sendStatus, 'SEND_OK');
    await producer.sendOneway(new Message('T', 'oneway'));
    for (let i = 0; i < 50 && cluster.count('T') < 2; i++) await new Promise((res) => setTimeout(res, 5));
    assert.equal(cluster.count('T'), 2);
  } finally {
    await producer.shutdown();
  }
});

test('retriable broker codes are retried on the other broker', async () => {
  const { a, b, producer } = setup();
  await producer.start();
  try {
    a.failSends = [14];
    b.failSends = [14];
    const r = await producer.send(new Message('T', 'x'));
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(a.sendCount + b.sendCount, 3);
    a.failSends = [13];
    b.failSends = [13];
    await assert.rejects(producer.send(new Message('T', 'y')), (e: unknown) => e instanceof RemotingResponseError && e.responseCode === 13);
  } finally {
    await producer.shutdown();
  }
});

test('latency fault avoidance keeps a timed-out broker out of selection', async () => {
  const { a, b, producer } = setup({ sendLatencyFaultEnable: true, sendMsgTimeout: 400 });
  await producer.start();
  try {
    // Find which broker the next attempt goes to by making both hang once, then look at counts.
    a.hangSends = 1;
    b.hangSends = 1;
    await assert.rejects(producer.send(new Message('T', 'x'), 150));
    a.hangSends = 0;
    b.hangSends = 0;
    const failedBroker = a.sendCount > 0 ? a : b;
    const other = failedBroker === a ? b : a;
    const before = failedBroker.sendCount;
    for (let i = 0; i < 10; i++) {
      const r = await producer.send(new Message('T', `y${i}`));
      assert.equal(r.messageQueue.brokerName, other.brokerName);
    }
    assert.equal(failedBroker.sendCount, before);
  } finally {
    await producer.shutdown();
  }
});

test('invalid messages are rejected locally', async () => {
  const { producer } = setup({ maxMessageSize: 1024 });
  await assert.rejects(producer.send(new Message('T', 'x')), /service state not OK/);
  await producer.start();
  try {
    await assert.rejects(producer.send(new Message('T', Buffer.alloc(2048))), /body size over max/);
    await assert.rejects(producer.send(new Message('bad topic!', 'x')), /illegal characters/);
    await assert.rejects(producer.send(new Message('T', '')), /body length is zero/);
  } finally {
    await producer.shutdown();
  }
});

test('a stored-but-not-OK status is returned, or retried on another broker with retryAnotherBrokerWhenNotStoreOK', async () => {
  const { a, b, producer } = setup();
  await producer.start();
  try {
    a.flushTimeouts = 1;
    b.flushTimeouts = 1;
    const r = await producer.send(new Message('T', 'x'));
    assert.equal(r.sendStatus, 'FLUSH_DISK_TIMEOUT');
    producer.retryAnotherBrokerWhenNotStoreOK = true;
    a.flushTimeouts = 1;
    b.flushTimeouts = 1;
    const before = a.sendCount + b.sendCount;
    const r2 = await producer.send(new Message('T', 'y'));
    assert.equal(r2.sendStatus, 'SEND_OK');
    assert.equal(a.sendCount + b.sendCount - before, 3);
  } finally {
    await producer.shutdown();
  }
});
