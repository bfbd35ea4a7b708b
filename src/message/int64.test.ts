import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readInt64BE, writeInt64BE } from './int64.js';

test('int64 write/read agree with BigInt64 for every safe integer, at any offset', () => {
  const seed = Date.now();
  console.log(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), fc.integer({ min: 0, max: 8 }), (v, at) => {
      const ours = Buffer.alloc(16);
      const ref = Buffer.alloc(16);
      writeInt64BE(ours, v, at);
      ref.writeBigInt64BE(BigInt(v), at);
      assert.deepEqual(ours, ref);
      assert.equal(readInt64BE(ref, at), v);
    }),
    { seed, numRuns: 2000 },
  );
});

test('int64 outside the buffer is a RangeError, not a silent partial write', () => {
  assert.throws(() => writeInt64BE(Buffer.alloc(8), 1, 1), RangeError);
  assert.throws(() => readInt64BE(Buffer.alloc(8), 1), RangeError);
  assert.throws(() => readInt64BE(Buffer.alloc(8), -1), RangeError);
});
