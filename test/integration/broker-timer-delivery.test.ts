/**
 * Timer messages through a real broker (raw remoting): delivery no earlier than asked, relative delays
 * on the broker clock (producer clock skew), too-far refusal, RECALL_MESSAGE cancel / reschedule, and
 * pending timers surviving a clean restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { encodeProperties } from '../../src/message/properties.js';
import { SendMessageRequestHeaderV2 } from '../../src/protocol/headers/send-message.js';
import { uniqueKeyGenerator } from '../../src/message/message-id.js';
import type { MessageExt } from '../../src/message/message-record.js';
import { pull, records, startBroker, waitFor, type TestBroker } from './broker-harness.js';

let t: TestBroker;
const TOPIC = 'TimerTopic';

before(async () => {
  t = await startBroker({ timerFlushIntervalMs: 100 });
  t.broker.topicConfigManager.updateTopicConfig({ topicName: TOPIC, readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
});
after(async () => {
  await t?.stop();
});

async function sendTimer(body: string, props: Record<string, string>, bornTimestamp = Date.now()) {
  const key = uniqueKeyGenerator.next();
  const ext = SendMessageRequestHeaderV2.encode({
    producerGroup: 'PG',
    topic: TOPIC,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 4,
    queueId: 0,
    sysFlag: 0,
    bornTimestamp,
    flag: 0,
    properties: encodeProperties({ UNIQ_KEY: key, ...props }),
  });
  const sentAt = Date.now();
  const res = await t.client.invoke(t.addr, createRequest(RequestCode.SEND_MESSAGE_V2, ext, Buffer.from(body)), 5000);
  return { res, key, sentAt };
}

let nextOffset = 0;
/** Messages delivered to the real topic since the last call. */
async function delivered(): Promise<MessageExt[]> {
  const res = await pull(t, TOPIC, 0, nextOffset);
  const ms = records(res);
  if (ms.length) nextOffset = ms[ms.length - 1]!.queueOffset + 1;
  return ms;
}

async function waitDelivered(n: number, timeoutMs: number): Promise<MessageExt[]> {
  const got: MessageExt[] = [];
  await waitFor(async () => {
    got.push(...(await delivered()));
    return got.length >= n;
  }, timeoutMs, 5);
  return got;
}

test('TIMER_DELAY_MS: parked, delivered to the real topic and queue no earlier than asked, with TIMER_OUT_MS and a recall handle', async () => {
  const { res, sentAt } = await sendTimer('d1', { TIMER_DELAY_MS: '400', TAGS: 'TagT' });
  assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
  assert.ok(res.extFields.recallHandle, 'send response carries a recallHandle');
  assert.equal(res.extFields.queueId, '0');
  assert.equal((await delivered()).length, 0, 'not in the real topic before its time');
  const [m] = await waitDelivered(1, 5000);
  const out = Number(m!.properties.TIMER_OUT_MS);
  assert.ok(out >= sentAt + 400, 'TIMER_OUT_MS is broker receive time + delay');
  assert.ok(m!.storeTimestamp >= out, `stored at ${m!.storeTimestamp}, not before ${out}`);
  assert.ok(m!.storeTimestamp - out < 2000, `late by ${m!.storeTimestamp - out} ms (precision is measured by bench/timer)`);
  assert.equal(m!.topic, TOPIC);
  assert.equal(m!.properties.TAGS, 'TagT');
  assert.equal(m!.properties.REAL_TOPIC, undefined);
  assert.ok(m!.properties.TIMER_DEQUEUE_MS);
});

test('TIMER_DELIVER_MS (absolute) and TIMER_DELAY_SEC; a past time is delivered at once', async () => {
  const at = Date.now() + 300;
  assert.equal((await sendTimer('abs', { TIMER_DELIVER_MS: String(at) })).res.code, ResponseCode.SUCCESS);
  assert.equal((await sendTimer('sec', { TIMER_DELAY_SEC: '1' })).res.code, ResponseCode.SUCCESS);
  assert.equal((await sendTimer('past', { TIMER_DELIVER_MS: String(Date.now() - 10_000) })).res.code, ResponseCode.SUCCESS);
  const first = await waitDelivered(1, 5000);
  assert.equal(first[0]!.body.toString(), 'past');
  const rest = await waitDelivered(2, 10_000);
  assert.deepEqual(rest.map((m) => m.body.toString()), ['abs', 'sec']);
  assert.ok(rest[0]!.storeTimestamp >= at);
});

test('clock skew: a producer whose clock is an hour off still gets TIMER_DELAY_MS relative to the broker clock', async () => {
  const skewed = Date.now() - 3_600_000;
  const { res, sentAt } = await sendTimer('skew', { TIMER_DELAY_MS: '300' }, skewed);
  assert.equal(res.code, ResponseCode.SUCCESS);
  const [m] = await waitDelivered(1, 5000);
  assert.equal(m!.bornTimestamp, skewed);
  assert.ok(m!.storeTimestamp >= sentAt + 300 && m!.storeTimestamp < sentAt + 10_000, `delivered ${m!.storeTimestamp - sentAt} ms after the send`);
});

