import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as bytes from './bytes.js';

type Outcome = { ok: unknown; buf: string } | { err: string };

function outcome(buf: Buffer, fn: () => unknown): Outcome {
  try {
    return { ok: fn(), buf: buf.toString('hex') };
  } catch (e) {
    return { err: (e as Error).name };
  }
}

const offset = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(NaN, 1.5, Infinity));

test('bytes: reads and writes agree with the Buffer methods of the same name, range errors included', () => {
  const reads = ['readUInt8', 'readInt16BE', 'readUInt16BE', 'readInt32BE', 'readUInt32BE'] as const;
  const writes = ['writeInt16BE', 'writeUInt16BE', 'writeInt32BE', 'writeUInt32BE'] as const;
  const value = fc.oneof(
    fc.integer({ min: -0x80000000, max: 0xffffffff }),
    fc.integer({ min: -0x8000, max: 0xffff }),
    fc.constantFrom(-0x80000001, 0x100000000, NaN, 2.5, -1.5),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 10 }), fc.constantFrom(...reads), offset, (data, name, at) => {
      const a = Buffer.from(data);
      const b = Buffer.from(data);
      assert.deepEqual(
        outcome(a, () => bytes[name](a, at)),
        outcome(b, () => (b[name] as (o: number) => number)(at)),
      );
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 10 }), fc.constantFrom(...writes), value, offset, (data, name, v, at) => {
      const a = Buffer.from(data);
      const b = Buffer.from(data);
      assert.deepEqual(
        outcome(a, () => bytes[name](a, v, at)),
        outcome(b, () => (b[name] as (v: number, o: number) => number)(v, at)),
      );
    }),
    { numRuns: 4000 },
  );
});

test('bytes: copyBytes and writeString write what Buffer#copy and Buffer#write do, and refuse what does not fit', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: -1, max: 100 }), (src, size, at) => {
      const a = Buffer.alloc(size);
      const b = Buffer.alloc(size);
      const fits = at >= 0 && at + src.length <= size;
      if (!fits) {
        assert.throws(() => bytes.copyBytes(src, a, at), RangeError);
        return;
      }
      assert.equal(bytes.copyBytes(src, a, at), src.length);
      Buffer.from(src).copy(b, at);
      assert.deepEqual(a, b);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 30 })), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (s, at, slack) => {
      const len = Buffer.byteLength(s);
      assert.equal(bytes.utf8Length(s), len);
      const a = Buffer.alloc(at + len + slack);
      const b = Buffer.alloc(at + len + slack);
      assert.equal(bytes.writeString(a, s, len, at), at + len);
      b.write(s, at, len, 'utf8');
      assert.deepEqual(a, b);
      if (len > 0) assert.throws(() => bytes.writeString(Buffer.alloc(at + len - 1), s, len, at), RangeError);
    }),
    { numRuns: 2000 },
  );
});
