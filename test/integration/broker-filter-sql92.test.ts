/**
 * SQL92 filters through a real name server, broker and client: consuming with MessageSelector.bySql,
 * parse failures answered with 23 SUBSCRIPTION_PARSE_FAILED naming the position, the broker switch
 * (enablePropertyFilter), and the subscription guard flagging group members that subscribe differently.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, MessageSelector, type MessageExt } from '../../src/index.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { checkSubscription } from '../../src/admin/commands/check-subscription.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull-message.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';
import { heartbeatBody, startBroker } from './broker-harness.js';

let cluster: TestCluster;
let producer: DefaultMQProducer;
const TOPIC = 'SqlFilterTopic';

before(async () => {
  cluster = await startCluster({ brokers: 1, broker: { enablePropertyFilter: true } });
  await cluster.createTopic(TOPIC, 2);
  producer = new DefaultMQProducer({ producerGroup: 'SqlFilterPG', namesrvAddr: cluster.namesrvAddr });
  await producer.start();
});
after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

function consumer(group: string, selector: string | MessageSelector, got: MessageExt[], instanceName?: string): DefaultMQPushConsumer {
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500, instanceName });
  c.subscribe(TOPIC, selector);
  c.registerMessageListener(async (msgs) => {
    got.push(...msgs);
    return 'CONSUME_SUCCESS';
  });
  return c;
}

test('a push consumer with MessageSelector.bySql receives exactly the matching messages', async () => {
  for (let i = 0; i < 20; i++) {
    const m = new Message(TOPIC, `m${i}`, { tags: i % 3 === 0 ? 'TagA' : 'TagB', properties: { a: String(i), region: i % 2 === 0 ? 'eu' : 'us' } });
    await producer.send(m);
  }
  const got: MessageExt[] = [];
  const c = consumer('SqlCG1', MessageSelector.bySql("a BETWEEN 5 AND 14 AND region = 'eu' AND TAGS <> 'TagA'"), got);
  await c.start();
  try {
    const want = Array.from({ length: 20 }, (_, i) => i).filter((i) => i >= 5 && i <= 14 && i % 2 === 0 && i % 3 !== 0).map((i) => `m${i}`);
    await waitUntil(() => got.length >= want.length, 10_000, `${want.length} matching messages`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), want.sort());
  } finally {
    await c.shutdown();
  }
});

test('an unparsable expression: start() fails with the position; pulls and CHECK_CLIENT_CONFIG answer 23', async () => {
  const c = consumer('SqlCGBad', MessageSelector.bySql('a > 5 AND AND b = 1'), []);
  await assert.rejects(c.start(), /line 1, column 11/);
  const addr = `127.0.0.1:${cluster.brokers[0]!.port}`;
  const rc = (await import('../../src/remoting/remoting-client.js')).RemotingClient;
  const client = new rc();
  try {
    const body = Buffer.from(JSON.stringify({ clientId: 'x', group: 'SqlCGBad', subscriptionData: { topic: TOPIC, subString: 'region IN (1)', expressionType: 'SQL92', tagsSet: [], codeSet: [], subVersion: 1 } }));
    const check = await client.invoke(addr, createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, body), 3000);
    assert.equal(check.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(check.remark ?? '', /line 1, column 12: expected a string literal in the IN list/);
    // Heartbeat-registered group: a pull with the SQL92 subscription in the header.
    await client.invoke(addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeatBody('raw-client', 'SqlCGRaw', { [TOPIC]: '*' })), 3000);
    const ext = PullMessageRequestHeader.encode({ consumerGroup: 'SqlCGRaw', topic: TOPIC, queueId: 0, queueOffset: 0, maxMsgNums: 32, sysFlag: 0x4, commitOffset: 0, suspendTimeoutMillis: 0, subscription: "a = 'x' OR", subVersion: 0, expressionType: 'SQL92' });
    const res = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, ext), 3000);
    assert.equal(res.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(res.remark ?? '', /line 1, column 11: .*end of input/);
  } finally {
    client.close();
  }
});

test('with enablePropertyFilter=false (the default) SQL92 is refused as RocketMQ does', async () => {
  const t = await startBroker();
  try {
    const body = Buffer.from(JSON.stringify({ clientId: 'x', group: 'G', subscriptionData: { topic: 'T', subString: 'a > 1', expressionType: 'SQL92' } }));
    const check = await t.call(RequestCode.CHECK_CLIENT_CONFIG, {}, body);
    assert.equal(check.code, ResponseCode.SYSTEM_ERROR);
    assert.match(check.remark ?? '', /does not support consumer to filter message by SQL92/);
  } finally {
    await t.stop();
  }
});

test('subscription guard: two members of one group with different expressions are flagged (checkSubscription)', async () => {
  const got: MessageExt[] = [];
  const c1 = consumer('SqlGuardCG', MessageSelector.bySql('a > 10'), got, 'guard-1');
  const c2 = consumer('SqlGuardCG', MessageSelector.bySql('a <= 10'), got, 'guard-2');
  await c1.start();
  await c2.start();
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    let result: { json: unknown; text: string } | undefined;
    await waitUntil(async () => {
      result = await checkSubscription.run(admin, { consumerGroup: 'SqlGuardCG' });
      return (result.json as { consistent: boolean }).consistent === false;
    }, 10_000, 'the guard to flag the group');
    const json = result!.json as { conflicts: Array<{ topic: string; variants: Array<{ subString: string; clientIds: string[] }> }> };
    const conflict = json.conflicts.find((c) => c.topic === TOPIC)!;
    assert.ok(conflict, result!.text);
    assert.deepEqual(conflict.variants.map((v) => v.subString).sort(), ['a <= 10', 'a > 10']);
    assert.ok(conflict.variants.every((v) => v.clientIds.length === 1));
    assert.match(result!.text, /subscribe differently/);
    await c2.shutdown();
    await waitUntil(async () => ((await checkSubscription.run(admin, { consumerGroup: 'SqlGuardCG' })).json as { consistent: boolean }).consistent, 10_000, 'the flag to clear once one member leaves');
  } finally {
    admin.close();
    await c1.shutdown();
    await c2.shutdown();
  }
});
