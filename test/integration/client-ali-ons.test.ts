/**
 * Interop with a third-party 4.x client: messages from our producer (tags, keys, user properties,
 * a zlib-compressed body, a batch) are read correctly by ali-ons, and ali-ons' messages reach our
 * push consumer with their tags, keys and message ids.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, type MessageExt } from '../../src/index.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster({ brokers: 1 });
});
after(async () => {
  await cluster?.stop();
});

function runChild(args: string[]): Promise<Record<string, unknown>> {
  const child = fileURLToPath(new URL('./client-ali-ons-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, cluster.namesrvAddr, ...args], { timeout: 45_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stdout}\n${stderr}`));
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      if (r.error) return reject(new Error(String(r.error)));
      resolve(r);
    });
  });
}

test('ali-ons reads what our producer sends: tags, keys, properties, compressed body, batch', { timeout: 60_000 }, async () => {
  const topic = 'InteropToOns';
  await cluster.createTopic(topic, 2);
  const producer = new DefaultMQProducer({ producerGroup: 'InteropPG', namesrvAddr: cluster.namesrvAddr });
  await producer.start();
  const big = 'x'.repeat(8000);
  const ids: string[] = [];
  try {
    ids.push((await producer.send(new Message(topic, 'plain', { tags: 'TagA', keys: ['k1', 'k2'], properties: { color: 'red' } }))).msgId);
    ids.push((await producer.send(new Message(topic, big, { tags: 'Big' }))).msgId);
    ids.push(...(await producer.send([new Message(topic, 'b1', { tags: 'TagB' }), new Message(topic, 'b2', { tags: 'TagB' })])).msgId.split(','));
  } finally {
    await producer.shutdown();
  }
  const r = (await runChild([topic, 'consume', '4'])) as { got: Array<{ body: string; tags: string; keys: unknown; msgId: string; props: Record<string, string> }> };
  assert.equal(r.got.length, 4, JSON.stringify(r.got).slice(0, 500));
  const plain = r.got.find((g) => g.body === 'plain')!;
  assert.equal(plain.tags, 'TagA');
  assert.equal(String(plain.keys), 'k1 k2');
  assert.equal(plain.props.color, 'red');
  assert.equal(r.got.find((g) => g.tags === 'Big')!.body, big);
  assert.deepEqual(r.got.filter((g) => g.tags === 'TagB').map((g) => g.body).sort(), ['b1', 'b2']);
  // ali-ons reports the offset id as msgId; our message id is the UNIQ_KEY property.
  assert.deepEqual(r.got.map((g) => g.props.UNIQ_KEY).sort(), [...ids].sort());
});

test('our push consumer reads what ali-ons sends', { timeout: 60_000 }, async () => {
  const topic = 'InteropFromOns';
  await cluster.createTopic(topic, 2);
  const got: MessageExt[] = [];
  const consumer = new DefaultMQPushConsumer({ consumerGroup: 'InteropCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe(topic, 'OnsTag');
  consumer.registerMessageListener((msgs) => void got.push(...msgs));
  await consumer.start();
  try {
    const r = (await runChild([topic, 'produce', '3'])) as { sent: Array<{ msgId: string; sendStatus: string }> };
    assert.ok(r.sent.every((s) => s.sendStatus === 'SEND_OK'));
    await waitUntil(() => got.length >= 3, 15000, 'three messages from ali-ons');
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['from ali-ons 0', 'from ali-ons 1', 'from ali-ons 2']);
    assert.ok(got.every((m) => m.tags === 'OnsTag'));
    assert.deepEqual(got.map((m) => m.keys).sort(), ['ons-0', 'ons-1', 'ons-2']);
    assert.deepEqual(got.map((m) => m.msgId).sort(), r.sent.map((s) => s.msgId).sort());
  } finally {
    await consumer.shutdown();
  }
});
