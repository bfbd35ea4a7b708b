/**
 * Pop consumption over remoting (POP_MESSAGE / ACK_MESSAGE / CHANGE_MESSAGE_INVISIBLETIME / NOTIFICATION /
 * PEEK_MESSAGE / POLLING_INFO / BATCH_ACK_MESSAGE), and the durability of checkpoints and acks: after a
 * broker restart an acked message never comes back and an un-acked one does, with reconsumeTimes + 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { decodeRecords } from '../../src/message/message-record.js';
import { newTopicConfig } from '../../src/broker/topic-config-manager.js';
import { send, startBroker, type TestBroker } from './broker-harness.js';

const POLLING_TIMEOUT = 210;

describe('broker pop over remoting', () => {
  let t: TestBroker;
  before(async () => {
    t = await startBroker();
    t.broker.topicConfigManager.updateTopicConfig(newTopicConfig('PopT', 2));
  });
  after(async () => t.stop());

  const pop = (group: string, extra: Record<string, string> = {}, timeoutMs = 5000) =>
    t.call(
      RequestCode.POP_MESSAGE,
      { consumerGroup: group, topic: 'PopT', queueId: '-1', maxMsgNums: '32', invisibleTime: '1000', pollTime: '0', bornTime: String(Date.now()), initMode: '0', ...extra },
      undefined,
      timeoutMs,
    );

  it('pop, ack, change invisible time, redelivery through the retry topic, restart', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await send(t, 'PopT', `m${i}`, { queueId: i % 2, tags: 'A' })).code, ResponseCode.SUCCESS);
    const r = await pop('PG1');
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const msgs = decodeRecords(r.body!);
    assert.equal(msgs.length, 4);
    assert.ok(r.extFields!.msgOffsetInfo && r.extFields!.startOffsetInfo);
    const popTime = r.extFields!.popTime!;
    // Nothing more for this group while they are invisible.
    assert.equal((await pop('PG1')).code, POLLING_TIMEOUT);
    const extra = (m: (typeof msgs)[0]) => `${m.queueOffset} ${popTime} 1000 0 0 ${t.broker.config.brokerName} ${m.queueId} ${m.queueOffset}`;
    // The checkpoint's startOffset is the first popped offset of that queue: 0 for both queues here.
    const ack = (m: (typeof msgs)[0]) => t.call(RequestCode.ACK_MESSAGE, { consumerGroup: 'PG1', topic: 'PopT', queueId: String(m.queueId), extraInfo: extra(m).replace(/^\d+/, '0'), offset: String(m.queueOffset) });
    const byBody = new Map(msgs.map((m) => [m.body.toString(), m]));
    assert.equal((await ack(byBody.get('m0')!)).code, ResponseCode.SUCCESS);
    assert.equal((await ack(byBody.get('m1')!)).code, ResponseCode.SUCCESS);
    const m2 = byBody.get('m2')!;
    const ch = await t.call(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, {
      consumerGroup: 'PG1',
      topic: 'PopT',
      queueId: String(m2.queueId),
      extraInfo: extra(m2).replace(/^\d+/, '0'),
      offset: String(m2.queueOffset),
      invisibleTime: '60000',
    });
    assert.equal(ch.code, ResponseCode.SUCCESS, ch.remark);
    assert.ok(Number(ch.extFields!.popTime) >= Number(popTime));
    // m3 expires (1 s) and is revived into %RETRY%PG1_PopT with reconsumeTimes 1; m2 stays invisible.
    await new Promise((res) => setTimeout(res, 1400));
    const r2 = await pop('PG1');
    assert.equal(r2.code, ResponseCode.SUCCESS, r2.remark);
    const again = decodeRecords(r2.body!);
    assert.deepEqual(again.map((m) => m.body.toString()), ['m3']);
    assert.equal(again[0]!.reconsumeTimes, 1);
    assert.equal(again[0]!.topic, '%RETRY%PG1_PopT');
    assert.equal(again[0]!.properties.RETRY_TOPIC, 'PopT');

    // Restart: the open checkpoints (m2 for 60 s, m3's retry copy for 1 s) are replayed from the revive log.
    await t.restart();
    await new Promise((res) => setTimeout(res, 1400));
    const r3 = await pop('PG1');
    assert.equal(r3.code, ResponseCode.SUCCESS, r3.remark);
    const after3 = decodeRecords(r3.body!);
    assert.deepEqual(after3.map((m) => m.body.toString()), ['m3'], 'only m3 (its retry copy expired); m0/m1 acked, m2 invisible');
    assert.equal(after3[0]!.reconsumeTimes, 2);
  });

  it('long polling: a waiting pop answers when a message arrives; NOTIFICATION, PEEK, POLLING_INFO', async () => {
    t.broker.topicConfigManager.updateTopicConfig(newTopicConfig('PopLP', 2));
    const started = Date.now();
    const waiting = pop('PG2', { topic: 'PopLP', pollTime: '3000', initMode: '1' }, 6000);
    await new Promise((res) => setTimeout(res, 200));
    const info = await t.call(RequestCode.POLLING_INFO, { consumerGroup: 'PG2', topic: 'PopLP', queueId: '-1' });
    assert.equal(info.code, ResponseCode.SUCCESS);
    assert.equal(info.extFields!.pollingNum, '1');
    await send(t, 'PopLP', 'late', { queueId: 1 });
    const r = await waiting;
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.ok(Date.now() - started < 2500, 'answered on arrival, not at the poll timeout');
    assert.deepEqual(decodeRecords(r.body!).map((m) => m.body.toString()), ['late']);
    const n = await t.call(RequestCode.NOTIFICATION, { consumerGroup: 'PG3', topic: 'PopT', queueId: '-1', pollTime: '0', bornTime: String(Date.now()) });
    assert.equal(n.code, ResponseCode.SUCCESS);
    assert.equal(n.extFields!.hasMsg, 'true');
    const peek = await t.call(RequestCode.PEEK_MESSAGE, { consumerGroup: 'PG3', topic: 'PopT', queueId: '1', maxMsgNums: '2' });
    assert.equal(peek.code, ResponseCode.SUCCESS);
    assert.equal(decodeRecords(peek.body!).length, 2);
  });

  it('FIFO pop: the queue is blocked until the batch is acked; a repeated attemptId gets the same batch', async () => {
    t.broker.topicConfigManager.updateTopicConfig(newTopicConfig('PopFifo', 1));
    for (let i = 0; i < 3; i++) await send(t, 'PopFifo', `f${i}`, { queueId: 0 });
    const popF = (attemptId: string, n = '2') =>
      t.call(RequestCode.POP_MESSAGE, { consumerGroup: 'PGF', topic: 'PopFifo', queueId: '0', maxMsgNums: n, invisibleTime: '5000', pollTime: '0', bornTime: String(Date.now()), initMode: '0', order: 'true', attemptId });
    const a = await popF('a1');
    assert.deepEqual(decodeRecords(a.body!).map((m) => m.body.toString()), ['f0', 'f1']);
    assert.equal((await popF('other')).code, POLLING_TIMEOUT, 'blocked while the batch is in flight');
    const same = await popF('a1');
    assert.deepEqual(decodeRecords(same.body!).map((m) => [m.body.toString(), m.reconsumeTimes]), [['f0', 0], ['f1', 0]]);
    const pt = same.extFields!.popTime!;
    for (const off of [0, 1]) {
      const r = await t.call(RequestCode.ACK_MESSAGE, { consumerGroup: 'PGF', topic: 'PopFifo', queueId: '0', extraInfo: `0 ${pt} 5000 0 0 ${t.broker.config.brokerName} 0 ${off}`, offset: String(off) });
      assert.equal(r.code, ResponseCode.SUCCESS);
    }
    assert.deepEqual(decodeRecords((await popF('b1')).body!).map((m) => m.body.toString()), ['f2']);
  });
});
