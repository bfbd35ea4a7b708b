import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message } from '../../src/index.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster({ brokers: 1 });
});
after(async () => {
  await cluster?.stop();
});

test('broker restart mid-stream: the producer retries, the consumer resumes, nothing is lost', async () => {
  const topic = 'ItRestartTopic';
  await cluster.createTopic(topic, 4);
  const producer = new DefaultMQProducer({ producerGroup: 'ItRestartPG', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, sendMsgTimeout: 1000 });
  const consumer = new DefaultMQPushConsumer({ consumerGroup: 'ItRestartCG', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  const received = new Set<string>();
  consumer.subscribe(topic, '*');
  consumer.registerMessageListener((msgs) => {
    for (const m of msgs) received.add(m.body.toString());
  });
  await producer.start();
  await consumer.start();
  const sent: string[] = [];
  let sendErrors = 0;
  let stop = false;
  // One sender that re-sends a message until the broker has stored it.
  const sender = (async () => {
    for (let i = 0; !stop; i++) {
      const body = `r${i}`;
      for (;;) {
        try {
          await producer.send(new Message(topic, body));
          sent.push(body);
          break;
        } catch {
          sendErrors++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  try {
    await waitUntil(() => sent.length >= 100, 10000, '100 sends before the restart');
    await cluster.stopBroker(0);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.startBroker(0);
    const afterRestart = sent.length;
    await waitUntil(() => sent.length >= afterRestart + 100, 20000, '100 sends after the restart');
    stop = true;
    await sender;
    await waitUntil(() => sent.every((b) => received.has(b)), 20000, 'every stored message consumed');
    console.log(`restart test: sent ${sent.length}, send attempts failed while down ${sendErrors}, received ${received.size}`);
    assert.ok(sent.every((b) => received.has(b)));
  } finally {
    stop = true;
    await sender;
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('committed offsets survive a broker restart: the group resumes exactly after what it consumed', async () => {
  const topic = 'ItResumeTopic';
  const group = 'ItResumeCG';
  await cluster.createTopic(topic, 4);
  const producer = new DefaultMQProducer({ producerGroup: 'ItResumePG', namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500 });
  await producer.start();
  const first = new Set<string>();
  const c1 = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c1.subscribe(topic, '*');
  c1.registerMessageListener((msgs) => void msgs.forEach((m) => first.add(m.body.toString())));
  try {
    await c1.start();
    await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send(new Message(topic, `a${i}`))));
    await waitUntil(() => first.size === 100, 15000, 'first 100');
    await c1.shutdown();
    await cluster.stopBroker(0);
    await cluster.startBroker(0);
    await cluster.waitRoute(topic, 1, 10000);
    const sendOne = async (body: string): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await producer.send(new Message(topic, body));
          return;
        } catch (e) {
          if (attempt > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    for (let i = 0; i < 50; i++) await sendOne(`b${i}`);
    const second: string[] = [];
    const c2 = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c2.subscribe(topic, '*');
    c2.registerMessageListener((msgs) => void msgs.forEach((m) => second.push(m.body.toString())));
    try {
      await c2.start();
      await waitUntil(() => second.length >= 50, 15000, 'the 50 new messages');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([...second].sort(), Array.from({ length: 50 }, (_, i) => `b${i}`).sort());
    } finally {
      await c2.shutdown();
    }
  } finally {
    await c1.shutdown();
    await producer.shutdown();
  }
});
