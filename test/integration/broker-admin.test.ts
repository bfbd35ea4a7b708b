import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { createRequest, createResponse, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { parseConsumeStats, parseTopicStatsTable } from '../../src/protocol/body/message-queue-map.js';
import { parseFastjson } from '../../src/protocol/body/fastjson.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { heartbeatBody, pull, records, send, startBroker, waitFor, type TestBroker } from './broker-harness.js';
import { join } from 'node:path';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';

let t: TestBroker;
before(async () => {
  t = await startBroker();
});
after(async () => {
  await t?.stop();
});

const json = (r: RemotingCommand): Record<string, any> => parseFastjson(r.body!) as Record<string, any>;

function createTopic(topic: string, queues: number, extra: Partial<{ attributes: string; perm: number; order: boolean }> = {}): Promise<RemotingCommand> {
  const ext = CreateTopicRequestHeader.encode({
    topic, defaultTopic: 'TBW102', readQueueNums: queues, writeQueueNums: queues, perm: extra.perm ?? 6,
    topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: extra.order ?? false, attributes: extra.attributes,
  });
  return t.call(RequestCode.UPDATE_AND_CREATE_TOPIC, ext);
}

test('UPDATE_AND_CREATE_TOPIC (with attributes), GET_ALL_TOPIC_CONFIG, DELETE_TOPIC_IN_BROKER', async () => {
  const r = await createTopic('AdminTopic', 3, { attributes: '+message.type=FIFO' });
  assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  const all = json(await t.call(RequestCode.GET_ALL_TOPIC_CONFIG));
  const tc = all.topicConfigTable.AdminTopic;
  assert.equal(tc.readQueueNums, 3);
  assert.equal(tc.writeQueueNums, 3);
  assert.deepEqual(tc.attributes, { 'message.type': 'FIFO' });
  assert.ok(all.dataVersion.counter > 0);
  const bad = await createTopic('Admin Topic', 3);
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  const badAttr = await createTopic('AdminTopic2', 3, { attributes: '+message.type=NOPE' });
  assert.notEqual(badAttr.code, ResponseCode.SUCCESS);
  await send(t, 'AdminTopic', 'x');
  const del = await t.call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'AdminTopic' });
  assert.equal(del.code, ResponseCode.SUCCESS);
  assert.equal(json(await t.call(RequestCode.GET_ALL_TOPIC_CONFIG)).topicConfigTable.AdminTopic, undefined);
});

test('subscription groups: UPDATE_AND_CREATE / GET_ALL / DELETE', async () => {
  const body = Buffer.from(JSON.stringify({ groupName: 'AdminGroup', consumeEnable: true, retryMaxTimes: 3, retryQueueNums: 1, brokerId: 0, whichBrokerWhenConsumeSlowly: 1, consumeBroadcastEnable: true, consumeFromMinEnable: true, notifyConsumerIdsChangedEnable: true }));
  assert.equal((await t.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body)).code, ResponseCode.SUCCESS);
  const all = json(await t.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
  assert.equal(all.subscriptionGroupTable.AdminGroup.retryMaxTimes, 3);
  const del = await t.call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'AdminGroup', cleanOffset: 'true' });
  assert.equal(del.code, ResponseCode.SUCCESS);
  assert.equal(json(await t.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).subscriptionGroupTable.AdminGroup, undefined);
});

test('GET_TOPIC_STATS_INFO, GET_CONSUME_STATS, GET_ALL_CONSUMER_OFFSET', async () => {
  assert.equal((await createTopic('StatsTopic', 2)).code, ResponseCode.SUCCESS);
  for (let i = 0; i < 3; i++) await send(t, 'StatsTopic', `s${i}`, { queueId: 1 });
  const stats = parseTopicStatsTable(( await t.call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'StatsTopic' })).body!);
  const q1 = stats.offsetTable.find(([mq]) => mq.queueId === 1)!;
  assert.equal(q1[0].brokerName, 'broker-a');
  assert.equal(q1[1].maxOffset, 3);
  assert.ok(q1[1].lastUpdateTimestamp > 0);
  assert.equal((await t.call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Nope' })).code, ResponseCode.TOPIC_NOT_EXIST);
  await t.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'StatsGroup', topic: 'StatsTopic', queueId: '1', commitOffset: '2' });
  const cs = parseConsumeStats((await t.call(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'StatsGroup', topic: 'StatsTopic' })).body!);
  const e = cs.offsetTable.find(([mq]) => mq.queueId === 1)!;
  assert.equal(e[1].brokerOffset, 3);
  assert.equal(e[1].consumerOffset, 2);
  const allOff = json(await t.call(RequestCode.GET_ALL_CONSUMER_OFFSET));
  assert.equal(allOff.offsetTable['StatsTopic@StatsGroup']['1'], 2);
});

