/**
 * Every name server request code through a real socket, against one NamesrvController.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/paths.js';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import {
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  UnRegisterBrokerRequestHeader,
  GetRouteInfoRequestHeader,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  PutKVConfigRequestHeader,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  DeleteKVConfigRequestHeader,
  GetKVListByNamespaceRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetTopicsByClusterRequestHeader,
  RegisterTopicRequestHeader,
  BrokerHeartbeatRequestHeader,
} from '../../src/protocol/headers/namesrv.js';
import { parseFastjson, fastjsonBody } from '../../src/protocol/body/fastjson.js';
import { bodyCrc32, encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker-body.js';
import type { ClusterInfo, RegisterBrokerBody, TopicConfig, TopicRouteData, DataVersion } from '../../src/protocol/body/types.js';

const tmp = tempDir('rmq-namesrv-');
let ns: NamesrvController;
let addr: string;
const client = new RemotingClient();

function topic(name: string, queues = 4, perm = 6): TopicConfig {
  return { topicName: name, readQueueNums: queues, writeQueueNums: queues, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

function registerRequest(opts: {
  brokerName: string;
  brokerAddr: string;
  brokerId?: number;
  cluster?: string;
  topics?: TopicConfig[];
  dataVersion?: DataVersion;
  compressed?: boolean;
  crc?: number;
  version?: number;
}): RemotingCommand {
  const body: RegisterBrokerBody = {
    topicConfigSerializeWrapper: {
      topicConfigTable: Object.fromEntries((opts.topics ?? []).map((t) => [t.topicName, t])),
      dataVersion: opts.dataVersion ?? { timestamp: 1, counter: 1 },
    },
    filterServerList: [],
  };
  const bytes = encodeRegisterBrokerBody(body, opts.compressed ?? false);
  const req = createRequest(
    RequestCode.REGISTER_BROKER,
    RegisterBrokerRequestHeader.encode({
      brokerName: opts.brokerName,
      brokerAddr: opts.brokerAddr,
      clusterName: opts.cluster ?? 'DefaultCluster',
      haServerAddr: opts.brokerAddr.replace(/:\d+$/, ':10912'),
      brokerId: opts.brokerId ?? 0,
      compressed: opts.compressed ?? false,
      bodyCrc32: opts.crc ?? bodyCrc32(bytes),
    }),
    bytes,
  );
  if (opts.version !== undefined) req.version = opts.version;
  return req;
}

const call = (req: RemotingCommand) => client.invoke(addr, req, 3000);
const json = (res: RemotingCommand) => parseFastjson(res.body!) as any;

before(async () => {
  ns = new NamesrvController({
    listenPort: 0,
    host: '127.0.0.1',
    kvConfigPath: join(tmp.dir, 'kvConfig.json'),
    configStorePath: join(tmp.dir, 'namesrv.properties'),
    orderMessageEnable: true,
  });
  const { port } = await ns.start();
  addr = `127.0.0.1:${port}`;
});

after(async () => {
  client.shutdown();
  await ns.shutdown();
  tmp.cleanup();
});

test('namesrv REGISTER_BROKER: master registers topics; slave learns the master and its HA address', async () => {
  const res = await call(registerRequest({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', topics: [topic('TopicA', 8, 6), topic('TBW102', 8, 7)] }));
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.deepEqual(RegisterBrokerResponseHeader.decode(res.extFields), {});
  const slave = await call(registerRequest({ brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: 1, topics: [topic('TopicA', 8)] }));
  assert.equal(slave.code, ResponseCode.SUCCESS);
  assert.deepEqual(RegisterBrokerResponseHeader.decode(slave.extFields), { masterAddr: '10.0.0.1:10911', haServerAddr: '10.0.0.1:10912' });
});

test('namesrv REGISTER_BROKER: compressed body, pre-3.0.11 body, crc32 mismatch', async () => {
  const c = await call(registerRequest({ brokerName: 'broker-z', brokerAddr: '10.0.0.9:10911', topics: [topic('TopicZ', 2)], compressed: true, cluster: 'ClusterZ' }));
  assert.equal(c.code, ResponseCode.SUCCESS);
  const route = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader.encode({ topic: 'TopicZ' })))) as TopicRouteData;
  assert.equal(route.queueDatas[0]!.writeQueueNums, 2);

  // Version < 37: the body is a bare TopicConfigSerializeWrapper.
  const old = createRequest(
    RequestCode.REGISTER_BROKER,
    RegisterBrokerRequestHeader.encode({ brokerName: 'broker-old', brokerAddr: '10.0.0.8:10911', clusterName: 'ClusterZ', haServerAddr: '', brokerId: 0 }),
    fastjsonBody({ topicConfigTable: { TopicOld: topic('TopicOld', 3) }, dataVersion: { timestamp: 5, counter: 1 } }),
  );
  old.version = 30;
  assert.equal((await call(old)).code, ResponseCode.SUCCESS);
  const r2 = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOld' }))) as TopicRouteData;
  assert.equal(r2.queueDatas[0]!.readQueueNums, 3);

  const bad = await call(registerRequest({ brokerName: 'broker-y', brokerAddr: '10.0.0.7:10911', topics: [topic('TopicY')], crc: 12345 }));
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(bad.remark, 'crc32 not match');
  const nf = await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicY' }));
  assert.equal(nf.code, ResponseCode.TOPIC_NOT_EXIST);
});

test('namesrv REGISTER_BROKER: missing required header field is answered, not crashed', async () => {
  const res = await call(createRequest(RequestCode.REGISTER_BROKER, { brokerName: 'x' }));
  assert.equal(res.code, ResponseCode.SYSTEM_ERROR);
  assert.match(res.remark ?? '', /the custom field brokerAddr is null/);
  const garbage = await call(createRequest(RequestCode.REGISTER_BROKER, { brokerName: 'x', brokerAddr: 'a:1', clusterName: 'c', haServerAddr: '', brokerId: '0' }, Buffer.from('{nope')));
  assert.equal(garbage.code, ResponseCode.SYSTEM_ERROR);
});

test('namesrv GET_ROUTEINFO_BY_TOPIC: standard JSON route; TOPIC_NOT_EXIST with Java remark', async () => {
  const res = await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader.encode({ topic: 'TopicA' })));
  assert.equal(res.code, ResponseCode.SUCCESS);
  const text = res.body!.toString();
  assert.doesNotThrow(() => JSON.parse(text), 'standard JSON');
  const route = JSON.parse(text) as TopicRouteData;
  assert.deepEqual(route.brokerDatas, [{ brokerAddrs: { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911' }, brokerName: 'broker-a', cluster: 'DefaultCluster' }]);
  assert.deepEqual(route.queueDatas, [{ brokerName: 'broker-a', perm: 6, readQueueNums: 8, topicSysFlag: 0, writeQueueNums: 8 }]);
  assert.deepEqual(route.filterServerTable, {});
  const missing = await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Nope' }));
  assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal(missing.remark, 'No topic route info in name server for the topic: Nope\nSee http://rocketmq.apache.org/docs/faq/ for further details.');
  assert.equal(missing.body, undefined);
});

test('namesrv GET_BROKER_MEMBER_GROUP (5.x)', async () => {
  const res = await call(createRequest(RequestCode.GET_BROKER_MEMBER_GROUP, { clusterName: 'DefaultCluster', brokerName: 'broker-a' }));
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.deepEqual(json(res), { brokerMemberGroup: { brokerAddrs: { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911' }, brokerName: 'broker-a', cluster: 'DefaultCluster' } });
  const none = json(await call(createRequest(RequestCode.GET_BROKER_MEMBER_GROUP, { clusterName: 'X', brokerName: 'nobody' })));
  assert.deepEqual(none.brokerMemberGroup.brokerAddrs, {});
});

test('namesrv GET_BROKER_CLUSTER_INFO', async () => {
  const info = json(await call(createRequest(RequestCode.GET_BROKER_CLUSTER_INFO))) as ClusterInfo;
  assert.deepEqual(info.clusterAddrTable['DefaultCluster'], ['broker-a']);
  assert.deepEqual(info.brokerAddrTable['broker-a']!.brokerAddrs, { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911' });
  assert.ok(info.clusterAddrTable['ClusterZ']!.includes('broker-z'));
});

test('namesrv GET_ALL_TOPIC_LIST_FROM_NAMESERVER and GET_TOPICS_BY_CLUSTER', async () => {
  const all = json(await call(createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER))).topicList as string[];
  assert.deepEqual(new Set(all), new Set(['TopicA', 'TBW102', 'TopicZ', 'TopicOld']));
  const byCluster = json(await call(createRequest(RequestCode.GET_TOPICS_BY_CLUSTER, GetTopicsByClusterRequestHeader.encode({ cluster: 'ClusterZ' })))).topicList as string[];
  assert.deepEqual(new Set(byCluster), new Set(['TopicZ', 'TopicOld']));
  const none = json(await call(createRequest(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'NoSuchCluster' }))).topicList;
  assert.deepEqual(none, []);
});

test('namesrv GET_SYSTEM_TOPIC_LIST_FROM_NS and the unit topic lists', async () => {
  const sys = json(await call(createRequest(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS)));
  for (const t of ['DefaultCluster', 'broker-a', 'ClusterZ', 'broker-z']) assert.ok(sys.topicList.includes(t), t);
  assert.match(sys.brokerAddr, /^10\.0\.0\.\d:10911$/);
  const reg = await call(
    registerRequest({
      brokerName: 'broker-u',
      brokerAddr: '10.0.0.5:10911',
      cluster: 'ClusterU',
      topics: [
        { ...topic('UnitT'), topicSysFlag: 1 },
        { ...topic('UnitSubT'), topicSysFlag: 2 },
        { ...topic('BothT'), topicSysFlag: 3 },
      ],
    }),
  );
  assert.equal(reg.code, ResponseCode.SUCCESS);
  const list = async (code: number) => new Set(json(await call(createRequest(code))).topicList as string[]);
  assert.deepEqual(await list(RequestCode.GET_UNIT_TOPIC_LIST), new Set(['UnitT', 'BothT']));
  assert.deepEqual(await list(RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST), new Set(['UnitSubT', 'BothT']));
  assert.deepEqual(await list(RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST), new Set(['UnitSubT']));
  const un = await call(createRequest(RequestCode.UNREGISTER_BROKER, UnRegisterBrokerRequestHeader.encode({ brokerName: 'broker-u', brokerAddr: '10.0.0.5:10911', clusterName: 'ClusterU', brokerId: 0 })));
  assert.equal(un.code, ResponseCode.SUCCESS);
});

test('namesrv QUERY_DATA_VERSION: changed flag and our stored version', async () => {
  const q = (dv: DataVersion) =>
    call(
      createRequest(
        RequestCode.QUERY_DATA_VERSION,
        QueryDataVersionRequestHeader.encode({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', clusterName: 'DefaultCluster', brokerId: 0 }),
        fastjsonBody(dv),
      ),
    );
  const same = await q({ timestamp: 1, counter: 1 });
  assert.equal(same.code, ResponseCode.SUCCESS);
  assert.equal(QueryDataVersionResponseHeader.decode(same.extFields).changed, false);
  assert.deepEqual(json(same), { timestamp: 1, counter: 1 });
  const diff = await q({ timestamp: 1, counter: 2 });
  assert.equal(QueryDataVersionResponseHeader.decode(diff.extFields).changed, true);
});

test('namesrv BROKER_HEARTBEAT refreshes liveness', async () => {
  const before = ns.routeInfo.getBrokerLiveInfo('10.0.0.1:10911')!.lastUpdateTimestamp;
  await new Promise((r) => setTimeout(r, 5));
  const res = await call(createRequest(RequestCode.BROKER_HEARTBEAT, BrokerHeartbeatRequestHeader.encode({ clusterName: 'DefaultCluster', brokerAddr: '10.0.0.1:10911', brokerName: 'broker-a' })));
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.ok(ns.routeInfo.getBrokerLiveInfo('10.0.0.1:10911')!.lastUpdateTimestamp > before);
});

test('namesrv WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER', async () => {
  const wipe = await call(createRequest(RequestCode.WIPE_WRITE_PERM_OF_BROKER, WipeWritePermOfBrokerRequestHeader.encode({ brokerName: 'broker-a' })));
  assert.equal(wipe.code, ResponseCode.SUCCESS);
  assert.equal(WipeWritePermOfBrokerResponseHeader.decode(wipe.extFields).wipeTopicCount, 2);
  let route = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TBW102' }))) as TopicRouteData;
  assert.equal(route.queueDatas[0]!.perm, 7 & ~2);
  const add = await call(createRequest(RequestCode.ADD_WRITE_PERM_OF_BROKER, AddWritePermOfBrokerRequestHeader.encode({ brokerName: 'broker-a' })));
  assert.equal(AddWritePermOfBrokerResponseHeader.decode(add.extFields).addTopicCount, 2);
  route = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TBW102' }))) as TopicRouteData;
  assert.equal(route.queueDatas[0]!.perm, 6);
});

test('namesrv KV config: put, get, list, delete, persisted across restart; orderTopicConf in routes', async () => {
  const put = (ns_: string, key: string, value: string) => call(createRequest(RequestCode.PUT_KV_CONFIG, PutKVConfigRequestHeader.encode({ namespace: ns_, key, value })));
  assert.equal((await put('NS1', 'k1', 'v1')).code, ResponseCode.SUCCESS);
  assert.equal((await put('NS1', 'k2', 'v2')).code, ResponseCode.SUCCESS);
  assert.equal((await put('ORDER_TOPIC_CONFIG', 'TopicA', 'broker-a:8')).code, ResponseCode.SUCCESS);
  const got = await call(createRequest(RequestCode.GET_KV_CONFIG, GetKVConfigRequestHeader.encode({ namespace: 'NS1', key: 'k1' })));
  assert.equal(GetKVConfigResponseHeader.decode(got.extFields).value, 'v1');
  const missing = await call(createRequest(RequestCode.GET_KV_CONFIG, { namespace: 'NS1', key: 'zz' }));
  assert.equal(missing.code, ResponseCode.QUERY_NOT_FOUND);
  assert.equal(missing.remark, 'No config item, Namespace: NS1 Key: zz');
  const list = await call(createRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, GetKVListByNamespaceRequestHeader.encode({ namespace: 'NS1' })));
  assert.deepEqual(json(list), { table: { k1: 'v1', k2: 'v2' } });
  assert.equal((await call(createRequest(RequestCode.DELETE_KV_CONFIG, DeleteKVConfigRequestHeader.encode({ namespace: 'NS1', key: 'k2' })))).code, ResponseCode.SUCCESS);
  assert.deepEqual(json(await call(createRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NS1' }))), { table: { k1: 'v1' } });
  const emptyNs = await call(createRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NoNs' }));
  assert.equal(emptyNs.code, ResponseCode.QUERY_NOT_FOUND);

  const route = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' }))) as TopicRouteData;
  assert.equal(route.orderTopicConf, 'broker-a:8');
  // The register response carries the order-topic table.
  const reg = await call(registerRequest({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', topics: [topic('TopicA', 8, 6), topic('TBW102', 8, 7)] }));
  assert.deepEqual(json(reg), { table: { TopicA: 'broker-a:8' } });

  // Persisted: a second name server on the same file sees the values.
  const file = join(tmp.dir, 'kvConfig.json');
  assert.ok(existsSync(file));
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).configTable.NS1, { k1: 'v1' });
  const other = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: file, configStorePath: '' });
  const { port } = await other.start();
  try {
    const r = await client.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.GET_KV_CONFIG, { namespace: 'NS1', key: 'k1' }), 3000);
    assert.equal(r.extFields['value'], 'v1');
  } finally {
    await other.shutdown();
  }
});

test('namesrv GET_NAMESRV_CONFIG / UPDATE_NAMESRV_CONFIG (black-listed keys refused)', async () => {
  const get = await call(createRequest(RequestCode.GET_NAMESRV_CONFIG));
  assert.equal(get.code, ResponseCode.SUCCESS);
  assert.match(get.body!.toString(), /^brokerChannelExpiredTime=120000$/m);
  const upd = await call(createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('brokerChannelExpiredTime=90000\nenableTopicList=false\n')));
  assert.equal(upd.code, ResponseCode.SUCCESS);
  assert.equal(ns.config.brokerChannelExpiredTime, 90000);
  assert.equal(ns.routeInfo.brokerChannelExpiredTime, 90000);
  assert.match((await call(createRequest(RequestCode.GET_NAMESRV_CONFIG))).body!.toString(), /^enableTopicList=false$/m);
  const refused = await call(createRequest(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'ClusterZ' }));
  assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
  assert.equal((await call(createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('enableTopicList=true')))).code, ResponseCode.SUCCESS);
  const denied = await call(createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('kvConfigPath=/etc/passwd')));
  assert.equal(denied.code, ResponseCode.NO_PERMISSION);
  const deniedHome = await call(createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('rocketmqHome=/tmp')));
  assert.equal(deniedHome.code, ResponseCode.NO_PERMISSION);
  assert.equal(ns.config.kvConfigPath, join(tmp.dir, 'kvConfig.json'));
  const badValue = await call(createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('brokerChannelExpiredTime=soon')));
  assert.equal(badValue.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(ns.config.brokerChannelExpiredTime, 90000);
  assert.match(readFileSync(join(tmp.dir, 'namesrv.properties'), 'utf8'), /brokerChannelExpiredTime=90000/);
});

test('namesrv REGISTER_TOPIC_IN_NAMESRV and DELETE_TOPIC_IN_NAMESRV', async () => {
  const route = { queueDatas: [{ brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }, { brokerName: 'unknown-broker', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 }], brokerDatas: [] };
  const reg = await call(createRequest(RequestCode.REGISTER_TOPIC_IN_NAMESRV, RegisterTopicRequestHeader.encode({ topic: 'TopicR' }), fastjsonBody(route)));
  assert.equal(reg.code, ResponseCode.SUCCESS);
  const r = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicR' }))) as TopicRouteData;
  assert.deepEqual(r.queueDatas.map((q) => q.brokerName), ['broker-a']);
  // delete in another cluster: no effect
  await call(createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader.encode({ topic: 'TopicR', clusterName: 'ClusterZ' })));
  assert.equal((await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicR' }))).code, ResponseCode.SUCCESS);
  await call(createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader.encode({ topic: 'TopicR', clusterName: 'DefaultCluster' })));
  assert.equal((await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicR' }))).code, ResponseCode.TOPIC_NOT_EXIST);
  await call(createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'TopicOld' }));
  assert.equal((await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOld' }))).code, ResponseCode.TOPIC_NOT_EXIST);
});

test('namesrv UNREGISTER_BROKER: slave then master; topics go with the last address', async () => {
  const un = (brokerAddr: string, brokerId: number) =>
    call(createRequest(RequestCode.UNREGISTER_BROKER, UnRegisterBrokerRequestHeader.encode({ brokerName: 'broker-a', brokerAddr, clusterName: 'DefaultCluster', brokerId })));
  assert.equal((await un('10.0.0.2:10911', 1)).code, ResponseCode.SUCCESS);
  let route = json(await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' }))) as TopicRouteData;
  assert.deepEqual(route.brokerDatas[0]!.brokerAddrs, { '0': '10.0.0.1:10911' });
  assert.equal((await un('10.0.0.1:10911', 0)).code, ResponseCode.SUCCESS);
  assert.equal((await call(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' }))).code, ResponseCode.TOPIC_NOT_EXIST);
  const info = json(await call(createRequest(RequestCode.GET_BROKER_CLUSTER_INFO))) as ClusterInfo;
  assert.equal(info.brokerAddrTable['broker-a'], undefined);
  assert.equal(info.clusterAddrTable['DefaultCluster'], undefined);
});

test('namesrv: unknown request code -> REQUEST_CODE_NOT_SUPPORTED', async () => {
  const res = await call(createRequest(RequestCode.SEND_MESSAGE_V2));
  assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(res.remark, ' request type 310 not supported');
});
