import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSubscriptionData, tagMatches } from './subscription.js';

test('star and empty expressions subscribe to everything', () => {
  for (const e of ['*', '', ' * ', undefined]) {
    const s = buildSubscriptionData('T', e, 1);
    assert.equal(s.subString, '*');
    assert.deepEqual(s.tagsSet, []);
    assert.ok(tagMatches(s, undefined));
    assert.ok(tagMatches(s, 'X'));
  }
});

test('tags split on ||, trimmed, with Java hash codes', () => {
  const s = buildSubscriptionData('T', 'TagA || TagB||TagA', 7);
  assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(s.codeSet, [2598919, 2598920]);
  assert.equal(s.subVersion, 7);
  assert.equal(s.expressionType, 'TAG');
  assert.ok(tagMatches(s, 'TagB'));
  assert.ok(!tagMatches(s, 'TagC'));
  assert.ok(!tagMatches(s, undefined));
});

test('an expression of only separators is rejected', () => {
  assert.throws(() => buildSubscriptionData('T', '||'), RangeError);
});

test('a pull body with a corrupt record yields the messages before it, without throwing', async () => {
  const { encodeRecord } = await import('../message/message-record.js');
  const { encodeSocketAddress } = await import('../message/socket-address.js');
  const { decodePulledMessages } = await import('./pulled-messages.js');
  const rec = (i: number) =>
    encodeRecord({
      topic: 'T', queueId: 0, flag: 0, queueOffset: i, physicalOffset: i * 100, sysFlag: 0, bornTimestamp: 1, bornHost: encodeSocketAddress('127.0.0.1', 1),
      storeTimestamp: 2, storeHost: encodeSocketAddress('127.0.0.1', 2), reconsumeTimes: 0, preparedTransactionOffset: 0, body: Buffer.from(`m${i}`), properties: '',
    });
  const bad = rec(2);
  bad.writeInt32BE(0x12345678, 4);
  const msgs = decodePulledMessages(Buffer.concat([rec(0), rec(1), bad, rec(3)]), 'b', 0, 4);
  assert.deepEqual(msgs.map((m) => m.body.toString()), ['m0', 'm1']);
});
