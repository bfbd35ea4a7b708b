import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MQFaultStrategy, computeNotAvailableDuration } from './fault.js';
import { topicRouteToPublishInfo } from './route.js';

const route = {
  queueDatas: [
    { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    { brokerName: 'broker-b', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
  ],
  brokerDatas: [
    { cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:1' } },
    { cluster: 'C', brokerName: 'broker-b', brokerAddrs: { '0': '127.0.0.1:2' } },
  ],
};

test('not-available duration grows with latency', () => {
  assert.equal(computeNotAvailableDuration(10), 0);
  assert.equal(computeNotAvailableDuration(100), 0);
  assert.equal(computeNotAvailableDuration(600), 30000);
  assert.equal(computeNotAvailableDuration(3000), 180000);
  assert.equal(computeNotAvailableDuration(30000), 600000);
});

test('without fault avoidance, the next attempt skips the broker that just failed', () => {
  const s = new MQFaultStrategy();
  const info = topicRouteToPublishInfo('T', route);
  for (let i = 0; i < 20; i++) assert.equal(s.selectOneMessageQueue(info, 'broker-a').brokerName, 'broker-b');
});

test('with fault avoidance, an isolated broker is avoided until its penalty expires', () => {
  let now = 1_000_000;
  const s = new MQFaultStrategy(() => now);
  s.sendLatencyFaultEnable = true;
  const info = topicRouteToPublishInfo('T', route);
  s.updateFaultItem('broker-a', 3000, true);
  for (let i = 0; i < 20; i++) assert.equal(s.selectOneMessageQueue(info).brokerName, 'broker-b');
  now += 600_001;
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add(s.selectOneMessageQueue(info).brokerName);
  assert.ok(seen.has('broker-a'));
});

test('with every broker penalised a queue is still returned', () => {
  const s = new MQFaultStrategy(() => 5);
  s.sendLatencyFaultEnable = true;
  const info = topicRouteToPublishInfo('T', route);
  s.updateFaultItem('broker-a', 3000, true);
  s.updateFaultItem('broker-b', 3000, true);
  const mq = s.selectOneMessageQueue(info);
  assert.ok(mq.brokerName === 'broker-a' || mq.brokerName === 'broker-b');
});
