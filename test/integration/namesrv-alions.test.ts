/**
 * ali-ons 3.12 (the npm 4.x remoting client) against our name server: route lookups by topic
 * (found and TOPIC_NOT_EXIST) go through its own remoting stack and JSON parser.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tempDir } from '../support/paths.js';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/namesrv.js';
import { bodyCrc32, encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker-body.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const MQClientAPI = require('ali-ons/lib/mq_client_api') as any;

const tmp = tempDir('rmq-ns-ons-');
let ns: NamesrvController;
let addr: string;
const broker = new RemotingClient();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ons: any;

const silent = { info() {}, warn() {}, error() {}, debug() {} };

before(async () => {
  ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: join(tmp.dir, 'kv.json'), configStorePath: '' });
  const { port } = await ns.start();
  addr = `127.0.0.1:${port}`;
  const body = encodeRegisterBrokerBody({
    topicConfigSerializeWrapper: {
      topicConfigTable: { OnsTopic: { topicName: 'OnsTopic', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false } },
      dataVersion: { timestamp: 1, counter: 1 },
    },
    filterServerList: [],
  });
  const res = await broker.invoke(
    addr,
    createRequest(
      RequestCode.REGISTER_BROKER,
      RegisterBrokerRequestHeader.encode({ brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', clusterName: 'DefaultCluster', haServerAddr: '127.0.0.1:10912', brokerId: 0, bodyCrc32: bodyCrc32(body) }),
      body,
    ),
    3000,
  );
  assert.equal(res.code, 0);
  ons = new MQClientAPI({ nameSrv: addr, httpclient: {}, logger: silent, responseTimeout: 3000 });
  await ons.ready();
});

after(async () => {
  await ons?.close();
  broker.shutdown();
  await ns.shutdown();
  tmp.cleanup();
});

test('namesrv + ali-ons: route by topic is parsed by ali-ons', async () => {
  const route = await ons.getTopicRouteInfoFromNameServer('OnsTopic', 3000);
  assert.equal(route.queueDatas.length, 1);
  assert.equal(route.queueDatas[0].writeQueueNums, 4);
  assert.equal(route.brokerDatas[0].brokerAddrs['0'], '127.0.0.1:10911');
});

test('namesrv + ali-ons: unknown topic is reported as TOPIC_NOT_EXIST', async () => {
  await assert.rejects(ons.getTopicRouteInfoFromNameServer('NoSuchOnsTopic', 3000), (e: any) => /17|TOPIC_NOT_EXIST|No topic route/i.test(`${e.name} ${e.message} ${e.code}`));
});
