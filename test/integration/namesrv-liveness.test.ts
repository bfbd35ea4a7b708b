/**
 * Broker liveness in the name server: expiry after the configured silence, immediate removal when the
 * broker's connection closes, keep-alive by re-registration / QUERY_DATA_VERSION / BROKER_HEARTBEAT,
 * and two independent name servers side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../support/paths.js';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { RegisterBrokerRequestHeader, BrokerHeartbeatRequestHeader, QueryDataVersionRequestHeader } from '../../src/protocol/headers/namesrv.js';
import { bodyCrc32, encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker-body.js';
import { fastjsonBody } from '../../src/protocol/body/fastjson.js';
import type { NamesrvConfig } from '../../src/namesrv/namesrv-config.js';

function register(brokerName: string, brokerAddr: string, extra: Record<string, string> = {}): RemotingCommand {
  const body = encodeRegisterBrokerBody({
    topicConfigSerializeWrapper: {
      topicConfigTable: { [`T-${brokerName}`]: { topicName: `T-${brokerName}`, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false } },
      dataVersion: { timestamp: 7, counter: 1 },
    },
    filterServerList: [],
  });
  return createRequest(
    RequestCode.REGISTER_BROKER,
    {
      ...RegisterBrokerRequestHeader.encode({ brokerName, brokerAddr, clusterName: 'C', haServerAddr: '', brokerId: 0, bodyCrc32: bodyCrc32(body) }),
      ...extra,
    },
    body,
  );
}

async function withNamesrv<T>(cfg: Partial<NamesrvConfig>, fn: (addr: string, ns: NamesrvController) => Promise<T>): Promise<T> {
  const tmp = tempDir('rmq-ns-live-');
  const ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: join(tmp.dir, 'kv.json'), configStorePath: '', ...cfg });
  const { port } = await ns.start();
  try {
    return await fn(`127.0.0.1:${port}`, ns);
  } finally {
    await ns.shutdown();
    tmp.cleanup();
  }
}

async function until(cond: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

const route = (c: RemotingClient, addr: string, topic: string) => c.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }), 2000);

test('namesrv liveness: a silent broker expires after brokerChannelExpiredTime and its connection is closed', async () => {
  await withNamesrv({ brokerChannelExpiredTime: 300, scanNotActiveBrokerInterval: 50 }, async (addr, ns) => {
    const broker = new RemotingClient();
    try {
      assert.equal((await broker.invoke(addr, register('b1', '10.1.0.1:10911'), 2000)).code, ResponseCode.SUCCESS);
      const conn = await broker.getConnection(addr);
      assert.equal((await route(broker, addr, 'T-b1')).code, ResponseCode.SUCCESS);
      const waited = await until(() => ns.routeInfo.pickupTopicRouteData('T-b1') === null, 3000);
      assert.ok(waited >= 200, `expired after ${waited} ms, too early`);
      await until(() => conn.closed, 2000);
      const c = new RemotingClient();
      assert.equal((await route(c, addr, 'T-b1')).code, ResponseCode.TOPIC_NOT_EXIST);
      c.shutdown();
    } finally {
      broker.shutdown();
    }
  });
});

test('namesrv liveness: heartbeats keep a broker alive; heartbeatTimeoutMillis overrides the default', async () => {
  await withNamesrv({ brokerChannelExpiredTime: 250, scanNotActiveBrokerInterval: 40 }, async (addr, ns) => {
    const broker = new RemotingClient();
    try {
      await broker.invoke(addr, register('hb', '10.1.0.2:10911'), 2000);
      await broker.invoke(addr, register('long', '10.1.0.3:10911', { heartbeatTimeoutMillis: '60000' }), 2000);
      const t0 = Date.now();
      let i = 0;
      while (Date.now() - t0 < 700) {
        // alternate the two keep-alive requests a 4.9.8 and a 5.x broker send
        const req =
          i++ % 2 === 0
            ? createRequest(RequestCode.BROKER_HEARTBEAT, BrokerHeartbeatRequestHeader.encode({ clusterName: 'C', brokerAddr: '10.1.0.2:10911', brokerName: 'hb' }))
            : createRequest(
                RequestCode.QUERY_DATA_VERSION,
                QueryDataVersionRequestHeader.encode({ brokerName: 'hb', brokerAddr: '10.1.0.2:10911', clusterName: 'C', brokerId: 0 }),
                fastjsonBody({ timestamp: 7, counter: 1 }),
              );
        assert.equal((await broker.invoke(addr, req, 2000)).code, ResponseCode.SUCCESS);
        await new Promise((r) => setTimeout(r, 60));
      }
      assert.notEqual(ns.routeInfo.pickupTopicRouteData('T-hb'), null, 'kept alive by heartbeats');
      assert.notEqual(ns.routeInfo.pickupTopicRouteData('T-long'), null, 'its own 60 s timeout applies');
      await until(() => ns.routeInfo.pickupTopicRouteData('T-hb') === null, 3000);
    } finally {
      broker.shutdown();
    }
  });
});

test('namesrv liveness: a broker is removed at once when its connection closes', async () => {
  await withNamesrv({}, async (addr, ns) => {
    const broker = new RemotingClient();
    await broker.invoke(addr, register('b2', '10.1.0.4:10911'), 2000);
    // An oneway registration on the same connection is accepted too.
    await broker.invokeOneway(addr, register('b3', '10.1.0.5:10911'));
    await until(() => ns.routeInfo.pickupTopicRouteData('T-b3') !== null, 2000);
    const other = new RemotingClient();
    await other.invoke(addr, register('b4', '10.1.0.6:10911'), 2000);
    broker.shutdown();
    const waited = await until(() => ns.routeInfo.pickupTopicRouteData('T-b2') === null && ns.routeInfo.pickupTopicRouteData('T-b3') === null, 2000);
    assert.ok(waited < 1000, `took ${waited} ms`);
    assert.notEqual(ns.routeInfo.pickupTopicRouteData('T-b4'), null, 'a broker on another connection stays');
    other.shutdown();
  });
});

test('namesrv: two independent name servers; a broker registers with each', async () => {
  await withNamesrv({}, async (addr1, ns1) => {
    await withNamesrv({}, async (addr2, ns2) => {
      const broker = new RemotingClient();
      const c = new RemotingClient();
      try {
        for (const a of [addr1, addr2]) assert.equal((await broker.invoke(a, register('both', '10.2.0.1:10911'), 2000)).code, ResponseCode.SUCCESS);
        assert.equal((await broker.invoke(addr1, register('only1', '10.2.0.2:10911'), 2000)).code, ResponseCode.SUCCESS);
        assert.equal((await route(c, addr1, 'T-both')).code, ResponseCode.SUCCESS);
        assert.equal((await route(c, addr2, 'T-both')).code, ResponseCode.SUCCESS);
        assert.equal((await route(c, addr1, 'T-only1')).code, ResponseCode.SUCCESS);
        assert.equal((await route(c, addr2, 'T-only1')).code, ResponseCode.TOPIC_NOT_EXIST);
        broker.closeConnection(addr1);
        await until(() => ns1.routeInfo.pickupTopicRouteData('T-both') === null, 2000);
        assert.notEqual(ns2.routeInfo.pickupTopicRouteData('T-both'), null, 'the other name server is unaffected');
      } finally {
        broker.shutdown();
        c.shutdown();
      }
    });
  });
});
