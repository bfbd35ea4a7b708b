import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { createRequest, createResponse, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/consumer.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { heartbeatBody, pull, records, send, startBroker, waitFor, type TestBroker } from './broker-harness.js';

let t: TestBroker;
before(async () => {
  // Fast delay levels so retries come back in 100 ms; level 1 stays 1 s for the delay test.
  t = await startBroker({ messageDelayLevel: '1s 100ms 100ms 100ms 100ms 100ms 100ms 100ms' });
});
after(async () => {
  await t?.stop();
});

test('long polling: a held pull is woken by an arriving message in well under 50 ms', async () => {
  await send(t, 'LpTopic', 'first');
  const lat: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const p = pull(t, 'LpTopic', 0, i, { sysFlag: 0x2 | 0x4, suspendTimeoutMillis: 10_000, timeoutMs: 15_000 });
    await waitFor(() => t.broker.pullRequestHoldService.heldCount === 1, 2000, 2);
    // From the send request (the message lands before its ack) to the held pull's response.
    const sentAt = performance.now();
    await send(t, 'LpTopic', `msg-${i}`);
    const res = await p;
    lat.push(performance.now() - sentAt);
    assert.equal(res.code, ResponseCode.SUCCESS);
    assert.equal(records(res)[0]!.body.toString(), `msg-${i}`);
  }
  lat.sort((a, b) => a - b);
  const median = lat[2]!;
  console.log(`long-poll wake-up (send request -> held pull answered) ms: ${lat.map((x) => x.toFixed(2)).join(' ')}`);
  assert.ok(median < 50, `median wake-up ${median} ms`);
});

test('long polling: times out with PULL_NOT_FOUND after suspendTimeoutMillis; a non-matching tag does not wake it', async () => {
  await send(t, 'LpTopic2', 'x', { tags: 'A' });
  const start = Date.now();
  const p = pull(t, 'LpTopic2', 0, 1, { sysFlag: 0x2 | 0x4, subscription: 'B', suspendTimeoutMillis: 300 });
  await waitFor(() => t.broker.pullRequestHoldService.heldCount === 1, 2000, 2);
  await send(t, 'LpTopic2', 'y', { tags: 'A' });
  const res = await p;
  const took = Date.now() - start;
  assert.ok(took >= 280, `answered after ${took} ms`);
  // re-run at timeout: the tag-A message is skipped by the filter
  assert.ok(res.code === ResponseCode.PULL_RETRY_IMMEDIATELY || res.code === ResponseCode.PULL_NOT_FOUND, String(res.code));
});

test('HEART_BEAT registers the group, creates %RETRY%, NOTIFY_CONSUMER_IDS_CHANGED on join/leave, GET_CONSUMER_LIST_BY_GROUP', async () => {
  const notified: string[] = [];
  const c1 = new RemotingClient();
  const c2 = new RemotingClient();
  c1.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req: RemotingCommand) => {
    notified.push(String(req.extFields.consumerGroup));
    return null;
  });
  try {
    const hb = (c: RemotingClient, id: string) =>
      c.invoke(t.addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeatBody(id, 'HbGroup', { HbTopic: 'TagA || TagB' }, 'HbProducer')), 3000);
    assert.equal((await hb(c1, 'client-1')).code, ResponseCode.SUCCESS);
    assert.ok(t.broker.topicConfigManager.get('%RETRY%HbGroup'));
    assert.ok(t.broker.subscriptionGroupManager.table.get('HbGroup'));
    assert.equal((await hb(c2, 'client-2')).code, ResponseCode.SUCCESS);
    await waitFor(() => notified.length >= 1, 2000);
    const list = await t.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'HbGroup' });
    assert.deepEqual(JSON.parse(list.body!.toString()).consumerIdList.sort(), ['client-1', 'client-2']);
    // heartbeat subscription is used when the pull carries none (sysFlag bit 2 clear)
    await send(t, 'HbTopic', 'a', { tags: 'TagA' });
    await send(t, 'HbTopic', 'c', { tags: 'TagC' });
    const p = await pull(t, 'HbTopic', 0, 0, { sysFlag: 0, group: 'HbGroup' });
    assert.deepEqual(records(p).map((m) => m.body.toString()), ['a']);
    // client 2 leaves by closing its connection: client 1 is told
    const before = notified.length;
    c2.close();
    await waitFor(() => notified.length > before, 2000);
    const list2 = await t.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'HbGroup' });
    assert.deepEqual(JSON.parse(list2.body!.toString()).consumerIdList, ['client-1']);
    // UNREGISTER_CLIENT empties the group
    const un = await c1.invoke(t.addr, createRequest(RequestCode.UNREGISTER_CLIENT, { clientID: 'client-1', consumerGroup: 'HbGroup', producerGroup: 'HbProducer' }), 3000);
    assert.equal(un.code, ResponseCode.SUCCESS);
    const none = await t.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'HbGroup' });
    assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
    const cc = await t.call(RequestCode.CHECK_CLIENT_CONFIG, {}, Buffer.from(JSON.stringify({ clientId: 'x', group: 'HbGroup', subscriptionData: { topic: 'HbTopic', subString: '*', expressionType: 'TAG' } })));
    assert.equal(cc.code, ResponseCode.SUCCESS);
    const sql = await t.call(RequestCode.CHECK_CLIENT_CONFIG, {}, Buffer.from(JSON.stringify({ clientId: 'x', group: 'HbGroup', subscriptionData: { topic: 'HbTopic', subString: 'a > 1', expressionType: 'SQL92' } })));
    assert.notEqual(sql.code, ResponseCode.SUCCESS);
    void createResponse;
  } finally {
    c1.close();
    c2.close();
  }
});

