import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, tempDir } from '../../test/support/paths.js';
import { loadBrokerConfig } from './broker-config.js';
import { TopicConfigManager, topicNameProblem } from './topic-config-manager.js';
import { SubscriptionGroupManager } from './subscription-group-manager.js';
import { ConsumerOffsetManager } from './consumer-offset-manager.js';
import { buildSubscriptionData } from './client-managers.js';
import { RebalanceLockManager } from './rebalance-lock-manager.js';
import { applyDelayLevel } from './schedule-message-service.js';
import { parseDelayLevels } from './broker-config.js';
import { getEncodedProperty } from '../message/properties.js';
import { applyTopicAttributes } from './processors/admin-broker-processor.js';

test('managers read the 4.9.8 fastjson config files', () => {
  const { dir, cleanup } = tempDir();
  try {
    cpSync(fixturePath('store', 'config'), join(dir, 'config'), { recursive: true });
    const config = loadBrokerConfig(undefined, { storePathRootDir: dir, namesrvAddr: '' });
    const topics = new TopicConfigManager(config, join(dir, 'config', 'topics.json'));
    topics.load();
    const fx = topics.get('FxStore');
    assert.ok(fx);
    assert.equal(fx.readQueueNums, 2);
    assert.equal(fx.writeQueueNums, 2);
    assert.equal(topics.get('TBW102')?.perm, 7);
    const groups = new SubscriptionGroupManager(config, join(dir, 'config', 'subscriptionGroup.json'));
    groups.load();
    assert.equal(groups.table.get('FxStoreGroup')?.retryMaxTimes, 16);
    const offsets = new ConsumerOffsetManager(join(dir, 'config', 'consumerOffset.json'));
    offsets.load();
    assert.equal(offsets.queryOffset('FxStoreGroup', 'FxStore', 0), 2);
    assert.equal(offsets.queryOffset('FxStoreGroup', 'FxStore', 1), 2);
    assert.equal(offsets.queryOffset('FxStoreGroup', '%RETRY%FxStoreGroup', 0), 0);
    assert.equal(offsets.queryOffset('Nope', 'FxStore', 0), -1);
  } finally {
    cleanup();
  }
});

test('config files: .bak written before each write and used when the file is damaged', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'config', 'consumerOffset.json');
    const m = new ConsumerOffsetManager(p);
    m.commitOffset('G', 'T', 0, 5);
    m.persist();
    m.commitOffset('G', 'T', 0, 9);
    m.persist();
    assert.ok(existsSync(p + '.bak'));
    assert.equal(JSON.parse(readFileSync(p + '.bak', 'utf8')).offsetTable['T@G']['0'], 5);
    writeFileSync(p, '{"offsetTable":{"T@G":{0:'); // torn write
    const again = new ConsumerOffsetManager(p);
    again.load();
    assert.equal(again.queryOffset('G', 'T', 0), 5);
  } finally {
    cleanup();
  }
});

test('topic auto-create follows TBW102 and autoCreateTopicEnable', () => {
  const { dir, cleanup } = tempDir();
  try {
    const on = loadBrokerConfig(undefined, { storePathRootDir: dir, namesrvAddr: '' });
    const t = new TopicConfigManager(on, join(dir, 'config', 'topics.json'));
    const tc = t.createTopicInSendMessageMethod('NewTopic', 'TBW102', 4, 0);
    assert.equal(tc?.writeQueueNums, 4);
    assert.equal(tc?.perm, 6);
    assert.equal(t.createTopicInSendMessageMethod('Big', 'TBW102', 64, 0)?.writeQueueNums, 8);
    const off = loadBrokerConfig(undefined, { storePathRootDir: dir, namesrvAddr: '', autoCreateTopicEnable: false });
    const t2 = new TopicConfigManager(off, join(dir, 'config', 'topics2.json'));
    assert.equal(t2.get('TBW102'), undefined);
    assert.equal(t2.createTopicInSendMessageMethod('Other', 'TBW102', 4, 0), undefined);
  } finally {
    cleanup();
  }
});

