/**
 * The decode caches (topic text, IPv4 text, store-host hex) must give exactly what decoding from
 * scratch gives, whatever order records arrive in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRecord, encodeRecord } from './message-record.js';
import { decodeSocketAddress, encodeSocketAddress } from './socket-address.js';
import { createOffsetMessageId } from './message-id.js';
import { writeInt64BE } from './int64.js';

function slowOffsetMsgId(host: Buffer, offset: number): string {
  const b = Buffer.allocUnsafe(host.length + 8);
  host.copy(b, 0);
  writeInt64BE(b, offset, host.length);
  return b.toString('hex').toUpperCase();
}

function record(topic: string, host: Buffer, offset: number): Buffer {
  return encodeRecord({
    topic, queueId: 1, flag: 0, queueOffset: 7, physicalOffset: offset, sysFlag: host.length === 8 ? 0 : 0x30, bornTimestamp: 1,
    bornHost: host, storeTimestamp: 2, storeHost: host, reconsumeTimes: 0, preparedTransactionOffset: 0, body: Buffer.from('x'), properties: '',
  });
}

test('offset message ids match the byte-wise encoding (IPv4 and IPv6 hosts, any offset)', () => {
  const seed = Date.now();
  console.log(`fast-check seed ${seed}`);
  const hosts = [encodeSocketAddress('127.0.0.1', 10911), encodeSocketAddress('10.1.2.3', 1), encodeSocketAddress('fe80::1', 10911)];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: hosts.length - 1 }), fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat()), (h, off) => {
      assert.equal(createOffsetMessageId(hosts[h]!, off), slowOffsetMsgId(hosts[h]!, off));
    }),
    { seed, numRuns: 500 },
  );
});

test('topics and hosts decoded in turn are never mixed up (ASCII, non-ASCII, same length)', () => {
  const topics = ['TopicA', 'TopicB', 'Ã©', 'é', 'éé', 'Ã©Ã©', 'T'];
  const hosts = [encodeSocketAddress('127.0.0.1', 1), encodeSocketAddress('127.0.0.2', 1), encodeSocketAddress('2.0.0.127', 2)];
  for (let i = 0; i < 200; i++) {
    const topic = topics[(i * 7) % topics.length]!;
    const host = hosts[(i * 5) % hosts.length]!;
    const r = decodeRecord(record(topic, host, i * 1000));
    assert.equal(r.topic, topic);
    const want = decodeSocketAddress(Buffer.from(host), 0, false);
    assert.deepEqual(r.storeHost, want);
    assert.equal(`${r.storeHost.address}`, `${host[0]}.${host[1]}.${host[2]}.${host[3]}`);
    assert.equal(r.offsetMsgId, slowOffsetMsgId(host, i * 1000));
  }
});
