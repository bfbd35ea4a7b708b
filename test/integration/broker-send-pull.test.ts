import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { createRequest, markOneway } from '../../src/protocol/remoting-command.js';
import { SendMessageRequestHeaderV2 } from '../../src/protocol/headers/send-message.js';
import { encodeBatch } from '../../src/message/batch.js';
import { encodeProperties } from '../../src/message/properties.js';
import { decodeOffsetMessageId } from '../../src/message/message-id.js';
import { pull, records, send, sendOneway, startBroker, waitFor, type TestBroker } from './broker-harness.js';

let t: TestBroker;
before(async () => {
  t = await startBroker();
});
after(async () => {
  await t?.stop();
});

test('SEND_MESSAGE_V2 auto-creates the topic from TBW102 and answers msgId/queueId/queueOffset', async () => {
  const r1 = await send(t, 'SendTopic', 'hello', { tags: 'TagA', keys: 'K1', defaultTopicQueueNums: 4 });
  assert.equal(r1.code, ResponseCode.SUCCESS, r1.remark);
  assert.equal(r1.extFields.queueId, '0');
  assert.equal(r1.extFields.queueOffset, '0');
  assert.equal(r1.extFields.MSG_REGION, 'DefaultRegion');
  const id = decodeOffsetMessageId(r1.extFields.msgId!);
  assert.equal(id.address, '127.0.0.1');
  assert.equal(id.port, t.broker.port);
  const r2 = await send(t, 'SendTopic', 'world', { tags: 'TagB' });
  assert.equal(r2.extFields.queueOffset, '1');
  assert.equal(t.broker.topicConfigManager.get('SendTopic')?.writeQueueNums, 4);
});

test('SEND_MESSAGE (V1 long header names) and oneway send', async () => {
  const r = await send(t, 'V1Topic', 'v1 body', { v1: true, queueId: 1 });
  assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  assert.equal(r.extFields.queueId, '1');
  await sendOneway(t, 'V1Topic', 'oneway body', { queueId: 1 });
  await waitFor(() => t.broker.store.getMaxOffsetInQueue('V1Topic', 1) === 2, 2000);
  const p = await pull(t, 'V1Topic', 1, 0);
  assert.deepEqual(records(p).map((m) => m.body.toString()), ['v1 body', 'oneway body']);
});

test('SEND_BATCH_MESSAGE stores one record per message with consecutive offsets', async () => {
  const body = encodeBatch(
    [0, 1, 2].map((i) => ({ flag: 0, body: Buffer.from(`b${i}`), properties: encodeProperties({ KEYS: `bk${i}`, UNIQ_KEY: `U${i}` }) })),
  );
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'PG', topic: 'BatchTopic', defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 2,
    sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: '', batch: true,
  });
  const r = await t.call(RequestCode.SEND_BATCH_MESSAGE, ext, body);
  assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  assert.equal(r.extFields.msgId!.split(',').length, 3);
  assert.equal(r.extFields.queueOffset, '0');
  const msgs = records(await pull(t, 'BatchTopic', 2, 0));
  assert.deepEqual(msgs.map((m) => m.queueOffset), [0, 1, 2]);
  assert.deepEqual(msgs.map((m) => m.properties.KEYS), ['bk0', 'bk1', 'bk2']);
  assert.equal(msgs[0]!.properties.CLUSTER, 'DefaultCluster');
});

