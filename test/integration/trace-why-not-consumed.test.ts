/**
 * The broker's "why was this message not consumed?" diagnosis (request 19003, admin whyNotConsumed)
 * through a real broker: consumed (with trace), filtered out by tag, delayed, in the DLQ after retries,
 * transaction not committed / rolled back, no consumer online, and an unknown id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, MessageSelector, TransactionMQProducer } from '../../src/index.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { whyNotConsumed } from '../../src/admin/commands/why-not-consumed.js';
import type { Diagnosis } from '../../src/broker/diagnosis/why-not-consumed.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;
let admin: AdminClient;
const TOPIC = 'WhyTopic';

before(async () => {
  const levels = [...Array(17).fill('100ms'), '1h'].join(' ');
  cluster = await startCluster({ broker: { traceTopicEnable: true, messageDelayLevel: levels, enablePropertyFilter: true } });
  await cluster.createTopic(TOPIC, 1);
  await cluster.waitRoute('RMQ_SYS_TRACE_TOPIC');
  producer = new DefaultMQProducer({ producerGroup: 'WhyPG', namesrvAddr: cluster.namesrvAddr, enableMsgTrace: true });
  await producer.start();
  admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
});
after(async () => {
  admin?.close();
  await producer?.shutdown();
  await cluster?.stop();
});

async function why(msgId: string, group: string, topic?: string): Promise<Diagnosis> {
  const r = await whyNotConsumed.run(admin, { msgId, consumerGroup: group, topic });
  return (r.json as Diagnosis[])[0]!;
}

test('consumed, filtered by tag, in the DLQ, delayed', async () => {
  const ok = await producer.send(new Message(TOPIC, 'fine', { tags: 'TagA' }));
  const other = await producer.send(new Message(TOPIC, 'other tag', { tags: 'TagB' }));
  const poison = await producer.send(new Message(TOPIC, 'poison', { tags: 'TagA' }));
  const delayedMsg = new Message(TOPIC, 'later', { tags: 'TagA' });
  delayedMsg.delayTimeLevel = 18;
  const delayed = await producer.send(delayedMsg);
  const seen = new Set<string>();
  let poisonTries = 0;
  const c = new DefaultMQPushConsumer({ consumerGroup: 'WhyCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', enableMsgTrace: true, maxReconsumeTimes: 1, pollNameServerInterval: 500, persistConsumerOffsetInterval: 200 });
  c.subscribe(TOPIC, 'TagA');
  c.registerMessageListener(async (msgs) => {
    for (const m of msgs) {
      seen.add(m.body.toString());
      if (m.body.toString() === 'poison') {
        poisonTries++;
        return 'RECONSUME_LATER';
      }
    }
    return 'CONSUME_SUCCESS';
  });
  await c.start();
  try {
    const store = cluster.brokers[0]!.controller.store;
    await waitUntil(() => store.getMaxOffsetInQueue('%DLQ%WhyCG', 0) === 1, 20000, 'the poison message in the DLQ');
    await waitUntil(async () => (await why(ok.msgId, 'WhyCG')).verdict === 'CONSUMED', 10000, 'the consumed verdict');
    const d1 = await why(ok.msgId, 'WhyCG');
    assert.equal(d1.topic, TOPIC);
    assert.ok(d1.findings.some((f) => f.kind === 'trace' && /consumed by WhyCG: success/.test(f.detail)), JSON.stringify(d1.findings));
    assert.ok(d1.findings.some((f) => f.kind === 'stored'));

    const d2 = await why(other.msgId, 'WhyCG');
    assert.equal(d2.verdict, 'FILTERED_BY_TAG', d2.summary);
    assert.match(d2.summary, /TagB/);

    const d3 = await why(poison.msgId, 'WhyCG');
    assert.equal(d3.verdict, 'IN_DLQ', d3.summary);
    assert.ok(poisonTries >= 2);
    assert.ok(d3.findings.some((f) => f.kind === 'retried'), JSON.stringify(d3.findings));

    const d4 = await why(delayed.msgId, 'WhyCG');
    assert.equal(d4.verdict, 'DELAYED', d4.summary);
    assert.ok(d4.findings[0]!.at! > Date.now() + 3_000_000, 'about an hour from now');
    assert.equal(seen.has('later'), false);
  } finally {
    await c.shutdown();
  }
});

test('transactions, no consumer online, unknown id', async () => {
  const tx = new TransactionMQProducer({
    producerGroup: 'WhyTxPG',
    namesrvAddr: cluster.namesrvAddr,
    transactionListener: { executeLocalTransaction: (m) => (m.body.toString() === 'undecided' ? 'UNKNOW' : 'ROLLBACK_MESSAGE'), checkLocalTransaction: () => 'UNKNOW' },
  });
  await tx.start();
  try {
    const open = await tx.sendMessageInTransaction(new Message(TOPIC, 'undecided'));
    const rolled = await tx.sendMessageInTransaction(new Message(TOPIC, 'rolled back'));
    await waitUntil(async () => (await why(rolled.msgId, 'WhyCG')).verdict === 'TRANSACTION_ROLLED_BACK', 5000, 'rollback applied');
    const d1 = await why(open.msgId, 'WhyCG');
    assert.equal(d1.verdict, 'TRANSACTION_NOT_COMMITTED', d1.summary);
  } finally {
    await tx.shutdown();
  }
  const plain = await producer.send(new Message(TOPIC, 'nobody reads this'));
  const d2 = await why(plain.msgId, 'NobodyCG', TOPIC);
  assert.equal(d2.verdict, 'NO_CONSUMER_ONLINE', d2.summary);
  const d3 = await why('0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A', 'WhyCG');
  assert.equal(d3.verdict, 'NOT_FOUND');
  assert.equal(d3.found, false);
});

test('filtered out by the group\'s SQL92 selector', async () => {
  const topic = 'WhySqlTopic';
  await cluster.createTopic(topic, 1);
  const eu = new Message(topic, 'eu order', { properties: { region: 'eu' } });
  const us = new Message(topic, 'us order', { properties: { region: 'us' } });
  await producer.send(eu);
  const usResult = await producer.send(us);
  const got: string[] = [];
  const c = new DefaultMQPushConsumer({ consumerGroup: 'WhySqlCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500 });
  c.subscribe(topic, MessageSelector.bySql("region = 'eu'"));
  c.registerMessageListener(async (msgs) => {
    for (const m of msgs) got.push(m.body.toString());
    return 'CONSUME_SUCCESS';
  });
  await c.start();
  try {
    await waitUntil(() => got.includes('eu order'), 15000, 'the eu order consumed');
    const d = await why(usResult.msgId, 'WhySqlCG');
    assert.equal(d.verdict, 'FILTERED_BY_SQL', d.summary);
    assert.match(d.summary, /region = 'eu'/);
  } finally {
    await c.shutdown();
  }
});
