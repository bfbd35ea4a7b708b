import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultLitePullConsumer, Message, MessageQueue } from '../../src/index.js';
import { startCluster, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;

before(async () => {
  cluster = await startCluster({ brokers: 1 });
  producer = new DefaultMQProducer({ producerGroup: 'ItLiteProducer', namesrvAddr: cluster.namesrvAddr });
  await producer.start();
});
after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

async function drain(c: DefaultLitePullConsumer, n: number, ms = 10000): Promise<string[]> {
  const out: string[] = [];
  const end = Date.now() + ms;
  while (out.length < n && Date.now() < end) for (const m of await c.poll(200)) out.push(m.body.toString());
  return out;
}

test('lite pull subscribe: poll, commitSync, and the group resumes from committed offsets', async () => {
  const topic = 'ItLiteTopic';
  await cluster.createTopic(topic, 4);
  await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send(new Message(topic, `l${i}`))));
  const c = new DefaultLitePullConsumer({ consumerGroup: 'ItLiteCG', namesrvAddr: cluster.namesrvAddr, autoCommit: false, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.subscribe(topic, '*');
  await c.start();
  try {
    const got = await drain(c, 40);
    assert.equal(new Set(got).size, 40);
    await c.commitSync();
    let committed = 0;
    for (let q = 0; q < 4; q++) committed += await c.committed(new MessageQueue(topic, 'broker-a', q));
    assert.equal(committed, 40);
  } finally {
    await c.shutdown();
  }
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(new Message(topic, `m${i}`))));
  const c2 = new DefaultLitePullConsumer({ consumerGroup: 'ItLiteCG', namesrvAddr: cluster.namesrvAddr });
  c2.subscribe(topic);
  await c2.start();
  try {
    const rest = await drain(c2, 10);
    assert.deepEqual(rest.sort(), Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    assert.deepEqual(await c2.poll(300), []);
  } finally {
    await c2.shutdown();
  }
});

test('lite pull assign: seek, seekToBegin, seekToEnd, offsetForTimestamp and the async iterator', async () => {
  const topic = 'ItLiteAssign';
  await cluster.createTopic(topic, 2);
  const mq = new MessageQueue(topic, 'broker-a', 1);
  for (let i = 0; i < 10; i++) await producer.send(new Message(topic, `a${i}`), mq);
  const c = new DefaultLitePullConsumer({ consumerGroup: 'ItLiteAssignCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollTimeoutMillis: 200 });
  c.assign([mq]);
  await c.start();
  try {
    assert.equal((await drain(c, 10)).length, 10);
    await c.seek(mq, 8);
    assert.deepEqual(await drain(c, 2), ['a8', 'a9']);
    await c.seekToBegin(mq);
    const seen: string[] = [];
    for await (const msgs of c) {
      seen.push(...msgs.map((m) => m.body.toString()));
      if (seen.length >= 10) break;
    }
    assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `a${i}`));
    await c.seekToEnd(mq);
    assert.deepEqual(await c.poll(300), []);
    assert.equal(await c.offsetForTimestamp(mq, 0), 0);
  } finally {
    await c.shutdown();
  }
});
