import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkReader, encodeReport, encodeTransferHeader, readOffset } from './ha-frames.js';

test('frames: report and transfer header layouts (big-endian int64 offset, int32 size)', () => {
  assert.deepEqual([...encodeReport(0x0102030405)], [0, 0, 0, 1, 2, 3, 4, 5]);
  const h = encodeTransferHeader(2 ** 40 + 7, 32768);
  assert.equal(readOffset(h), 2 ** 40 + 7);
  assert.equal(h.readInt32BE(8), 32768);
});

test('ChunkReader: frames split at any chunk boundaries come out whole and in order', () => {
  const seed = Date.now() % 1_000_000;
  console.log(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }), (bodies, cuts) => {
      let off = 0;
      const stream = Buffer.concat(bodies.map((b) => {
        const f = Buffer.concat([encodeTransferHeader(off, b.length), Buffer.from(b)]);
        off += b.length;
        return f;
      }));
      const r = new ChunkReader();
      const out: Buffer[] = [];
      let pos = 0;
      let i = 0;
      while (pos < stream.length) {
        const n = cuts[i++ % cuts.length]!;
        r.push(stream.subarray(pos, pos + n));
        pos += n;
        while (r.available >= 12) {
          const size = r.peek(12).readInt32BE(8);
          if (r.available < 12 + size) break;
          r.take(12);
          out.push(Buffer.from(r.take(size)));
        }
      }
      assert.equal(r.available, 0);
      assert.deepEqual(out.map((b) => b.toString('hex')), bodies.map((b) => Buffer.from(b).toString('hex')));
    }),
    { seed, numRuns: 300 },
  );
});
