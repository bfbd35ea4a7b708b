import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTraceData, emptyRecord, encodeTraceRecord, traceKeys } from './trace-data.js';

const C = '\u0001';
const F = '\u0002';

test('trace records are written in Apache field order and read back', () => {
  const pub = { ...emptyRecord('Pub'), timestamp: 1700000000000, groupName: 'PG', topic: 'T', msgId: 'M1', tags: 'TagA', keys: 'K1', storeHost: '10.0.0.1:10911', bodyLength: 5, costTime: 3, msgType: 0, offsetMsgId: 'OFF', success: true };
  assert.equal(encodeTraceRecord(pub), ['Pub', 1700000000000, 'DefaultRegion', 'PG', 'T', 'M1', 'TagA', 'K1', '10.0.0.1:10911', 5, 3, 0, 'OFF', 'true'].join(C) + F);
  const before = { ...emptyRecord('SubBefore'), timestamp: 1700000000100, groupName: 'CG', requestId: 'R', msgId: 'M1', retryTimes: 2, keys: 'K1' };
  assert.equal(encodeTraceRecord(before), ['SubBefore', 1700000000100, 'DefaultRegion', 'CG', 'R', 'M1', 2, 'K1'].join(C) + F);
  const afterRec = { ...emptyRecord('SubAfter'), timestamp: 1700000000200, requestId: 'R', msgId: 'M1', costTime: 7, success: false, keys: 'K1', contextCode: 4 };
  assert.equal(encodeTraceRecord(afterRec), ['SubAfter', 'R', 'M1', 7, 'false', 'K1', 4, 1700000000200].join(C) + F);
  const decoded = decodeTraceData(encodeTraceRecord(pub) + encodeTraceRecord(before) + encodeTraceRecord(afterRec));
  assert.deepEqual(decoded.map((r) => r.type), ['Pub', 'SubBefore', 'SubAfter']);
  assert.equal(decoded[0]!.offsetMsgId, 'OFF');
  assert.equal(decoded[1]!.retryTimes, 2);
  assert.equal(decoded[2]!.contextCode, 4);
  assert.equal(decoded[2]!.success, false);
  assert.deepEqual(traceKeys(pub), ['M1', 'K1']);
});

test('older and newer writers: Pub with 13 or 15 fields, SubAfter without context code; junk skipped', () => {
  const old = ['Pub', 1, 'R', 'PG', 'T', 'M', 't', 'k', 'h', 1, 2, 0, 'true'].join(C) + F;
  const newer = ['Pub', 1, 'R', 'PG', 'T', 'M', 't', 'k', 'h', 1, 2, 0, 'O', 'false', '10.0.0.9'].join(C) + F;
  const shortAfter = ['SubAfter', 'R', 'M', 5, 'true', 'k'].join(C) + F;
  const r = decodeTraceData(old + newer + shortAfter + 'Garbage' + C + 'x' + F + 'Pub' + C + '1' + F);
  assert.equal(r.length, 3);
  assert.equal(r[0]!.success, true);
  assert.equal(r[1]!.clientHost, '10.0.0.9');
  assert.equal(r[1]!.success, false);
  assert.equal(r[2]!.costTime, 5);
});

test('EndTransaction records', () => {
  const e = { ...emptyRecord('EndTransaction'), timestamp: 5, groupName: 'PG', topic: 'T', msgId: 'M', transactionId: 'X', transactionState: 'COMMIT_MESSAGE', fromTransactionCheck: true, msgType: 1 };
  const [d] = decodeTraceData(encodeTraceRecord(e));
  assert.equal(d!.transactionState, 'COMMIT_MESSAGE');
  assert.equal(d!.fromTransactionCheck, true);
  assert.equal(d!.msgType, 1);
});