test('PULL_MESSAGE: tag filter by hash, statuses, commit offset bit', async () => {
  for (const tag of ['TagA', 'TagB', 'TagA', 'TagC']) await send(t, 'PullTopic', `m-${tag}`, { tags: tag });
  const all = await pull(t, 'PullTopic', 0, 0);
  assert.equal(all.code, ResponseCode.SUCCESS);
  assert.equal(all.extFields.nextBeginOffset, '4');
  assert.equal(all.extFields.maxOffset, '4');
  assert.equal(all.extFields.minOffset, '0');
  assert.equal(all.extFields.suggestWhichBrokerId, '0');
  assert.equal(records(all).length, 4);
  const a = await pull(t, 'PullTopic', 0, 0, { subscription: 'TagA || TagC' });
  assert.deepEqual(records(a).map((m) => m.properties.TAGS), ['TagA', 'TagA', 'TagC']);
  const notFound = await pull(t, 'PullTopic', 0, 4);
  assert.equal(notFound.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(notFound.remark, 'OFFSET_OVERFLOW_ONE');
  const moved = await pull(t, 'PullTopic', 0, 100);
  assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
  // Java: past the end of a queue whose min offset is 0, the client is sent back to 0.
  assert.equal(moved.extFields.nextBeginOffset, '0');
  // commit offset piggy-backed on a pull (sysFlag bit 0)
  await pull(t, 'PullTopic', 0, 2, { sysFlag: 0x1 | 0x4, commitOffset: 2, group: 'CommitGroup' });
  const q = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'CommitGroup', topic: 'PullTopic', queueId: '0' });
  assert.equal(q.code, ResponseCode.SUCCESS);
  assert.equal(q.extFields.offset, '2');
  // unknown topic
  const nt = await pull(t, 'NoSuchTopic', 0, 0);
  assert.equal(nt.code, ResponseCode.TOPIC_NOT_EXIST);
  // subscription from heartbeat required when bit 2 is clear
  const noSub = await pull(t, 'PullTopic', 0, 0, { sysFlag: 0, group: 'NeverSeen' });
  assert.equal(noSub.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
});

test('QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET', async () => {
  await send(t, 'OffTopic', 'x');
  const q0 = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'OG', topic: 'OffTopic', queueId: '0' });
  // never committed, first message still in memory: offset 0
  assert.equal(q0.code, ResponseCode.SUCCESS);
  assert.equal(q0.extFields.offset, '0');
  const u = await t.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'OG', topic: 'OffTopic', queueId: '0', commitOffset: '1' });
  assert.equal(u.code, ResponseCode.SUCCESS);
  const q1 = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'OG', topic: 'OffTopic', queueId: '0' });
  assert.equal(q1.extFields.offset, '1');
});

test('GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP, GET_EARLIEST_MSG_STORETIME', async () => {
  const before = Date.now();
  await send(t, 'TimeTopic', 'a');
  await new Promise((r) => setTimeout(r, 20));
  const mid = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  await send(t, 'TimeTopic', 'b');
  const max = await t.call(RequestCode.GET_MAX_OFFSET, { topic: 'TimeTopic', queueId: '0' });
  assert.equal(max.extFields.offset, '2');
  const min = await t.call(RequestCode.GET_MIN_OFFSET, { topic: 'TimeTopic', queueId: '0' });
  assert.equal(min.extFields.offset, '0');
  const s = await t.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { topic: 'TimeTopic', queueId: '0', timestamp: String(mid) });
  assert.equal(s.extFields.offset, '1');
  const e = await t.call(RequestCode.GET_EARLIEST_MSG_STORETIME, { topic: 'TimeTopic', queueId: '0' });
  assert.ok(Number(e.extFields.timestamp) >= before - 5 && Number(e.extFields.timestamp) <= mid);
});

test('QUERY_MESSAGE by key and by UNIQ_KEY, VIEW_MESSAGE_BY_ID', async () => {
  const r = await send(t, 'QueryTopic', 'findme', { keys: 'OrderKey-1 Other', props: { UNIQ_KEY: 'AABBCCDD00112233' } });
  const begin = String(Date.now() - 60_000);
  const end = String(Date.now() + 60_000);
  const q = (await waitFor(async () => {
    const res = await t.call(RequestCode.QUERY_MESSAGE, { topic: 'QueryTopic', key: 'OrderKey-1', maxNum: '32', beginTimestamp: begin, endTimestamp: end });
    return res.code === ResponseCode.SUCCESS ? res : undefined;
  }, 3000))!;
  assert.deepEqual(records(q).map((m) => m.body.toString()), ['findme']);
  assert.ok(q.extFields.indexLastUpdateTimestamp !== undefined);
  const u = await t.call(RequestCode.QUERY_MESSAGE, { topic: 'QueryTopic', key: 'AABBCCDD00112233', maxNum: '32', beginTimestamp: begin, endTimestamp: end, _UNIQUE_KEY_QUERY: 'true' });
  assert.equal(u.code, ResponseCode.SUCCESS, u.remark);
  assert.equal(records(u)[0]!.body.toString(), 'findme');
  const none = await t.call(RequestCode.QUERY_MESSAGE, { topic: 'QueryTopic', key: 'missing', maxNum: '32', beginTimestamp: begin, endTimestamp: end });
  assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
  const { physicalOffset } = decodeOffsetMessageId(r.extFields.msgId!);
  const v = await t.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(physicalOffset) });
  assert.equal(v.code, ResponseCode.SUCCESS);
  assert.equal(records(v)[0]!.body.toString(), 'findme');
  const bad = await t.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(10 ** 12) });
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
});

