/**
 * A broker started over the store directory of a real Apache RocketMQ 4.9.8 broker
 * (test/fixtures/store, files padded back to their nominal sizes) serves its messages, metadata,
 * consumer offsets and delay offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { parseFastjson } from '../../src/protocol/body/fastjson.js';
import { fixturePath, tempDir } from '../support/paths.js';
import { pull, records, startBroker } from './broker-harness.js';

function padDir(dir: string, size: number): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) padDir(p, size);
    else if (statSync(p).size < size) truncateSync(p, size);
  }
}

test('broker over a 4.9.8 store: topics, messages, offsets and delay offsets survive', async () => {
  const td = tempDir('rmq-fixture-broker-');
  cpSync(fixturePath('store'), td.dir, { recursive: true });
  padDir(join(td.dir, 'commitlog'), 1024 * 1024 * 1024);
  padDir(join(td.dir, 'consumequeue'), 6_000_000);
  const t = await startBroker({ mappedFileSizeCommitLog: 1024 * 1024 * 1024, mappedFileSizeConsumeQueue: 6_000_000 }, td.dir);
  try {
    assert.equal(t.broker.topicConfigManager.get('FxStore')?.readQueueNums, 2);
    const q0 = records(await pull(t, 'FxStore', 0, 0, { group: 'Reader' }));
    assert.deepEqual(q0.map((m) => m.body.toString()), ['store message 1', 'store message 2']);
    assert.equal(q0[0]!.properties.color, 'red');
    const tagB = records(await pull(t, 'FxStore', 0, 0, { group: 'Reader', subscription: 'TagB' }));
    assert.deepEqual(tagB.map((m) => m.properties.TAGS), ['TagB']);
    const q1 = records(await pull(t, 'FxStore', 1, 0, { group: 'Reader' }));
    assert.deepEqual(q1.map((m) => m.body.toString()), ['store message 3', 'store message 4 (delay level 1)']);
    const off = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'FxStoreGroup', topic: 'FxStore', queueId: '1' });
    assert.equal(off.extFields.offset, '2');
    const delay = parseFastjson((await t.call(RequestCode.GET_ALL_DELAY_OFFSET)).body!) as { offsetTable: Record<string, number> };
    assert.equal(delay.offsetTable['1'], 1);
    // the already-delivered delayed message is not delivered a second time
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(t.broker.store.getMaxOffsetInQueue('FxStore', 1), 2);
    const sent = await t.call(RequestCode.GET_MAX_OFFSET, { topic: 'FxStore', queueId: '0' });
    assert.equal(sent.code, ResponseCode.SUCCESS);
    assert.equal(sent.extFields.offset, '2');
  } finally {
    await t.stop();
    td.cleanup();
  }
});
