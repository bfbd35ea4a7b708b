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
