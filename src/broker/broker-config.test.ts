import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, repoRoot } from '../../test/support/paths.js';
import { loadBrokerConfig, parseDelayLevels, storeConfigOf } from './broker-config.js';

test('loadBrokerConfig: defaults match RocketMQ', () => {
  const c = loadBrokerConfig(undefined, { namesrvAddr: '' });
  assert.equal(c.brokerClusterName, 'DefaultCluster');
  assert.equal(c.brokerName, 'broker-a');
  assert.equal(c.brokerId, 0);
  assert.equal(c.listenPort, 10911);
  assert.equal(c.haListenPort, 10912);
  assert.equal(c.autoCreateTopicEnable, true);
  assert.equal(c.autoCreateSubscriptionGroup, true);
  assert.equal(c.defaultTopicQueueNums, 8);
  assert.equal(c.brokerPermission, 6);
  assert.equal(c.longPollingEnable, true);
  assert.equal(c.shortPollingTimeMills, 1000);
  assert.equal(c.registerNameServerPeriod, 30000);
  assert.equal(c.flushConsumerOffsetInterval, 5000);
  assert.equal(c.flushDelayOffsetInterval, 10000);
  assert.equal(c.flushDiskType, 'ASYNC_FLUSH');
  assert.equal(c.maxMessageSize, 4 * 1024 * 1024);
  assert.equal(parseDelayLevels(c.messageDelayLevel).length, 18);
});

test('loadBrokerConfig: reads broker.conf with coercion, overrides win', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'broker.conf');
    writeFileSync(
      p,
      [
        '# comment',
        'brokerClusterName = C1',
        'brokerName=broker-x',
        'brokerId = 0',
        'namesrvAddr = 10.0.0.1:9876;10.0.0.2:9876',
        'listenPort = 20911',
        'autoCreateTopicEnable = false',
        'flushDiskType = SYNC_FLUSH',
        `storePathRootDir = ${dir}/store`,
        'mappedFileSizeCommitLog = 1048576',
        'someFutureKey = 1',
      ].join('\n'),
    );
    const c = loadBrokerConfig(p, { listenPort: 0 });
    assert.equal(c.brokerClusterName, 'C1');
    assert.equal(c.brokerName, 'broker-x');
    assert.equal(c.namesrvAddr, '10.0.0.1:9876;10.0.0.2:9876');
    assert.equal(c.listenPort, 0);
    assert.equal(c.autoCreateTopicEnable, false);
    assert.equal(c.flushDiskType, 'SYNC_FLUSH');
    assert.equal(c.mappedFileSizeCommitLog, 1048576);
    assert.deepEqual(c.unknownKeys, ['someFutureKey']);
    const s = storeConfigOf(c);
    assert.equal(s.storePathRootDir, `${dir}/store`);
    assert.equal(s.flushDiskType, 'SYNC_FLUSH');
  } finally {
    cleanup();
  }
});

test('loadBrokerConfig: bad values fail at start-up with the key in the message', () => {
  assert.throws(() => loadBrokerConfig(undefined, { listenPort: 'abc' }), /listenPort="abc"/);
  assert.throws(() => loadBrokerConfig(undefined, { autoCreateTopicEnable: 'yes' }), /autoCreateTopicEnable/);
  assert.throws(() => loadBrokerConfig(undefined, { flushDiskType: 'SOMETIMES' }), /flushDiskType/);
  assert.throws(() => loadBrokerConfig(undefined, { messageDelayLevel: '1s 5x' }), /messageDelayLevel/);
  assert.throws(() => loadBrokerConfig(undefined, { namesrvAddr: 'nohost' }), /namesrvAddr/);
  assert.throws(() => loadBrokerConfig(undefined, { defaultTopicQueueNums: -1 }), /defaultTopicQueueNums/);
  assert.throws(() => loadBrokerConfig('/nonexistent/broker.conf'), /cannot read broker config/);
});

test('conf/broker.conf example loads', () => {
  const c = loadBrokerConfig(join(repoRoot(), 'conf', 'broker.conf'));
  assert.equal(c.brokerName, 'broker-a');
  assert.equal(c.unknownKeys, undefined);
});