test('topic name validation', () => {
  assert.equal(topicNameProblem('Good_Topic-1'), undefined);
  assert.equal(topicNameProblem('%RETRY%g'), undefined);
  assert.match(topicNameProblem('bad topic') ?? '', /illegal characters/);
  assert.match(topicNameProblem('x'.repeat(128)) ?? '', /longer than/);
  assert.match(topicNameProblem('') ?? '', /blank/);
});

test('subscription data: tags and Java hash codes', () => {
  const sd = buildSubscriptionData('T', 'TagA || TagB');
  assert.deepEqual(sd.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(sd.codeSet, [2598919, 2598920]);
  assert.deepEqual(buildSubscriptionData('T', '*').codeSet, []);
});

test('rebalance locks: one owner per queue, lease expiry', () => {
  let now = 0;
  const m = new RebalanceLockManager(60_000, () => now);
  const mq = { topic: 'T', brokerName: 'b', queueId: 0 };
  assert.equal(m.tryLockBatch('G', [mq], 'c1').length, 1);
  assert.equal(m.tryLockBatch('G', [mq], 'c2').length, 0);
  now = 61_000;
  assert.equal(m.tryLockBatch('G', [mq], 'c2').length, 1);
  m.unlockBatch('G', [mq], 'c2');
  assert.equal(m.tryLockBatch('G', [mq], 'c1').length, 1);
});

test('delay level rewrite for SCHEDULE_TOPIC_XXXX', () => {
  const levels = parseDelayLevels('1s 5s 10s');
  const msg = {
    topic: 'T', queueId: 3, flag: 0, body: Buffer.from('x'), properties: 'TAGS\u0001a\u0002DELAY\u00019',
    sysFlag: 0, bornTimestamp: 0, bornHost: Buffer.alloc(8), storeHost: Buffer.alloc(8), reconsumeTimes: 0, preparedTransactionOffset: 0,
  } as import('../store/types.js').MessageInner;
  assert.equal(applyDelayLevel(msg, levels, 1000), 3);
  assert.equal(msg.topic, 'SCHEDULE_TOPIC_XXXX');
  assert.equal(msg.queueId, 2);
  assert.equal(msg.tagsCode, 11_000);
  assert.equal(getEncodedProperty(msg.properties, 'REAL_TOPIC'), 'T');
  assert.equal(getEncodedProperty(msg.properties, 'REAL_QID'), '3');
  assert.equal(getEncodedProperty(msg.properties, 'DELAY'), '3');
});

test('topic attributes: +key=value, -key, validation', () => {
  assert.deepEqual(applyTopicAttributes(undefined, '+message.type=FIFO'), { 'message.type': 'FIFO' });
  assert.deepEqual(applyTopicAttributes({ 'message.type': 'FIFO' }, '-message.type'), {});
  assert.throws(() => applyTopicAttributes(undefined, '+message.type=WEIRD'), /not one of/);
  assert.throws(() => applyTopicAttributes(undefined, '+nope=1'), /unsupported attribute/);
});

test('config file: async persists are ordered, and a later persist of either kind wins', async () => {
  const { JsonConfigFile } = await import('./config-file.js');
  const { readFileSync, existsSync } = await import('node:fs');
  const { dir, cleanup } = tempDir('rmq-cfgfile-');
  try {
    const f = new JsonConfigFile(`${dir}/config/x.json`);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) writes.push(f.persistAsync(JSON.stringify({ v: i })));
    await Promise.all(writes);
    assert.deepEqual(JSON.parse(readFileSync(`${dir}/config/x.json`, 'utf8')), { v: 19 });
    // queued async writes give way to a synchronous one made after them
    const late = f.persistAsync(JSON.stringify({ v: 'async' }));
    f.persist(JSON.stringify({ v: 'sync' }));
    await late;
    await f.idle();
    assert.deepEqual(f.load(), { v: 'sync' });
    assert.ok(existsSync(`${dir}/config/x.json.bak`));
  } finally {
    cleanup();
  }
});