function sendBack(offset: number, group: string, delayLevel: number, maxReconsumeTimes?: number): Promise<RemotingCommand> {
  const ext = ConsumerSendMsgBackRequestHeader.encode({ offset, group, delayLevel, originMsgId: 'X', originTopic: 'RetryTopic', maxReconsumeTimes });
  return t.call(RequestCode.CONSUMER_SEND_MSG_BACK, ext);
}

test('CONSUMER_SEND_MSG_BACK: retry through %RETRY% with reconsume times, then DLQ after maxReconsumeTimes', async () => {
  const sent = await send(t, 'RetryTopic', 'fail me', { tags: 'T1', keys: 'RK' });
  const orig = records(await pull(t, 'RetryTopic', 0, 0))[0]!;
  assert.equal((await sendBack(orig.commitLogOffset, 'RG', 0, 2)).code, ResponseCode.SUCCESS);
  // delay level 3 + 0 = 100 ms here, then it lands in %RETRY%RG
  const r1 = await waitFor(async () => records(await pull(t, '%RETRY%RG', 0, 0, { group: 'RG' }))[0], 3000);
  assert.equal(r1.reconsumeTimes, 1);
  assert.equal(r1.properties.RETRY_TOPIC, 'RetryTopic');
  assert.equal(r1.properties.ORIGIN_MESSAGE_ID, orig.offsetMsgId);
  assert.equal(r1.body.toString(), 'fail me');
  assert.equal(r1.properties.DELAY, undefined);
  assert.equal(sent.extFields.msgId, orig.offsetMsgId);
  assert.equal((await sendBack(r1.commitLogOffset, 'RG', 0, 2)).code, ResponseCode.SUCCESS);
  const r2 = await waitFor(async () => records(await pull(t, '%RETRY%RG', 0, 1, { group: 'RG' }))[0], 3000);
  assert.equal(r2.reconsumeTimes, 2);
  assert.equal(r2.properties.ORIGIN_MESSAGE_ID, orig.offsetMsgId);
  // reconsumeTimes 2 >= max 2: dead letter
  assert.equal((await sendBack(r2.commitLogOffset, 'RG', 0, 2)).code, ResponseCode.SUCCESS);
  const dlq = await waitFor(async () => records(await pull(t, '%DLQ%RG', 0, 0, { group: 'RG' }))[0], 3000);
  assert.equal(dlq.reconsumeTimes, 3);
  assert.equal(dlq.properties.RETRY_TOPIC, 'RetryTopic');
  assert.equal(dlq.body.toString(), 'fail me');
  // delayLevel -1: straight to the DLQ
  await send(t, 'RetryTopic', 'straight', { queueId: 1 });
  const m = records(await pull(t, 'RetryTopic', 1, 0))[0]!;
  assert.equal((await sendBack(m.commitLogOffset, 'RG', -1)).code, ResponseCode.SUCCESS);
  const d2 = await waitFor(async () => records(await pull(t, '%DLQ%RG', 0, 1, { group: 'RG' }))[0], 3000);
  assert.equal(d2.body.toString(), 'straight');
  // bad offset
  const bad = await sendBack(10 ** 12, 'RG', 0);
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
});

test('send to %RETRY%<group> with reconsumeTimes above max goes to the DLQ', async () => {
  const r = await send(t, '%RETRY%SG', 'client-side retry', { reconsumeTimes: 3, maxReconsumeTimes: 2 });
  assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  const d = await waitFor(async () => records(await pull(t, '%DLQ%SG', 0, 0, { group: 'SG' }))[0], 2000);
  assert.equal(d.body.toString(), 'client-side retry');
  const ok = await send(t, '%RETRY%SG', 'normal retry', { reconsumeTimes: 1, maxReconsumeTimes: 2 });
  assert.equal(ok.code, ResponseCode.SUCCESS);
  assert.equal(records(await pull(t, '%RETRY%SG', 0, 0, { group: 'SG' }))[0]!.body.toString(), 'normal retry');
});

test('delay level 1 (1 s): parked in SCHEDULE_TOPIC_XXXX, delivered to the real topic after ~1 s', async () => {
  const start = Date.now();
  const r = await send(t, 'DelayTopic', 'later', { props: { DELAY: '1' }, tags: 'D' });
  assert.equal(r.code, ResponseCode.SUCCESS);
  assert.equal(t.broker.store.getMaxOffsetInQueue('DelayTopic', 0) <= 0, true);
  const m = (await waitFor(async () => {
    const res = await pull(t, 'DelayTopic', 0, 0);
    return res.code === ResponseCode.SUCCESS ? records(res)[0] : undefined;
  }, 6000, 25))!;
  const took = Date.now() - start;
  assert.ok(took >= 950 && took < 4000, `delivered after ${took} ms`);
  assert.equal(m.body.toString(), 'later');
  assert.equal(m.properties.REAL_TOPIC, 'DelayTopic');
  assert.equal(m.properties.DELAY, undefined);
  assert.equal(m.properties.TAGS, 'D');
  const offs = await t.call(RequestCode.GET_ALL_DELAY_OFFSET);
  assert.equal(JSON.parse(offs.body!.toString()).offsetTable['1'], 1);
});
