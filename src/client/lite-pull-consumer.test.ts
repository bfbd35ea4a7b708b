import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeCluster, FAKE_NAMESRV } from './testing/fake-cluster.js';
import { DefaultMQProducer } from './producer.js';
import { DefaultLitePullConsumer } from './lite-pull-consumer.js';
import { Message } from './message.js';
import { MessageQueue } from './message-queue.js';

function setup() {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 2);
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  return { cluster, producer };
}

async function drain(c: DefaultLitePullConsumer, n: number, ms = 5000): Promise<string[]> {
  const out: string[] = [];
  const end = Date.now() + ms;
  while (out.length < n && Date.now() < end) for (const m of await c.poll(200)) out.push(m.body.toString());
  return out;
}

test('subscribe + poll + commitSync; a new member of the group resumes after the committed offsets', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  for (let i = 0; i < 30; i++) await producer.send(new Message('T', `m${i}`));
  const c = new DefaultLitePullConsumer({ consumerGroup: 'LG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), autoCommit: false, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.subscribe('T', '*');
  await c.start();
  let got: string[];
  try {
    got = await drain(c, 30);
    assert.equal(new Set(got).size, 30);
    await c.commitSync();
    assert.equal((await c.committed(new MessageQueue('T', 'broker-a', 0))) + (await c.committed(new MessageQueue('T', 'broker-a', 1))), 30);
  } finally {
    await c.shutdown();
  }
  for (let i = 30; i < 40; i++) await producer.send(new Message('T', `m${i}`));
  const c2 = new DefaultLitePullConsumer({ consumerGroup: 'LG', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c2.subscribe('T');
  await c2.start();
  try {
    const rest = await drain(c2, 10);
    assert.deepEqual(rest.sort(), Array.from({ length: 10 }, (_, i) => `m${30 + i}`).sort());
  } finally {
    await c2.shutdown();
    await producer.shutdown();
  }
});

test('assign + seek / seekToBegin / seekToEnd, pause and resume', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  const mq = new MessageQueue('T', 'broker-a', 0);
  for (let i = 0; i < 10; i++) await producer.send(new Message('T', `q${i}`), mq);
  const c = new DefaultLitePullConsumer({ consumerGroup: 'LG2', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.assign([mq]);
  await c.start();
  try {
    assert.deepEqual(c.assignment().map((q) => q.key), [mq.key]);
    const all = await drain(c, 10);
    assert.equal(all.length, 10);
    await c.seek(mq, 7);
    assert.deepEqual(await drain(c, 3), ['q7', 'q8', 'q9']);
    await c.seekToBegin(mq);
    assert.equal((await drain(c, 10)).length, 10);
    await c.seekToEnd(mq);
    assert.deepEqual(await c.poll(100), []);
    await assert.rejects(c.seek(mq, 99), /Seek offset illegal/);
    c.pause([mq]);
    assert.ok(c.isPaused(mq));
    await new Promise((r) => setTimeout(r, 50));
    await producer.send(new Message('T', 'late'), mq);
    c.resume([mq]);
    assert.deepEqual(await drain(c, 1, 4000), ['late']);
    assert.throws(() => c.subscribe('T'), /mutually exclusive/);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('async iterator yields batches until shutdown', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  for (let i = 0; i < 12; i++) await producer.send(new Message('T', `it${i}`));
  const c = new DefaultLitePullConsumer({ consumerGroup: 'LG3', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollTimeoutMillis: 100 });
  c.subscribe('T');
  await c.start();
  const seen = new Set<string>();
  try {
    for await (const msgs of c) {
      for (const m of msgs) seen.add(m.body.toString());
      if (seen.size === 12) break;
    }
    assert.equal(seen.size, 12);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('broadcasting lite pull: two members each get everything; offsets in the local file', async () => {
  const { tempDir } = await import('../../test/support/paths.js');
  const { existsSync } = await import('node:fs');
  const { cluster, producer } = setup();
  const { dir, cleanup } = tempDir();
  await producer.start();
  for (let i = 0; i < 8; i++) await producer.send(new Message('T', `bc${i}`));
  const members = [0, 1].map(
    () => new DefaultLitePullConsumer({ consumerGroup: 'LGB', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport(), messageModel: 'BROADCASTING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', offsetStoreDir: dir }),
  );
  try {
    for (const m of members) {
      m.subscribe('T');
      await m.start();
    }
    for (const m of members) assert.equal(new Set(await drain(m, 8)).size, 8);
    for (const m of members) await m.commitSync();
    for (const m of members) {
      const file = `${dir}/${m.clientId}/LGB/offsets.json`;
      assert.ok(existsSync(file), file);
    }
  } finally {
    for (const m of members) await m.shutdown();
    await producer.shutdown();
    cleanup();
  }
});
