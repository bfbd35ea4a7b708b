import { test } from 'node:test';
import fc from 'fast-check';
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

test('fastjson: a __proto__ key stays an own property', () => {
  const v = parseFastjson('{0:1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(Object.keys(v), ['0', '__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('fastjson: single-quoted strings with escapes', () => {
  assert.deepEqual(parseFastjson("{'a':'x\\'y\\u0041\\n',b:1}"), { a: "x'yA\n", b: 1 });
});

test('fastjson: bad input gives a clear error, not a crash', () => {
  for (const bad of ['{', '{"a":}', '[1,', '{"a" 1}', '"abc', '{a:1', 'nul', '1 2', '['.repeat(2000), "{'a':'\\u12'}", "{'a':'\\q'}", "{'a':'x"]) {
    assert.throws(() => parseFastjson(bad), FastjsonSyntaxError, bad.slice(0, 20));
  }
});

test('fastjson: arbitrary and mutated input parses or raises FastjsonSyntaxError (fast-check)', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
  console.log(`fastjson fuzz: fast-check seed ${seed}`);
  const sample = '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":1}},"a":[1,-2.5e3,true,null,\'x\'],0:"z"}';
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(fc.nat(sample.length), fc.string({ maxLength: 3 })).map(([i, ins]) => sample.slice(0, i) + ins + sample.slice(i + 1))), (text) => {
      try {
        parseFastjson(text);
      } catch (e) {
        if (!(e instanceof FastjsonSyntaxError)) throw e;
      }
    }),
    { seed, numRuns: 3000 },
  );
});
