/**
 * Message trace through a real broker: a producer and a push consumer with enableMsgTrace write Pub,
 * SubBefore and SubAfter records (Apache's encoding) to RMQ_SYS_TRACE_TOPIC; the admin command
 * queryMsgTraceById finds them by message id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, TransactionMQProducer, type MessageExt } from '../../src/index.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { queryMsgTraceById, queryTraceRecords } from '../../src/admin/commands/trace.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ broker: { traceTopicEnable: true } });
});
after(async () => {
  await cluster?.stop();
});

test('enableMsgTrace: send and consume are traced and queryMsgTraceById shows them', async () => {
  const topic = 'TraceTopicA';
  await cluster.createTopic(topic, 2);
  await cluster.waitRoute('RMQ_SYS_TRACE_TOPIC');
  const producer = new DefaultMQProducer({ producerGroup: 'TracePG', namesrvAddr: cluster.namesrvAddr, enableMsgTrace: true });
  const got: MessageExt[] = [];
  const consumer = new DefaultMQPushConsumer({ consumerGroup: 'TraceCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', enableMsgTrace: true, pollNameServerInterval: 500 });
  consumer.subscribe(topic, '*');
  consumer.registerMessageListener(async (msgs) => {
    got.push(...msgs);
    return 'CONSUME_SUCCESS';
  });
  await producer.start();
  await consumer.start();
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    const m = new Message(topic, 'traced body', { tags: 'TagT', keys: 'order-42' });
    const r = await producer.send(m);
    await waitUntil(() => got.length === 1, 15000, 'the message consumed');
    // Producer and consumer send their trace batches independently: wait for both sides' records.
    await waitUntil(async () => {
      const types = new Set((await queryTraceRecords(admin, r.msgId)).map((x) => x.type));
      return types.has('Pub') && types.has('SubAfter');
    }, 10000, 'the trace records stored and indexed');
    const records = await queryTraceRecords(admin, r.msgId);
    const pub = records.find((x) => x.type === 'Pub')!;
    assert.ok(pub, 'a Pub record');
    assert.equal(pub.groupName, 'TracePG');
    assert.equal(pub.topic, topic);
    assert.equal(pub.tags, 'TagT');
    assert.equal(pub.keys, 'order-42');
    assert.equal(pub.offsetMsgId, r.offsetMsgId);
    assert.equal(pub.bodyLength, Buffer.byteLength('traced body'));
    assert.equal(pub.success, true);
    const sb = records.find((x) => x.type === 'SubBefore')!;
    assert.equal(sb.groupName, 'TraceCG');
    assert.equal(sb.retryTimes, 0);
    const sa = records.find((x) => x.type === 'SubAfter')!;
    assert.equal(sa.requestId, sb.requestId);
    assert.equal(sa.success, true);
    assert.equal(sa.groupName, 'TraceCG');
    const out = await queryMsgTraceById.run(admin, { msgId: r.msgId });
    assert.match(out.text, /Pub\s+TracePG/);
    assert.match(out.text, /SubAfter\s+TraceCG/);
    // Trace messages are findable by the business key too (KEYS holds msgId and keys).
    assert.ok((await queryTraceRecords(admin, 'order-42')).length === 0, 'records are matched by msgId, not by key');
  } finally {
    admin.close();
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('enableMsgTrace on a transactional producer: Pub (half) and EndTransaction records', async () => {
  const topic = 'TraceTxTopic';
  await cluster.createTopic(topic, 1);
  const tx = new TransactionMQProducer({
    producerGroup: 'TraceTxPG',
    namesrvAddr: cluster.namesrvAddr,
    enableMsgTrace: true,
    transactionListener: { executeLocalTransaction: () => 'COMMIT_MESSAGE', checkLocalTransaction: () => 'COMMIT_MESSAGE' },
  });
  await tx.start();
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    const r = await tx.sendMessageInTransaction(new Message(topic, 'tx traced', { keys: 'tx-key' }));
    await waitUntil(async () => (await queryTraceRecords(admin, r.msgId)).some((x) => x.type === 'EndTransaction'), 10000, 'the EndTransaction record');
    const records = await queryTraceRecords(admin, r.msgId);
    const pub = records.find((x) => x.type === 'Pub')!;
    assert.equal(pub.msgType, 1, 'Trans_Msg_Half');
    const end = records.find((x) => x.type === 'EndTransaction')!;
    assert.equal(end.transactionState, 'COMMIT_MESSAGE');
    assert.equal(end.fromTransactionCheck, false);
    assert.equal(end.groupName, 'TraceTxPG');
    assert.equal(end.keys, 'tx-key');
  } finally {
    admin.close();
    await tx.shutdown();
  }
});
