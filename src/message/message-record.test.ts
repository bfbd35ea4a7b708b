import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../test/support/paths.js';
import { decodeRecord, encodeRecord, decodeRecords } from './message-record.js';
import { encodeSocketAddress } from './socket-address.js';
import { decodeProperties, encodeProperties, getEncodedProperty } from './properties.js';
import { createOffsetMessageId, decodeOffsetMessageId } from './message-id.js';
import { decodeBatch, encodeBatch } from './batch.js';

const expected = JSON.parse(readFileSync(fixturePath('store', 'messages.json'), 'utf8'));
const commitLog = readFileSync(fixturePath('store', 'commitlog', '00000000000000000000'));

test('decodes every record written by RocketMQ 4.9.8 and re-encodes it byte for byte', () => {
  for (const m of expected.commitLog.messages) {
    const rec = decodeRecord(commitLog, m.physicalOffset);
    assert.equal(rec.storeSize, m.totalSize);
    assert.equal(rec.bodyCrc, m.bodyCrc);
    assert.equal(rec.queueId, m.queueId);
    assert.equal(rec.queueOffset, m.queueOffset);
    assert.equal(rec.commitLogOffset, m.physicalOffsetField);
    assert.equal(rec.sysFlag, m.sysFlag);
    assert.equal(rec.bornTimestamp, m.bornTimestamp);
    assert.equal(`${rec.bornHost.address}:${rec.bornHost.port}`, m.bornHost);
    assert.equal(rec.storeTimestamp, m.storeTimestamp);
    assert.equal(`${rec.storeHost.address}:${rec.storeHost.port}`, m.storeHost);
    assert.equal(rec.body.toString(), m.body);
    assert.equal(rec.topic, m.topic);
    assert.equal(rec.propertiesString, m.propertiesRaw);
    assert.deepEqual(rec.properties, m.properties);
    assert.equal(rec.offsetMsgId, m.offsetMsgId);

    const again = encodeRecord({
      topic: rec.topic,
      queueId: rec.queueId,
      flag: rec.flag,
      queueOffset: rec.queueOffset,
      physicalOffset: rec.commitLogOffset,
      sysFlag: rec.sysFlag,
      bornTimestamp: rec.bornTimestamp,
      bornHost: encodeSocketAddress(rec.bornHost.address, rec.bornHost.port),
      storeTimestamp: rec.storeTimestamp,
      storeHost: encodeSocketAddress(rec.storeHost.address, rec.storeHost.port),
      reconsumeTimes: rec.reconsumeTimes,
      preparedTransactionOffset: rec.preparedTransactionOffset,
      body: rec.body,
      properties: rec.propertiesString,
    });
    assert.deepEqual(again, commitLog.subarray(m.physicalOffset, m.physicalOffset + m.totalSize));
  }
});

test('IPv6 hosts and long topics round-trip', () => {
  const buf = encodeRecord({
    topic: 'T'.repeat(200),
    queueId: 3,
    flag: 7,
    queueOffset: 2 ** 40 + 5,
    physicalOffset: 2 ** 33,
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    bornHost: encodeSocketAddress('::1', 1234),
    storeTimestamp: 1700000000001,
    storeHost: encodeSocketAddress('fe80::1:2', 10911),
    reconsumeTimes: 2,
    preparedTransactionOffset: -1,
    body: Buffer.from('hello'),
    properties: encodeProperties({ TAGS: 'a', KEYS: 'k1 k2' }),
  });
  const [rec] = decodeRecords(buf);
  assert.equal(rec!.topic, 'T'.repeat(200));
  assert.equal(rec!.queueOffset, 2 ** 40 + 5);
  assert.equal(rec!.preparedTransactionOffset, -1);
  assert.equal(rec!.bornHost.port, 1234);
  assert.equal(rec!.storeHost.address, 'fe80:0:0:0:0:0:1:2');
  assert.equal(rec!.sysFlag & 0x30, 0x30);
  assert.deepEqual(rec!.properties, { TAGS: 'a', KEYS: 'k1 k2' });
});

test('truncated or corrupt records are rejected, never half-decoded', () => {
  const m = expected.commitLog.messages[0];
  const one = commitLog.subarray(0, m.totalSize);
  for (let cut = 0; cut < one.length; cut++) {
    assert.throws(() => decodeRecord(one.subarray(0, cut)));
  }
  const bad = Buffer.from(one);
  bad.writeInt32BE(0x12345678, 4);
  assert.throws(() => decodeRecord(bad), /magic/);
});

test('properties: tolerant decode, single-property lookup', () => {
  assert.deepEqual(decodeProperties('a\u0001b\u0002\u0001x\u0002c\u0001\u0002d\u0001e'), { a: 'b', d: 'e' });
  const s = encodeProperties({ XTAGS: 'no', TAGS: 'yes', KEYS: 'k' });
  assert.equal(getEncodedProperty(s, 'TAGS'), 'yes');
  assert.equal(getEncodedProperty(s, 'KEYS'), 'k');
  assert.equal(getEncodedProperty(s, 'NOPE'), undefined);
});

test('offset message id round-trip', () => {
  const id = createOffsetMessageId(encodeSocketAddress('127.0.0.1', 10911), 890);
  assert.equal(id, '7F00000100002A9F000000000000037A');
  assert.deepEqual(decodeOffsetMessageId(id), { address: '127.0.0.1', port: 10911, physicalOffset: 890 });
});

test('batch body round-trip', () => {
  const entries = [
    { flag: 1, body: Buffer.from('a'), properties: encodeProperties({ TAGS: 'x' }) },
    { flag: 0, body: Buffer.alloc(0), properties: '' },
  ];
  const back = decodeBatch(encodeBatch(entries));
  assert.equal(back.length, 2);
  assert.equal(back[0]!.body.toString(), 'a');
  assert.equal(back[0]!.properties, entries[0]!.properties);
  assert.equal(back[1]!.flag, 0);
});
