import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeChanged, topicRouteToPublishInfo, topicRouteToSubscribeInfo, type RouteData } from './route.js';

const route: RouteData = {
  queueDatas: [
    { brokerName: 'broker-b', readQueueNums: 2, writeQueueNums: 3, perm: 6, topicSysFlag: 0 },
    { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 4, topicSysFlag: 0 },
    { brokerName: 'broker-c', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
  ],
  brokerDatas: [
    { cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:1' } },
    { cluster: 'C', brokerName: 'broker-b', brokerAddrs: { '0': '127.0.0.1:2' } },
    { cluster: 'C', brokerName: 'broker-c', brokerAddrs: { '1': '127.0.0.1:3' } },
  ],
};

test('publish info: writable queues of brokers with a master', () => {
  const info = topicRouteToPublishInfo('T', route);
  assert.deepEqual(info.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`), ['broker-b:0', 'broker-b:1', 'broker-b:2']);
  assert.equal(info.orderTopic, false);
  assert.ok(info.ok());
});

test('publish info: orderTopicConf pins the queues', () => {
  const info = topicRouteToPublishInfo('T', { ...route, orderTopicConf: 'broker-a:2;broker-b:1' });
  assert.equal(info.orderTopic, true);
  assert.deepEqual(info.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`), ['broker-a:0', 'broker-a:1', 'broker-b:0']);
});

test('subscribe info: readable queues, sorted', () => {
  const mqs = topicRouteToSubscribeInfo('T', route);
  assert.deepEqual(mqs.map((q) => `${q.brokerName}:${q.queueId}`), ['broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-a:3', 'broker-b:0', 'broker-b:1', 'broker-c:0']);
});

test('round robin covers every queue', () => {
  const info = topicRouteToPublishInfo('T', route);
  const seen = new Set<number>();
  for (let i = 0; i < 3; i++) seen.add(info.selectOneMessageQueue().queueId);
  assert.equal(seen.size, 3);
});

test('route change detection ignores order', () => {
  const shuffled = { ...route, queueDatas: [...route.queueDatas].reverse() };
  assert.equal(routeChanged(route, shuffled), false);
  assert.equal(routeChanged(route, { ...route, queueDatas: route.queueDatas.slice(1) }), true);
  assert.equal(routeChanged(undefined, route), true);
});