test('GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST, INVOKE_BROKER_TO_RESET_OFFSET', async () => {
  const resets: RemotingCommand[] = [];
  const c = new RemotingClient();
  c.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req: RemotingCommand) => {
    resets.push(req);
    return null;
  });
  c.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => null);
  try {
    const hb = await c.invoke(t.addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeatBody('conn-client', 'ConnGroup', { ConnTopic: '*' }, 'ConnProducer')), 3000);
    assert.equal(hb.code, ResponseCode.SUCCESS);
    const cc = json(await t.call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'ConnGroup' }));
    assert.equal(cc.connectionSet[0].clientId, 'conn-client');
    assert.equal(cc.messageModel, 'CLUSTERING');
    assert.ok(cc.subscriptionTable.ConnTopic);
    assert.equal((await t.call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Nobody' })).code, ResponseCode.CONSUMER_NOT_ONLINE);
    const pc = json(await t.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'ConnProducer' }));
    assert.equal(pc.connectionSet[0].clientId, 'conn-client');
    // reset offset by time
    await send(t, 'ConnTopic', 'a');
    await new Promise((r) => setTimeout(r, 15));
    const mid = Date.now();
    await new Promise((r) => setTimeout(r, 15));
    await send(t, 'ConnTopic', 'b');
    await t.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'ConnGroup', topic: 'ConnTopic', queueId: '0', commitOffset: '2' });
    const r = await t.call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { topic: 'ConnTopic', group: 'ConnGroup', timestamp: String(mid), isForce: 'true' });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const q = await t.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'ConnGroup', topic: 'ConnTopic', queueId: '0' });
    assert.equal(q.extFields.offset, '1');
    await waitFor(() => resets.length > 0, 2000);
    assert.equal(resets[0]!.extFields.group, 'ConnGroup');
    assert.match(resets[0]!.body!.toString(), /"queueId":0,"topic":"ConnTopic"\}:1/);
  } finally {
    c.close();
  }
});

test('GET_BROKER_RUNTIME_INFO, GET_BROKER_CONFIG, UPDATE_BROKER_CONFIG', async () => {
  await send(t, 'RtTopic', 'x');
  const rt = json(await t.call(RequestCode.GET_BROKER_RUNTIME_INFO)).table;
  assert.ok(Number(rt.commitLogMaxOffset) > 0);
  assert.ok(Number(rt.msgPutTotal) > 0);
  assert.ok(rt.brokerCpuMicrosPerMsg !== undefined);
  assert.ok(rt.putTps.split(' ').length === 3);
  const cfg = await t.call(RequestCode.GET_BROKER_CONFIG);
  assert.match(cfg.body!.toString(), /brokerName=broker-a/);
  assert.ok(cfg.extFields.version);
  const up = await t.call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('shortPollingTimeMills=777\n'));
  assert.equal(up.code, ResponseCode.SUCCESS);
  assert.equal(t.broker.config.shortPollingTimeMills, 777);
  // persisted as Java does (the whole configuration), and read back by a broker started with it
  const path = t.broker.config.brokerConfigPath;
  assert.equal(path, join(t.dir, 'config', 'broker.properties'));
  const again = loadBrokerConfig(path);
  assert.equal(again.shortPollingTimeMills, 777);
  assert.equal(again.brokerName, t.broker.config.brokerName);
  assert.equal(again.unknownKeys, undefined);
  assert.equal(again.brokerConfigPath, path);
  const bad = await t.call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('shortPollingTimeMills=abc\n'));
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  const fixed = await t.call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('listenPort=1\n'));
  assert.equal(fixed.code, ResponseCode.SYSTEM_ERROR);
  const delay = json(await t.call(RequestCode.GET_ALL_DELAY_OFFSET));
  assert.ok(delay.offsetTable);
});

test('LOCK_BATCH_MQ / UNLOCK_BATCH_MQ', async () => {
  const mqSet = [0, 1].map((queueId) => ({ topic: 'LockTopic', brokerName: 'broker-a', queueId }));
  const lock = (clientId: string) => t.call(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify({ consumerGroup: 'LG', clientId, mqSet })));
  const a = json(await lock('A'));
  assert.equal(a.lockOKMQSet.length, 2);
  const b = json(await lock('B'));
  assert.equal(b.lockOKMQSet.length, 0);
  const un = await t.call(RequestCode.UNLOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify({ consumerGroup: 'LG', clientId: 'A', mqSet: [mqSet[0]] })));
  assert.equal(un.code, ResponseCode.SUCCESS);
  const b2 = json(await lock('B'));
  assert.deepEqual(b2.lockOKMQSet.map((m: { queueId: number }) => m.queueId), [0]);
  void pull;
});

