import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RouteInfoManager } from './route-info-manager.js';
import type { RemotingConnection } from '../remoting/types.js';
import type { TopicConfig } from '../protocol/body/types.js';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });

function fakeConn(id: number): RemotingConnection {
  return { id, close() {} } as unknown as RemotingConnection;
}

function tc(name: string): TopicConfig {
  return { topicName: name, readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

/** Structural invariants of the tables, checked through the public views. */
function checkInvariants(r: RouteInfoManager): void {
  const info = r.getAllClusterInfo();
  for (const [name, bd] of Object.entries(info.brokerAddrTable)) {
    assert.ok(Object.keys(bd.brokerAddrs).length > 0, `broker ${name} without addresses`);
    assert.ok(info.clusterAddrTable[bd.cluster]?.includes(name), `broker ${name} missing from cluster ${bd.cluster}`);
  }
  for (const [cluster, names] of Object.entries(info.clusterAddrTable)) {
    assert.ok(names.length > 0, `empty cluster ${cluster}`);
  }
  for (const topic of r.getAllTopicList()) {
    const route = r.pickupTopicRouteData(topic);
    assert.ok(route !== null, `topic ${topic} listed without a route`);
    for (const q of route.queueDatas) assert.ok(info.brokerAddrTable[q.brokerName], `queue data of unknown broker ${q.brokerName}`);
  }
}

const brokerNames = ['a', 'b', 'c'];
const op = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    broker: fc.constantFrom(...brokerNames),
    id: fc.integer({ min: 0, max: 2 }),
    conn: fc.integer({ min: 0, max: 3 }),
    version: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('unregister' as const), broker: fc.constantFrom(...brokerNames), id: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('close' as const), conn: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('expire' as const), advanceMs: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('deleteTopic' as const), topic: fc.constantFrom('T1', 'T2', 'T3', 'T4'), cluster: fc.option(fc.constantFrom('C0', 'C1')) }),
  fc.record({ kind: fc.constant('wipe' as const), broker: fc.constantFrom(...brokerNames) }),
);

test('route info: tables stay consistent under any sequence of registrations, removals and expiry (fast-check)', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
  console.log(`route info model: fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      let now = 1000;
      const r = new RouteInfoManager({ brokerChannelExpiredTime: 100, now: () => now, logger: silent });
      const conns = [0, 1, 2, 3].map(fakeConn);
      for (const o of ops) {
        switch (o.kind) {
          case 'register': {
            // A broker's cluster and address are fixed by its name and id; its topic table by its data
            // version (a broker bumps the version whenever the table changes).
            const cluster = o.broker === 'c' ? 'C1' : 'C0';
            const topics = ['T1', 'T2', 'T3', 'T4'].filter((_, i) => ((o.version * 5 + o.broker.charCodeAt(0)) >> i) & 1);
            const prev = r.getBrokerLiveInfo(`${o.broker}:${o.id}`)?.dataVersion.counter;
            const expectUpdate = prev === undefined || prev !== o.version;
            r.registerBroker({
              clusterName: cluster,
              brokerAddr: `${o.broker}:${o.id}`,
              brokerName: o.broker,
              brokerId: o.id,
              haServerAddr: '',
              topicConfigWrapper: { topicConfigTable: Object.fromEntries(topics.map((t) => [t, tc(t)])), dataVersion: { timestamp: 1, counter: o.version } },
              filterServerList: [],
              conn: conns[o.conn]!,
            });
            // A master's new table is applied; an unchanged version is not re-read (as in RocketMQ).
            if (o.id === 0 && expectUpdate) {
              for (const t of topics) assert.ok(r.pickupTopicRouteData(t)?.queueDatas.some((q) => q.brokerName === o.broker), `${t} on ${o.broker}`);
            }
            break;
          }
          case 'unregister':
            r.unregisterBroker(o.broker === 'c' ? 'C1' : 'C0', `${o.broker}:${o.id}`, o.broker, o.id);
            break;
          case 'close':
            r.onConnectionClosed(conns[o.conn]!);
            break;
          case 'expire':
            now += o.advanceMs;
            r.scanNotActiveBroker();
            break;
          case 'deleteTopic':
            r.deleteTopic(o.topic, o.cluster ?? undefined);
            break;
          case 'wipe':
            r.wipeWritePermOfBroker(o.broker);
            break;
        }
        checkInvariants(r);
      }
      // Everything expires in the end.
      now += 1000;
      r.scanNotActiveBroker();
      assert.deepEqual(r.getAllClusterInfo(), { brokerAddrTable: {}, clusterAddrTable: {} });
      assert.deepEqual(r.getAllTopicList(), []);
    }),
    { seed, numRuns: 300 },
  );
});
