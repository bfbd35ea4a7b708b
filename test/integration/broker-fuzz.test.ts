/**
 * Bad input never takes the broker down: random extFields and bodies for every request code the
 * broker handles get an answer (or, for oneway, nothing), and the broker keeps serving. Seeded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { send, startBroker, type TestBroker } from './broker-harness.js';

let t: TestBroker;
before(async () => {
  t = await startBroker();
  await send(t, 'FuzzTopic', 'seed');
});
after(async () => {
  await t?.stop();
});

const CODES = [
  RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE, RequestCode.CONSUMER_SEND_MSG_BACK,
  RequestCode.PULL_MESSAGE, RequestCode.LITE_PULL_MESSAGE, RequestCode.QUERY_CONSUMER_OFFSET, RequestCode.UPDATE_CONSUMER_OFFSET,
  RequestCode.GET_CONSUMER_LIST_BY_GROUP, RequestCode.HEART_BEAT, RequestCode.UNREGISTER_CLIENT, RequestCode.CHECK_CLIENT_CONFIG,
  RequestCode.QUERY_MESSAGE, RequestCode.VIEW_MESSAGE_BY_ID, RequestCode.UPDATE_AND_CREATE_TOPIC, RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.GET_TOPIC_CONFIG, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG,
  RequestCode.DELETE_SUBSCRIPTIONGROUP, RequestCode.GET_MAX_OFFSET, RequestCode.GET_MIN_OFFSET, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
  RequestCode.GET_EARLIEST_MSG_STORETIME, RequestCode.GET_TOPIC_STATS_INFO, RequestCode.GET_CONSUME_STATS,
  RequestCode.GET_CONSUMER_CONNECTION_LIST, RequestCode.GET_PRODUCER_CONNECTION_LIST, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
  RequestCode.QUERY_TOPICS_BY_CONSUMER, RequestCode.UPDATE_BROKER_CONFIG, RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.LOCK_BATCH_MQ, RequestCode.UNLOCK_BATCH_MQ,
];

// Keys the headers use, so random values reach the field checks, not just "missing field".
const KEYS = [
  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l', 'm', 'topic', 'queueId', 'queueOffset', 'consumerGroup', 'group', 'offset',
  'maxMsgNums', 'sysFlag', 'commitOffset', 'suspendTimeoutMillis', 'subscription', 'subVersion', 'delayLevel', 'key', 'maxNum',
  'beginTimestamp', 'endTimestamp', 'timestamp', 'isForce', 'readQueueNums', 'writeQueueNums', 'perm', 'topicFilterType', 'order',
  'defaultTopic', 'attributes', 'groupName', 'clientID', 'producerGroup',
];

const value = fc.oneof(
  fc.constantFrom('FuzzTopic', 'TBW102', '%RETRY%G', 'G', '0', '1', '-1', '2147483648', '99999999999999999999', 'true', 'x y', '', 'SCHEDULE_TOPIC_XXXX'),
  fc.integer().map(String),
  fc.string({ maxLength: 20 }),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constantFrom('{}', '{"clientID":1}', '{"mqSet":[{}]}', 'null', '[', '{"consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"topic":"FuzzTopic"}]}]}').map((s) => Buffer.from(s)),
);

test('random requests are answered and the broker keeps serving', { timeout: 60_000 }, async () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
  console.log(`fast-check seed ${seed}`);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...CODES), fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 10 }), body, async (code, ext, b) => {
      // Long-poll requests would be held; keep them short.
      if ('suspendTimeoutMillis' in ext) ext.suspendTimeoutMillis = '10';
      const res = await t.client.invoke(t.addr, createRequest(code, ext, b), 5000);
      assert.equal(typeof res.code, 'number');
    }),
    { numRuns: 400, seed },
  );
  // Random admin requests may have changed topics and permissions; the process must still answer.
  const rt = await t.client.invoke(t.addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 5000);
  assert.equal(rt.code, ResponseCode.SUCCESS);
});