test('GET_TOPIC_CONFIG, GET_TOPIC_NAME_LIST, GET_SYSTEM_TOPIC_LIST_FROM_BROKER, GET_SUBSCRIPTIONGROUP_CONFIG', async () => {
  await send(t, 'ListTopic', 'x');
  const tc = json(await t.call(RequestCode.GET_TOPIC_CONFIG, { topic: 'ListTopic' }));
  assert.equal(tc.topicConfig.topicName, 'ListTopic');
  assert.equal((await t.call(RequestCode.GET_TOPIC_CONFIG, { topic: 'Nope' })).code, ResponseCode.TOPIC_NOT_EXIST);
  const names = json(await t.call(RequestCode.GET_TOPIC_NAME_LIST));
  assert.ok(names.topicList.includes('ListTopic'));
  assert.equal(names.brokerAddr, t.addr);
  const sys = json(await t.call(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER));
  assert.ok(sys.topicList.includes('SCHEDULE_TOPIC_XXXX'));
  assert.ok(!sys.topicList.includes('ListTopic'));
  const sg = json(await t.call(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: 'SELF_TEST_C_GROUP' }));
  assert.equal(sg.groupName, 'SELF_TEST_C_GROUP');
  assert.equal((await t.call(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: 'NoGroup' })).code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
});

test('QUERY_TOPIC_CONSUME_BY_WHO, QUERY_TOPICS_BY_CONSUMER', async () => {
  await send(t, 'WhoTopic', 'x');
  await t.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'WhoGroup', topic: 'WhoTopic', queueId: '0', commitOffset: '1' });
  const who = json(await t.call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: 'WhoTopic' }));
  assert.deepEqual(who.groupList, ['WhoGroup']);
  const topics = json(await t.call(RequestCode.QUERY_TOPICS_BY_CONSUMER, { group: 'WhoGroup' }));
  assert.deepEqual(topics.topicList, ['WhoTopic']);
});

test('LITE_PULL_MESSAGE is served like PULL_MESSAGE', async () => {
  await send(t, 'LiteTopic', 'lite');
  const ext = { consumerGroup: 'LiteGroup', topic: 'LiteTopic', queueId: '0', queueOffset: '0', maxMsgNums: '8', sysFlag: String(0x4 | 0x10), commitOffset: '0', suspendTimeoutMillis: '0', subscription: '*', subVersion: '0', expressionType: 'TAG' };
  const r = await t.call(RequestCode.LITE_PULL_MESSAGE, ext);
  assert.equal(r.code, ResponseCode.SUCCESS);
  assert.equal(r.extFields.nextBeginOffset, '1');
});

test('client channels silent past channelExpiredTimeout are dropped and the group is told', async () => {
  const notified: string[] = [];
  const c1 = new RemotingClient();
  const c2 = new RemotingClient();
  c1.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req: RemotingCommand) => {
    notified.push(String(req.extFields.consumerGroup));
    return null;
  });
  c2.registerDefaultProcessor(() => null);
  try {
    const hb = (c: RemotingClient, id: string) => c.invoke(t.addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeatBody(id, 'ExpGroup', { ExpTopic: '*' })), 3000);
    await hb(c2, 'old-client');
    const g = t.broker.consumerManager.getConsumerGroupInfo('ExpGroup')!;
    // age client 2's last heartbeat beyond the expiry
    for (const info of g.channels.values()) info.lastUpdateTimestamp -= t.broker.config.channelExpiredTimeout + 1000;
    await hb(c1, 'live-client');
    const before = notified.length;
    t.broker.scanNotActiveChannels();
    assert.deepEqual([...g.channels.values()].map((i) => i.clientId), ['live-client']);
    await waitFor(() => notified.length > before, 2000);
  } finally {
    c1.close();
    c2.close();
  }
});

test('GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY are forwarded to the client', async () => {
  const seen: RemotingCommand[] = [];
  const c = new RemotingClient();
  c.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req: RemotingCommand) => {
    seen.push(req);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from('{"properties":{"x":"1"}}'));
  });
  c.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, (req: RemotingCommand) => {
    seen.push(req);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from('{"consumeResult":"CR_SUCCESS"}'));
  });
  c.registerDefaultProcessor(() => null);
  try {
    await c.invoke(t.addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeatBody('run-client', 'RunGroup', { RunTopic: '*' })), 3000);
    const info = await t.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'RunGroup', clientId: 'run-client' });
    assert.equal(info.code, ResponseCode.SUCCESS);
    assert.equal(json(info).properties.x, '1');
    const sent = await send(t, 'RunTopic', 'direct');
    const direct = await t.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: 'RunGroup', clientId: 'run-client', msgId: sent.extFields.msgId! });
    assert.equal(json(direct).consumeResult, 'CR_SUCCESS');
    assert.equal(records(seen[1]!)[0]!.body.toString(), 'direct');
    const offline = await t.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'RunGroup', clientId: 'nobody' });
    assert.equal(offline.code, ResponseCode.SYSTEM_ERROR);
    assert.match(offline.remark ?? '', /not online/);
  } finally {
    c.close();
  }
});
