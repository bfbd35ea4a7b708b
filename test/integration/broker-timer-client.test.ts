/**
 * Timer messages through a name server, broker and the client SDK: a push consumer receives a timed
 * message no earlier than asked; producer.recallMessage / rescheduleMessage and the admin commands
 * cancel and move pending ones.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, withDelay, withDeliverTime, type MessageExt } from '../../src/index.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { recallMessage, rescheduleMessage } from '../../src/admin/commands/timer-recall.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;
let consumer: DefaultMQPushConsumer;
const TOPIC = 'TimerClientTopic';
const received = new Map<string, { at: number; msg: MessageExt }>();

before(async () => {
  cluster = await startCluster({ brokers: 2 });
  await cluster.createTopic(TOPIC, 2);
  producer = new DefaultMQProducer({ producerGroup: 'TimerClientPG', namesrvAddr: cluster.namesrvAddr });
  await producer.start();
  consumer = new DefaultMQPushConsumer({ consumerGroup: 'TimerClientCG', namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500 });
  consumer.subscribe(TOPIC, '*');
  consumer.registerMessageListener(async (msgs) => {
    for (const m of msgs) received.set(m.body.toString(), { at: Date.now(), msg: m });
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
});
after(async () => {
  await consumer?.shutdown();
  await producer?.shutdown();
  await cluster?.stop();
});

test('a timed message reaches the push consumer no earlier than asked', async () => {
  const sentAt = Date.now();
  const r1 = await producer.send(withDelay(new Message(TOPIC, 'c-delay', { tags: 'T' }), 600));
  const at = Date.now() + 900;
  await producer.send(withDeliverTime(new Message(TOPIC, 'c-at'), at));
  assert.ok(r1.msgId);
  await waitUntil(() => received.has('c-delay') && received.has('c-at'), 10_000, 'both timed messages');
  const d = received.get('c-delay')!;
  assert.ok(d.at >= sentAt + 600, `received ${d.at - sentAt} ms after the send`);
  assert.ok(d.msg.storeTimestamp >= Number(d.msg.getProperty('TIMER_OUT_MS')));
  assert.equal(d.msg.msgId, r1.msgId, 'the consumer sees the producer msgId (UNIQ_KEY)');
  assert.ok(received.get('c-at')!.at >= at);
});

test('producer.recallMessage cancels, rescheduleMessage moves; unknown ids are reported', async () => {
  const a = await producer.send(withDelay(new Message(TOPIC, 'c-recalled'), 800));
  const b = await producer.send(withDelay(new Message(TOPIC, 'c-moved'), 60_000));
  const r = await producer.recallMessage(TOPIC, a.msgId);
  assert.equal(r.msgId, a.msgId);
  const newAt = Date.now() + 400;
  const m = await producer.rescheduleMessage(TOPIC, b.msgId, newAt);
  assert.equal(m.deliverTimeMs, newAt);
  assert.ok(m.recallHandle);
  await waitUntil(() => received.has('c-moved'), 10_000, 'the rescheduled message');
  assert.ok(received.get('c-moved')!.at >= newAt);
  await new Promise((res) => setTimeout(res, 700));
  assert.equal(received.has('c-recalled'), false, 'a recalled message is never delivered');
  await assert.rejects(producer.recallMessage(TOPIC, a.msgId), /no pending timer message/);
});

test('rmq admin recallMessage / rescheduleMessage', async () => {
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    const a = await producer.send(withDelay(new Message(TOPIC, 'c-admin-recalled'), 800));
    const b = await producer.send(withDelay(new Message(TOPIC, 'c-admin-moved'), 60_000));
    const r1 = await recallMessage.run(admin, { topic: TOPIC, msgId: a.msgId });
    assert.match(r1.text, /RECALLED/);
    const r2 = await rescheduleMessage.run(admin, { topic: TOPIC, msgId: b.msgId, delay: '300' });
    assert.equal((r2.json as { result: string }).result, 'RESCHEDULED');
    await waitUntil(() => received.has('c-admin-moved'), 10_000, 'the message rescheduled by admin');
    await new Promise((res) => setTimeout(res, 700));
    assert.equal(received.has('c-admin-recalled'), false);
    await assert.rejects(recallMessage.run(admin, { topic: TOPIC, msgId: a.msgId }), /CODE: 22/);
  } finally {
    admin.close();
  }
});