test('a delay beyond timerMaxDelaySec is refused with MESSAGE_ILLEGAL; a larger configured max accepts it', async () => {
  const far = await sendTimer('far', { TIMER_DELAY_SEC: String(4 * 86400) });
  assert.equal(far.res.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.match(far.res.remark ?? '', /max delay 259200000ms/);
  const bad = await sendTimer('bad', { TIMER_DELAY_MS: 'soon' });
  assert.equal(bad.res.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.match(bad.res.remark ?? '', /not an integer/);
  t.broker.config.timerMaxDelaySec = 10 * 365 * 86400;
  try {
    const ok = await sendTimer('far-ok', { TIMER_DELAY_SEC: String(4 * 86400) });
    assert.equal(ok.res.code, ResponseCode.SUCCESS);
    const cancel = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: ok.key });
    assert.equal(cancel.code, ResponseCode.SUCCESS, cancel.remark);
  } finally {
    t.broker.config.timerMaxDelaySec = 259_200;
  }
});

test('RECALL_MESSAGE cancels by recall handle or unique key; reschedule moves the delivery time', async () => {
  const a = await sendTimer('cancel-by-handle', { TIMER_DELAY_MS: '500' });
  const b = await sendTimer('cancel-by-key', { TIMER_DELAY_MS: '500' });
  const c = await sendTimer('resched-earlier', { TIMER_DELAY_MS: '60000' });
  const d = await sendTimer('resched-later', { TIMER_DELAY_MS: '200' });
  const r1 = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: a.res.extFields.recallHandle! });
  assert.equal(r1.code, ResponseCode.SUCCESS, r1.remark);
  assert.equal(r1.extFields.msgId, a.key);
  const r2 = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: b.key });
  assert.equal(r2.code, ResponseCode.SUCCESS, r2.remark);
  const again = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: b.key });
  assert.equal(again.code, ResponseCode.QUERY_NOT_FOUND);
  const wrongTopic = await t.call(RequestCode.RECALL_MESSAGE, { topic: 'TBW102', recallHandle: c.key });
  assert.equal(wrongTopic.code, ResponseCode.ILLEGAL_OPERATION);
  const earlierAt = Date.now() + 300;
  const r3 = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: c.key, deliverTimeMs: String(earlierAt) });
  assert.equal(r3.code, ResponseCode.SUCCESS, r3.remark);
  assert.ok(r3.extFields.recallHandle);
  const r4 = await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: d.key, delayTimeMs: '1200' });
  assert.equal(r4.code, ResponseCode.SUCCESS, r4.remark);
  const got = await waitDelivered(2, 10_000);
  assert.deepEqual(got.map((m) => m.body.toString()), ['resched-earlier', 'resched-later']);
  assert.ok(got[0]!.storeTimestamp >= earlierAt);
  assert.ok(got[1]!.storeTimestamp >= d.sentAt + 1200);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await delivered()).length, 0, 'cancelled messages never arrive, rescheduled ones only once');
});

test('pending timers survive a clean restart and are delivered once after it', async () => {
  const sent: string[] = [];
  for (let i = 0; i < 20; i++) {
    const body = `restart-${i}`;
    sent.push(body);
    assert.equal((await sendTimer(body, { TIMER_DELAY_MS: String(800 + i * 20) })).res.code, ResponseCode.SUCCESS);
  }
  const cancelled = await sendTimer('restart-cancelled', { TIMER_DELAY_MS: '900' });
  assert.equal((await t.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: cancelled.key })).code, ResponseCode.SUCCESS);
  await t.restart({ timerFlushIntervalMs: 100 });
  assert.equal(t.broker.timerMessageService!.stats.pending, 20);
  const got = await waitDelivered(20, 20_000);
  assert.deepEqual(got.map((m) => m.body.toString()).sort(), [...sent].sort());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await delivered()).length, 0, 'nothing delivered twice, the cancelled one never');
});

test('a timer older than timerRollWindowSec is parked again (retention-proof) and still delivered once, still cancellable', async () => {
  const r = await startBroker({ timerRollWindowSec: 1 });
  try {
    r.broker.topicConfigManager.updateTopicConfig({ topicName: TOPIC, readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    const send = (body: string, key: string) =>
      r.client.invoke(
        r.addr,
        createRequest(
          RequestCode.SEND_MESSAGE_V2,
          SendMessageRequestHeaderV2.encode({ producerGroup: 'PG', topic: TOPIC, defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ UNIQ_KEY: key, TIMER_DELAY_MS: '3000' }) }),
          Buffer.from(body),
        ),
        5000,
      );
    const k1 = uniqueKeyGenerator.next();
    const k2 = uniqueKeyGenerator.next();
    assert.equal((await send('rolled', k1)).code, ResponseCode.SUCCESS);
    assert.equal((await send('rolled-cancelled', k2)).code, ResponseCode.SUCCESS);
    await waitFor(() => r.broker.timerMessageService!.stats.rolled >= 2, 5000);
    assert.equal((await r.call(RequestCode.RECALL_MESSAGE, { topic: TOPIC, recallHandle: k2 })).code, ResponseCode.SUCCESS);
    const got: MessageExt[] = [];
    await waitFor(async () => {
      got.push(...records(await pull(r, TOPIC, 0, got.length ? got[got.length - 1]!.queueOffset + 1 : 0)));
      return got.length >= 1;
    }, 6000);
    await new Promise((res) => setTimeout(res, 500));
    got.push(...records(await pull(r, TOPIC, 0, got[got.length - 1]!.queueOffset + 1)));
    assert.deepEqual(got.map((m) => m.body.toString()), ['rolled']);
    assert.ok(Number(got[0]!.properties.TIMER_ROLL_TIMES) >= 1);
  } finally {
    await r.stop();
  }
});
