import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFastjson, toFastjson, toFastjsonLegacy, FastjsonSyntaxError } from './fastjson.js';
import { parseTopicStatsTable, topicStatsTableJson, parseConsumeStats, consumeStatsJson } from './message-queue-map.js';

test('fastjson: unquoted numeric keys', () => {
  const v = parseFastjson('{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"n":-1.5e2}') as any;
  assert.deepEqual(v, { brokerAddrs: { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911' }, n: -150 });
});

test('fastjson: MessageQueue object keys parse into a Map and round-trip', () => {
  const text =
    '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":120,"minOffset":0},' +
    '{"brokerName":"b","queueId":1,"topic":"T"}:{"lastUpdateTimestamp":6,"maxOffset":7,"minOffset":1}},"topicPutTps":0.0}';
  const t = parseTopicStatsTable(text);
  assert.equal(t.offsetTable.length, 2);
  assert.deepEqual(t.offsetTable[1]![0], { topic: 'T', brokerName: 'b', queueId: 1 });
  assert.equal(t.offsetTable[0]![1].maxOffset, 120);
  const again = toFastjson(topicStatsTableJson(t));
  assert.ok(again.startsWith('{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{'));
  assert.deepEqual(parseTopicStatsTable(again), t);
  const cs = { offsetTable: [[{ topic: 'T', brokerName: 'b', queueId: 2 }, { brokerOffset: 9, consumerOffset: 3, lastTimestamp: 1 }]] as any, consumeTps: 1.5 };
  assert.deepEqual(parseConsumeStats(toFastjson(consumeStatsJson(cs))), cs);
});

test('fastjson: standard JSON output, legacy output with unquoted int keys', () => {
  const route = { brokerDatas: [{ brokerAddrs: { '0': 'a:1' }, zoneName: undefined }], s: 'x"y,"1":' };
  assert.equal(toFastjson(route), '{"brokerDatas":[{"brokerAddrs":{"0":"a:1"}}],"s":"x\\"y,\\"1\\":"}');
  assert.equal(toFastjsonLegacy(route), '{"brokerDatas":[{"brokerAddrs":{0:"a:1"}}],"s":"x\\"y,\\"1\\":"}');
  assert.deepEqual(parseFastjson(toFastjsonLegacy(route)), JSON.parse(toFastjson(route)));
});

test('fastjson: bad input gives a clear error, not a crash', () => {
  for (const bad of ['{', '{"a":}', '[1,', '{"a" 1}', '"abc', '{a:1', 'nul', '1 2', '['.repeat(2000)]) {
    assert.throws(() => parseFastjson(bad), FastjsonSyntaxError, bad.slice(0, 20));
  }
});
