/**
 * The pull decoder builds MessageExt straight from record bytes; it must give what decoding the
 * record and converting it gives (the reference path), for RocketMQ's own records and for generated
 * ones (IPv6 hosts, compressed bodies, odd properties, non-ASCII topics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { fixturePath } from '../../test/support/paths.js';
import { decodeRecord, encodeRecord } from '../message/message-record.js';
import { decodeProperties, decodePropertiesBytes } from '../message/properties.js';
import { encodeSocketAddress } from '../message/socket-address.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { decodePulledMessages, recordToMessageExt } from './pulled-messages.js';

function reference(body: Buffer, brokerName: string, min: number, max: number) {
  const out = [];
  for (let off = 0; off < body.length; ) {
    const r = decodeRecord(body, off);
    off += r.storeSize;
    const m = recordToMessageExt(r, brokerName);
    m.properties[PROPERTY.MIN_OFFSET] = String(min);
    m.properties[PROPERTY.MAX_OFFSET] = String(max);
    out.push(m);
  }
  return out;
}

test('pull decoding matches the reference path on RocketMQ 4.9.8 records', () => {
  const expected = JSON.parse(readFileSync(fixturePath('store', 'messages.json'), 'utf8'));
  const commitLog = readFileSync(fixturePath('store', 'commitlog', '00000000000000000000'));
  const parts = (expected.commitLog.messages as { physicalOffset: number; totalSize: number }[]).map((m) =>
    commitLog.subarray(m.physicalOffset, m.physicalOffset + m.totalSize),
  );
  const body = Buffer.concat(parts);
  assert.deepEqual(decodePulledMessages(body, 'broker-a', 3, 99), reference(body, 'broker-a', 3, 99));
});

test('pull decoding matches the reference path on generated records', () => {
  const seed = Date.now();
  console.log(`fast-check seed ${seed}`);
  const hosts = [encodeSocketAddress('127.0.0.1', 10911), encodeSocketAddress('fe80::7', 10911), encodeSocketAddress('10.0.0.9', 5)];
  const rec = fc.record({
    topic: fc.constantFrom('T', 'TopicTest', 'Tópico', 'Ã©', 'é'),
    born: fc.integer({ min: 0, max: 2 }),
    store: fc.integer({ min: 0, max: 2 }),
    offset: fc.maxSafeNat(),
    props: fc.dictionary(fc.string({ minLength: 0, maxLength: 12 }).filter((s) => !/[\u0001\u0002]/.test(s)), fc.string({ maxLength: 30 }).filter((s) => !/[\u0001\u0002]/.test(s))),
    compressed: fc.boolean(),
    body: fc.uint8Array({ maxLength: 64 }),
  });
  fc.assert(
    fc.property(fc.array(rec, { minLength: 1, maxLength: 6 }), (list) => {
      const body = Buffer.concat(
        list.map((r) => {
          let sysFlag = 0;
          if (hosts[r.born]!.length === 20) sysFlag |= SYS_FLAG.BORNHOST_V6;
          if (hosts[r.store]!.length === 20) sysFlag |= SYS_FLAG.STOREHOST_V6;
          let b = Buffer.from(r.body);
          if (r.compressed) {
            sysFlag |= SYS_FLAG.COMPRESSED | SYS_FLAG.COMPRESSION_ZLIB;
            b = deflateSync(b);
          }
          let props = '';
          for (const [k, v] of Object.entries(r.props)) props += `${k}\u0001${v}\u0002`;
          return encodeRecord({
            topic: r.topic, queueId: 2, flag: 7, queueOffset: 11, physicalOffset: r.offset, sysFlag, bornTimestamp: 5, bornHost: hosts[r.born]!,
            storeTimestamp: 6, storeHost: hosts[r.store]!, reconsumeTimes: 1, preparedTransactionOffset: 0, body: b, properties: props,
          });
        }),
      );
      assert.deepEqual(decodePulledMessages(body, 'b', 0, 10), reference(body, 'b', 0, 10));
    }),
    { seed, numRuns: 300 },
  );
});

test('properties from bytes equal properties from the string (separators anywhere, non-ASCII, empty parts)', () => {
  const seed = Date.now();
  console.log(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', 'UNIQ_KEY', 'é', '\u0001', '\u0002', 'x'.repeat(50), '', 'ü\u0001v'), { maxLength: 20 }), (pieces) => {
      const s = pieces.join('');
      const b = Buffer.from(s, 'utf8');
      assert.deepEqual(decodePropertiesBytes(b, 0, b.length), decodeProperties(s));
      const padded = Buffer.concat([Buffer.from('\u0002zz\u0001q'), b, Buffer.from('k\u0001v\u0002')]);
      assert.deepEqual(decodePropertiesBytes(padded, 5, 5 + b.length), decodeProperties(s));
    }),
    { seed, numRuns: 1000 },
  );
});
