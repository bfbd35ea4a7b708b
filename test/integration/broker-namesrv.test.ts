import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { parseFastjson } from '../../src/protocol/body/fastjson.js';
import { tempDir } from '../support/paths.js';
import { send, startBroker, waitFor } from './broker-harness.js';

test('broker registers with every name server, routes follow topic changes, unregisters at shutdown', async () => {
  const kv = tempDir('rmq-ns-');
  const ns1 = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: `${kv.dir}/kv1.json`, configStorePath: `${kv.dir}/ns1.properties` });
  const ns2 = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: `${kv.dir}/kv2.json`, configStorePath: `${kv.dir}/ns2.properties` });
  const { port: p1 } = await ns1.start();
  const { port: p2 } = await ns2.start();
  const client = new RemotingClient();
  const route = async (ns: number, topic: string) => {
    const r = await client.invoke(`127.0.0.1:${ns}`, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }), 3000);
    return r.code === ResponseCode.SUCCESS ? (parseFastjson(r.body!) as { queueDatas: Array<{ brokerName: string; writeQueueNums: number; perm: number }>; brokerDatas: Array<{ brokerAddrs: Record<string, string> }> }) : undefined;
  };
  const t = await startBroker({ namesrvAddr: `127.0.0.1:${p1};127.0.0.1:${p2}` });
  try {
    for (const p of [p1, p2]) {
      const r = await waitFor(() => route(p, 'TBW102'), 3000);
      assert.equal(r.brokerDatas[0]!.brokerAddrs['0'], t.addr);
      assert.equal(r.queueDatas[0]!.perm, 7);
    }
    const cluster = await client.invoke(`127.0.0.1:${p1}`, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000);
    assert.deepEqual((parseFastjson(cluster.body!) as { clusterAddrTable: Record<string, string[]> }).clusterAddrTable.DefaultCluster, ['broker-a']);
    // an auto-created topic reaches the name servers without waiting for the 30 s period
    assert.equal((await send(t, 'RoutedTopic', 'x', { defaultTopicQueueNums: 4 })).code, ResponseCode.SUCCESS);
    const rt = await waitFor(() => route(p2, 'RoutedTopic'), 3000);
    assert.equal(rt.queueDatas[0]!.writeQueueNums, 4);
    assert.equal(await t.broker.registerBrokerAll(), 2);
  } finally {
    await t.stop();
  }
  // unregistered at shutdown: the broker's topics are gone from the routes
  assert.equal(await route(p1, 'RoutedTopic'), undefined);
  assert.equal(await route(p2, 'TBW102'), undefined);
  client.close();
  await ns1.shutdown();
  await ns2.shutdown();
  kv.cleanup();
});

test('a missing name server does not stop the broker from starting', async () => {
  const t = await startBroker({ namesrvAddr: '127.0.0.1:1', registerBrokerTimeoutMills: 500 });
  try {
    assert.equal(await t.broker.registerBrokerAll(), 0);
    assert.equal((await send(t, 'StillWorks', 'x')).code, ResponseCode.SUCCESS);
  } finally {
    await t.stop();
  }
});