test('bad input: illegal topic name, oversized body, system topic, missing header field, unknown code', async () => {
  // as Java's TopicValidator.validateTopic: SYSTEM_ERROR with the reason
  const ill = await send(t, 'bad topic!', 'x');
  assert.equal(ill.code, ResponseCode.SYSTEM_ERROR);
  assert.match(ill.remark ?? '', /illegal characters/);
  const long = await send(t, 'x'.repeat(128), 'x');
  assert.equal(long.code, ResponseCode.SYSTEM_ERROR);
  assert.match(long.remark ?? '', /longer than topic max length/);
  const big = await send(t, 'BigTopic', Buffer.alloc(4 * 1024 * 1024 + 1));
  assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.match(big.remark ?? '', /maxMessageSize/);
  const sys = await send(t, 'SCHEDULE_TOPIC_XXXX', 'x');
  assert.equal(sys.code, ResponseCode.NO_PERMISSION);
  const missing = await t.call(RequestCode.SEND_MESSAGE_V2, { b: 'SendTopic' }, Buffer.from('x'));
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  const badQueue = await send(t, 'SendTopic', 'x', { queueId: 99 });
  assert.equal(badQueue.code, ResponseCode.SYSTEM_ERROR);
  assert.match(badQueue.remark ?? '', /queueId\[99\] is illegal/);
  const unknown = await t.call(9999);
  assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  const badPull = await t.call(RequestCode.PULL_MESSAGE, { topic: 'SendTopic' });
  assert.equal(badPull.code, ResponseCode.SYSTEM_ERROR);
  const badHb = await t.call(RequestCode.HEART_BEAT, {}, Buffer.from('{not json'));
  assert.equal(badHb.code, ResponseCode.SYSTEM_ERROR);
  // still serving
  assert.equal((await send(t, 'SendTopic', 'after')).code, ResponseCode.SUCCESS);
  void markOneway;
  void createRequest;
});

test('auto-create off: unknown topic -> TOPIC_NOT_EXIST', async () => {
  const off = await startBroker({ autoCreateTopicEnable: false });
  try {
    const r = await send(off, 'Unknown', 'x');
    assert.equal(r.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(r.remark ?? '', /not exist/);
    assert.equal(off.broker.topicConfigManager.get('TBW102'), undefined);
  } finally {
    await off.stop();
  }
});

test('a transactional half message is stored in RMQ_SYS_TRANS_HALF_TOPIC and stays invisible', async () => {
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'TxPG', topic: 'TxTopic', defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 0,
    sysFlag: 0x4, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ TRAN_MSG: 'true', PGROUP: 'TxPG' }),
  });
  const r = await t.call(RequestCode.SEND_MESSAGE_V2, ext, Buffer.from('half'));
  assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  assert.equal(t.broker.store.getMaxOffsetInQueue('TxTopic', 0), 0, 'nothing visible before END_TRANSACTION');
  assert.ok(t.broker.store.getMaxOffsetInQueue('RMQ_SYS_TRANS_HALF_TOPIC', 0) >= 1);
});

test('SYNC_FLUSH broker: sends are acknowledged after the flush', async () => {
  const s = await startBroker({ flushDiskType: 'SYNC_FLUSH' });
  try {
    const rs = await Promise.all([0, 1, 2, 3].map((i) => send(s, 'SyncTopic', `sync-${i}`)));
    for (const r of rs) assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(records(await pull(s, 'SyncTopic', 0, 0)).length, 4);
  } finally {
    await s.stop();
  }
});
