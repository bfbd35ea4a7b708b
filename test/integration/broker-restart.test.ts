import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { pull, records, send, startBroker } from './broker-harness.js';

test('restart keeps topics, consumer offsets, subscription groups, delay offsets and messages', async () => {
  const t = await startBroker();
  try {
    const ext = CreateTopicRequestHeader.encode({
      topic: 'KeepTopic', defaultTopic: 'TBW102', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', order: false, attributes: '+message.type=NORMAL',
    });
    assert.equal((await t.call(RequestCode.UPDATE_AND_CREATE_TOPIC, ext)).code, ResponseCode.SUCCESS);
    for (let i = 0; i < 5; i++) assert.equal((await send(t, 'KeepTopic', `keep-${i}`, { queueId: 1, keys: `k${i}` })).code, ResponseCode.SUCCESS);
    await t.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'KeepGroup', topic: 'KeepTopic', queueId: '1', commitOffset: '3' });
    const sg = Buffer.from(JSON.stringify({ groupName: 'KeepGroup', retryMaxTimes: 5 }));
    assert.equal((await t.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, sg)).code, ResponseCode.SUCCESS);
    const oldAddr = t.addr;

    await t.restart();
    assert.notEqual(t.addr, '');
    void oldAddr;
    for (const f of ['topics.json', 'consumerOffset.json', 'subscriptionGroup.json', 'delayOffset.json']) {
      assert.ok(existsSync(join(t.dir, 'config', f)), f);
    }
    assert.equal(JSON.parse(readFileSync(join(t.dir, 'config', 'consumerOffset.json'), 'utf8')).offsetTable['KeepTopic@KeepGroup']['1'], 3);
    const tc = t.broker.topicConfigManager.get('KeepTopic');
    assert.equal(tc?.writeQueueNums, 2);
    assert.deepEqual(tc?.attributes, { 'message.type': 'NORMAL' });
    assert.equal(t.broker.subscriptionGroupManager.table.get('KeepGroup')?.retryMaxTimes, 5);
    const q = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'KeepGroup', topic: 'KeepTopic', queueId: '1' });
    assert.equal(q.extFields.offset, '3');
    const p = await pull(t, 'KeepTopic', 1, 3);
    assert.deepEqual(records(p).map((m) => m.body.toString()), ['keep-3', 'keep-4']);
    const next = await send(t, 'KeepTopic', 'after-restart', { queueId: 1 });
    assert.equal(next.extFields.queueOffset, '5');
  } finally {
    await t.stop();
  }
});
