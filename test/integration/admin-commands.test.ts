/**
 * `rmq admin` commands as child processes against a name server and broker started in this test
 * (ports 0, temp data dir): tables by default, one JSON line with --json, clear failures.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDev, type DevServers } from '../../src/cli/servers.js';
import { DefaultMQPushConsumer } from '../../src/client/push-consumer.js';
import { DefaultMQProducer } from '../../src/client/producer.js';
import { Message } from '../../src/client/message.js';
import { tempDir } from '../support/paths.js';
import { runCli, runJson } from './cli-support.js';

interface Json {
  [k: string]: unknown;
}

describe('rmq admin', () => {
  let dev: DevServers;
  let tmp: ReturnType<typeof tempDir>;
  let n: string[];
  const topic = 'AdminCliTopic';

  before(async () => {
    tmp = tempDir('rmq-admin-cli-');
    dev = await startDev({ dataDir: tmp.dir, namesrvPort: 0, brokerPort: 0, host: '127.0.0.1' });
    n = ['-n', dev.namesrvAddr];
  });

  after(async () => {
    await dev?.stop();
    tmp?.cleanup();
  });

  test('clusterList and brokerStatus show the broker (table and --json)', async () => {
    const table = await runCli(['admin', 'clusterList', ...n]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /#Cluster Name\s+#Broker Name\s+#BID\s+#Addr/);
    assert.match(table.stdout, /DefaultCluster\s+broker-a\s+0\s+127\.0\.0\.1:\d+/);
    const json = await runJson<{ brokers: Json[] }>(['admin', 'clusterList', ...n]);
    assert.equal(json.brokers[0]!['brokerName'], 'broker-a');
    assert.equal(json.brokers[0]!['brokerAddr'], dev.brokerAddr);

    const status = await runJson<{ table: Record<string, string> }>(['admin', 'brokerStatus', ...n, '-b', dev.brokerAddr]);
    assert.ok(Number(status.table['processCpuMicros']) > 0);
    const statusText = await runCli(['admin', 'brokerStatus', ...n, '-c', 'DefaultCluster']);
    assert.equal(statusText.code, 0, statusText.stderr);
    assert.match(statusText.stdout, /msgPutTotal\s+: \d+/);
  });

  test('updateTopic with attributes, topicList, topicRoute, topicStatus', async () => {
    const r = await runCli(['admin', 'updateTopic', ...n, '-c', 'DefaultCluster', '-t', topic, '-r', '4', '-w', '4', '-a', '+message.type=NORMAL']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /create topic to 127\.0\.0\.1:\d+ success\./);
    assert.match(r.stdout, /readQueueNums=4, writeQueueNums=4/);

    // The broker re-registers with the name server after a topic change; wait (bounded) for the route.
    let route: { queueDatas: Json[]; brokerDatas: Json[] } | undefined;
    for (let i = 0; i < 100 && !route; i++) {
      const res = await runCli(['admin', 'topicRoute', ...n, '-t', topic, '--json']);
      if (res.code === 0) route = JSON.parse(res.stdout) as typeof route;
      else await new Promise((res2) => setTimeout(res2, 100));
    }
    assert.ok(route, 'route never appeared');
    assert.equal(route.queueDatas[0]!['writeQueueNums'], 4);
    assert.equal(route.brokerDatas[0]!['brokerName'], 'broker-a');

    const list = await runJson<{ topicList: string[] }>(['admin', 'topicList', ...n]);
    assert.ok(list.topicList.includes(topic));
    const listText = await runCli(['admin', 'topicList', ...n]);
    assert.ok(listText.stdout.split('\n').includes(topic));
    const clusterModel = await runCli(['admin', 'topicList', ...n, '-c']);
    assert.equal(clusterModel.code, 0, clusterModel.stderr);
    assert.match(clusterModel.stdout, new RegExp(`DefaultCluster\\s+${topic}`));

    const routeTable = await runCli(['admin', 'topicRoute', ...n, '-t', topic, '-l']);
    assert.match(routeTable.stdout, /DefaultCluster\s+broker-a\s+0:127\.0\.0\.1:\d+\s+4\s+4\s+6\(RW-\)/);

    const status = await runJson<{ offsets: Json[] }>(['admin', 'topicStatus', ...n, '-t', topic]);
    assert.equal(status.offsets.length, 4);
    const statusText = await runCli(['admin', 'topicStatus', ...n, '-t', topic]);
    assert.match(statusText.stdout, /#Broker Name\s+#QID\s+#Min Offset\s+#Max Offset\s+#Last Updated/);
  });

  test('sendMessage, queryMsgByKey, queryMsgById, queryMsgByOffset, consumeMessage, printMsg', async () => {
    const sent = await runJson<{ sendStatus: string; msgId: string; offsetMsgId: string; queueId: number; queueOffset: number }>(
      ['admin', 'sendMessage', ...n, '-t', topic, '-p', 'hello admin', '-k', 'key-1', '-c', 'TagA'],
    );
    assert.equal(sent.sendStatus, 'SEND_OK');
    const sentText = await runCli(['admin', 'sendMessage', ...n, '-t', topic, '-p', 'second', '-b', 'broker-a', '-i', '1']);
    assert.match(sentText.stdout, /broker-a\s+1\s+SEND_OK\s+[0-9A-F]{32}/);

    const byKey = await runJson<{ messages: Json[] }>(['admin', 'queryMsgByKey', ...n, '-t', topic, '-k', 'key-1']);
    assert.equal(byKey.messages.length, 1);
    assert.equal(byKey.messages[0]!['body'], 'hello admin');
    assert.equal(byKey.messages[0]!['tags'], 'TagA');

    const byOffsetId = await runJson<{ messages: Json[] }>(['admin', 'queryMsgById', ...n, '-i', sent.offsetMsgId]);
    assert.equal(byOffsetId.messages[0]!['body'], 'hello admin');
    const byClientId = await runJson<{ messages: Json[] }>(['admin', 'queryMsgById', ...n, '-i', sent.msgId, '-t', topic]);
    assert.equal(byClientId.messages[0]!['msgId'], sent.msgId);
    const idText = await runCli(['admin', 'queryMsgById', ...n, '-i', sent.offsetMsgId]);
    assert.match(idText.stdout, /Message Body:\s+hello admin/);

    const byOffset = await runJson<{ message: Json }>(['admin', 'queryMsgByOffset', ...n, '-t', topic, '-b', 'broker-a', '-i', String(sent.queueId), '-o', String(sent.queueOffset)]);
    assert.equal(byOffset.message['body'], 'hello admin');

    const consumed = await runJson<{ count: number; messages: Json[] }>(['admin', 'consumeMessage', ...n, '-t', topic]);
    assert.equal(consumed.count, 2);
    assert.deepEqual(consumed.messages.map((m) => m['body']).sort(), ['hello admin', 'second']);
    const one = await runJson<{ count: number }>(['admin', 'consumeMessage', ...n, '-t', topic, '-b', 'broker-a', '-i', '1', '-c', '5']);
    assert.equal(one.count, sent.queueId === 1 ? 2 : 1); // the first message went to a random queue

    const printed = await runJson<{ count: number; messages: Json[] }>(['admin', 'printMsg', ...n, '-t', topic, '-s', 'TagA']);
    assert.equal(printed.count, 1);
    assert.equal(printed.messages[0]!['body'], 'hello admin');
    const printedText = await runCli(['admin', 'printMsg', ...n, '-t', topic]);
    assert.match(printedText.stdout, /MSGID: [0-9A-F]{32} MessageExt \[.*\] BODY: second/);
  });

  test('updateSubGroup, consumerProgress, resetOffsetByTime, deleteSubGroup', async () => {
    const group = 'AdminCliGroup';
    const r = await runCli(['admin', 'updateSubGroup', ...n, '-c', 'DefaultCluster', '-g', group, '-r', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /create subscription group to 127\.0\.0\.1:\d+ success\./);

    // No consumer is online: the offsets are set anyway (our broker sets them itself; against a Java
    // broker, which answers 206, the command sets them queue by queue).
    const reset = await runJson<{ offsets: Array<{ queueId: number; offset: number }> }>(['admin', 'resetOffsetByTime', ...n, '-g', group, '-t', topic, '-s', '1000']);
    assert.equal(reset.offsets.length, 4);
    for (const o of reset.offsets) assert.equal(o.offset, 0);

    const progress = await runJson<{ diffTotal: number; offsets: Json[] }>(['admin', 'consumerProgress', ...n, '-g', group]);
    assert.equal(progress.diffTotal, 2);
    const progressText = await runCli(['admin', 'consumerProgress', ...n, '-g', group]);
    assert.match(progressText.stdout, /#Topic\s+#Broker Name\s+#QID\s+#Broker Offset\s+#Consumer Offset\s+#Diff\s+#LastTime/);
    assert.match(progressText.stdout, /Consume Diff Total: 2/);

    const all = await runJson<{ groups: Json[] }>(['admin', 'consumerProgress', ...n]);
    assert.ok(all.groups.some((g) => g['group'] === group && g['version'] === 'OFFLINE'));

    const conn = await runCli(['admin', 'consumerConnection', ...n, '-g', group]);
    assert.equal(conn.code, 1);
    assert.match(conn.stderr, /CODE: 206/);

    const del = await runCli(['admin', 'deleteSubGroup', ...n, '-c', 'DefaultCluster', '-g', group]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, new RegExp(`delete subscription group \\[${group}\\] from broker`));
  });

  test('with a consumer online: consumerConnection, consumerProgress (-s), consumerStatus, resetOffsetByTime redelivers', async () => {
    const group = 'AdminCliOnlineGroup';
    const bodies: string[] = [];
    const consumer = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: dev.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', instanceName: 'admin-cli-test' });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener((msgs) => {
      for (const m of msgs) bodies.push(m.body.toString());
      return 'CONSUME_SUCCESS' as const;
    });
    await consumer.start();
    try {
      const waitFor = async (what: string, cond: () => boolean): Promise<void> => {
        // Bounded at 40 s: a first rebalance that misses the heartbeat is retried on the 20 s timer.
        for (let i = 0; i < 800 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(cond(), `timed out waiting for ${what} (bodies: ${JSON.stringify(bodies)})`);
      };
      await waitFor('the two messages', () => bodies.length >= 2);

      const conn = await runJson<{ connectionSet: Array<{ clientId: string; language: string }>; subscriptionTable: Record<string, { subString: string }>; messageModel: string }>(
        ['admin', 'consumerConnection', ...n, '-g', group],
      );
      assert.equal(conn.connectionSet.length, 1);
      assert.equal(conn.subscriptionTable[topic]!.subString, '*');
      assert.equal(conn.messageModel, 'CLUSTERING');
      const connText = await runCli(['admin', 'consumerConnection', ...n, '-g', group]);
      assert.match(connText.stdout, /#ClientId\s+#ClientAddr\s+#Language\s+#Version/);
      assert.match(connText.stdout, /Below is subscription:/);

      await consumer.persistConsumerOffset();
      const progress = await runJson<{ diffTotal: number }>(['admin', 'consumerProgress', ...n, '-g', group, '-t', topic]);
      assert.equal(progress.diffTotal, 0);

      // The members' own reports (GET_CONSUMER_RUNNING_INFO through the broker).
      const clientId = conn.connectionSet[0]!.clientId;
      const withIp = await runJson<{ offsets: Array<{ clientIp: string }> }>(['admin', 'consumerProgress', ...n, '-g', group, '-t', topic, '-s', 'true']);
      assert.equal(withIp.offsets.length, 4);
      for (const o of withIp.offsets) assert.equal(o.clientIp, clientId.split('@')[0]);
      const withIpText = await runCli(['admin', 'consumerProgress', ...n, '-g', group, '-t', topic, '-s', 'true']);
      assert.match(withIpText.stdout, /#Consumer Offset\s+#Client IP\s+#Diff/);
      type Status = { sameSubscription: boolean; rebalanceOk: boolean; clients: Array<{ clientId: string; queues: number }> };
      // The %RETRY% queue joins the member's assignment once its route is known (looked up every second).
      let status = await runJson<Status>(['admin', 'consumerStatus', ...n, '-g', group]);
      for (let i = 0; i < 20 && status.clients[0]?.queues !== 5; i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = await runJson<Status>(['admin', 'consumerStatus', ...n, '-g', group]);
      }
      assert.equal(status.sameSubscription, true);
      assert.equal(status.rebalanceOk, true);
      assert.deepEqual(status.clients.map((c) => [c.clientId, c.queues]), [[clientId, 4 + 1]]); // 4 queues + its %RETRY% queue
      const one = await runCli(['admin', 'consumerStatus', ...n, '-g', group, '-i', clientId]);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /#Consumer Properties#[\s\S]*consumerGroup\s+: AdminCliOnlineGroup[\s\S]*#Consumer Offset#/);
      const all = await runJson<{ groups: Array<{ group: string; count: number }> }>(['admin', 'consumerProgress', ...n]);
      assert.equal(all.groups.find((g) => g.group === group)?.count, 1);

      // The broker moves the offsets back and tells the online client, which consumes again.
      const reset = await runJson<{ clientsNotified: boolean; offsets: Array<{ offset: number }> }>(['admin', 'resetOffsetByTime', ...n, '-g', group, '-t', topic, '-s', '1000']);
      assert.equal(reset.clientsNotified, true);
      assert.ok(reset.offsets.every((o) => o.offset === 0));
      await waitFor('redelivery after the reset', () => bodies.length >= 4);
      assert.deepEqual(bodies.slice(2).sort(), ['hello admin', 'second']);
    } finally {
      await consumer.shutdown();
    }
  });

  test('failures: unknown topic, bad flags, no name server', async () => {
    const missing = await runCli(['admin', 'topicRoute', ...n, '-t', 'NoSuchTopicHere']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /CODE: 17 \(TOPIC_NOT_EXIST\)/);
    const missingJson = await runCli(['admin', 'topicRoute', ...n, '-t', 'NoSuchTopicHere', '--json']);
    assert.equal(JSON.parse(missingJson.stdout.trim()).responseCode, 17);

    const usage = await runCli(['admin', 'updateTopic', ...n, '-c', 'DefaultCluster']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /option -t is required/);
    const badName = await runCli(['admin', 'updateTopic', ...n, '-c', 'DefaultCluster', '-t', 'bad topic!']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /illegal characters/);
    const badNum = await runCli(['admin', 'updateTopic', ...n, '-c', 'DefaultCluster', '-t', 'T1', '-r', 'many']);
    assert.equal(badNum.code, 2);

    const noNamesrv = await runCli(['admin', 'topicList']);
    assert.equal(noNamesrv.code, 1);
    assert.match(noNamesrv.stderr, /NAMESRV_ADDR/);
    const fromEnv = await runCli(['admin', 'topicList', '--json'], { env: { NAMESRV_ADDR: dev.namesrvAddr } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);

    const unknownCommand = await runCli(['admin', 'noSuchCommand']);
    assert.notEqual(unknownCommand.code, 0);
  });

  test('more mqadmin commands: broker/name-server config, KV, write perm, topic perm and clusters, unique key, producers', async () => {
    const upd = await runCli(['admin', 'updateBrokerConfig', ...n, '-c', 'DefaultCluster', '-k', 'maxMessageSize', '-v', '2000000']);
    assert.equal(upd.code, 0, upd.stderr);
    assert.match(upd.stdout, /update broker config success, 127\.0\.0\.1:\d+/);
    const cfg = await runJson<{ brokers: Array<{ config: Record<string, string> }> }>(['admin', 'getBrokerConfig', ...n, '-b', dev.brokerAddr]);
    assert.equal(cfg.brokers[0]!.config['maxMessageSize'], '2000000');
    const cfgText = await runCli(['admin', 'getBrokerConfig', ...n, '-c', 'DefaultCluster']);
    assert.match(cfgText.stdout, /^brokerName\s+=  broker-a$/m);

    assert.equal((await runCli(['admin', 'updateKvConfig', ...n, '-s', 'AdminCliNs', '-k', 'k1', '-v', 'v1'])).code, 0);
    assert.equal((await runCli(['admin', 'deleteKvConfig', ...n, '-s', 'AdminCliNs', '-k', 'k1'])).code, 0);
    assert.equal((await runCli(['admin', 'updateNamesrvConfig', ...n, '-k', 'scanNotActiveBrokerInterval', '-v', '6000'])).code, 0);
    const ns = await runJson<{ namesrvs: Array<{ config: Record<string, string> }> }>(['admin', 'getNamesrvConfig', ...n]);
    assert.equal(ns.namesrvs[0]!.config['scanNotActiveBrokerInterval'], '6000');

    const wipe = await runCli(['admin', 'wipeWritePerm', ...n, '-b', 'broker-a']);
    assert.match(wipe.stdout, /wipe write perm of broker\[broker-a\] in name server\[127\.0\.0\.1:\d+\] OK, \d+/);
    const add = await runCli(['admin', 'addWritePerm', ...n, '-b', 'broker-a']);
    assert.match(add.stdout, /add write perm of broker\[broker-a\] in name server\[127\.0\.0\.1:\d+\] OK, \d+/);

    const perm = await runCli(['admin', 'updateTopicPerm', ...n, '-c', 'DefaultCluster', '-t', topic, '-p', '4']);
    assert.match(perm.stdout, /update topic perm from 6 to 4 in 127\.0\.0\.1:\d+ success\./);
    assert.equal((await runCli(['admin', 'updateTopicPerm', ...n, '-c', 'DefaultCluster', '-t', topic, '-p', '6'])).code, 0);
    const clusters = await runCli(['admin', 'topicClusterList', ...n, '-t', topic]);
    assert.equal(clusters.stdout.trim(), 'DefaultCluster');

    const sent = await runJson<{ msgId: string }>(['admin', 'sendMessage', ...n, '-t', topic, '-p', 'unique']);
    const byKey = await runJson<{ message: Json }>(['admin', 'queryMsgByUniqueKey', ...n, '-t', topic, '-i', sent.msgId]);
    assert.equal(byKey.message['body'], 'unique');

    // A producer that stays connected shows up in producerConnection.
    const producer = new DefaultMQProducer({ producerGroup: 'AdminCliProducers', namesrvAddr: dev.namesrvAddr, instanceName: 'admin-cli-producer' });
    await producer.start();
    try {
      await producer.send(new Message(topic, 'from a producer'));
      // The first heartbeat goes out 1 s after start; send it now that the broker is known.
      await producer.clientInstance!.sendHeartbeatToAllBrokerWithLock();
      const pc = await runJson<{ connectionSet: Array<{ clientId: string }> }>(['admin', 'producerConnection', ...n, '-g', 'AdminCliProducers', '-t', topic]);
      assert.equal(pc.connectionSet.length, 1);
    } finally {
      await producer.shutdown();
    }
  });

  test('skipAccumulatedMessage, cloneGroupOffset, getConsumerConfig, allocateMQ, DecodeMessageId', async () => {
    const skipped = await runJson<{ offsets: Array<{ queueId: number; offset: number }> }>(['admin', 'skipAccumulatedMessage', ...n, '-g', 'AdminCliSkip', '-t', topic]);
    const status = await runJson<{ offsets: Array<{ queueId: number; maxOffset: number }> }>(['admin', 'topicStatus', ...n, '-t', topic]);
    assert.deepEqual(
      skipped.offsets.map((o) => [o.queueId, o.offset]),
      status.offsets.map((o) => [o.queueId, o.maxOffset]),
    );
    const cloned = await runCli(['admin', 'cloneGroupOffset', ...n, '-s', 'AdminCliSkip', '-d', 'AdminCliClone', '-t', topic]);
    assert.match(cloned.stdout, /clone group offset success\. srcGroup\[AdminCliSkip\], destGroup=\[AdminCliClone\]/);
    const progress = await runJson<{ diffTotal: number }>(['admin', 'consumerProgress', ...n, '-g', 'AdminCliClone', '-t', topic]);
    assert.equal(progress.diffTotal, 0);

    // (created by the online consumer's heartbeat in an earlier test)
    const cfg = await runCli(['admin', 'getConsumerConfig', ...n, '-g', 'AdminCliOnlineGroup']);
    assert.equal(cfg.code, 0, cfg.stderr);
    assert.match(cfg.stdout, /^groupName\s+=  AdminCliOnlineGroup$/m);
    const noGroup = await runCli(['admin', 'getConsumerConfig', ...n, '-g', 'AdminCliSkip']);
    assert.equal(noGroup.code, 1);
    assert.match(noGroup.stderr, /not found on any broker/);

    const alloc = await runJson<{ result: Record<string, Array<{ queueId: number }>> }>(['admin', 'allocateMQ', ...n, '-t', topic, '-i', 'c1,c2']);
    assert.deepEqual(alloc.result['c1']!.map((q) => q.queueId), [0, 1]);
    assert.deepEqual(alloc.result['c2']!.map((q) => q.queueId), [2, 3]);

    const sent = await runJson<{ msgId: string; offsetMsgId: string; queueOffset: number }>(['admin', 'sendMessage', ...n, '-t', topic, '-p', 'decode me']);
    const decoded = await runJson<{ ids: Array<{ asClientId: { timestamp: number }; asOffsetId?: { brokerAddr: string } }> }>(
      ['admin', 'DecodeMessageId', ...n, '-i', `${sent.msgId},${sent.offsetMsgId}`],
    );
    assert.ok(Math.abs(decoded.ids[0]!.asClientId.timestamp - Date.now()) < 60_000);
    assert.equal(decoded.ids[1]!.asOffsetId?.brokerAddr, dev.brokerAddr);
  });

  test('deleteTopic removes the topic from broker and name server', async () => {
    const t = 'AdminCliDeleteMe';
    assert.equal((await runCli(['admin', 'updateTopic', ...n, '-b', dev.brokerAddr, '-t', t])).code, 0);
    const r = await runCli(['admin', 'deleteTopic', ...n, '-t', t, '-c', 'DefaultCluster']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`delete topic \\[${t}\\] from cluster \\[DefaultCluster\\] success`));
    const list = await runJson<{ topicList: string[] }>(['admin', 'topicList', ...n]);
    assert.ok(!list.topicList.includes(t));
  });
});
