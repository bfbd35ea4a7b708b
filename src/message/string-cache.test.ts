import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { internedName, utf8Text } from './string-cache.js';

test('string cache: interned names and short texts decode as Buffer#toString, however their bytes collide', () => {
  // names that share their first and last bytes (same cache slot), ASCII or not, and arbitrary bytes
  const name = fc.oneof(
    fc.tuple(fc.constantFrom('topic_', 'please_rename_'), fc.string({ minLength: 0, maxLength: 30 }), fc.constantFrom('_suffix', '12345678')).map(([a, b, c]) => Buffer.from(a + b + c)),
    fc.uint8Array({ maxLength: 50 }).map((u) => Buffer.from(u)),
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => Buffer.from(s)),
  );
  fc.assert(
    fc.property(fc.array(name, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 5 }), (names, pad) => {
      for (const n of [...names, ...names]) {
        const buf = Buffer.concat([Buffer.alloc(pad, 0x41), n, Buffer.alloc(pad, 0x42)]);
        assert.equal(internedName(buf, pad, pad + n.length), n.toString('utf8'));
        assert.equal(utf8Text(buf, pad, pad + n.length), n.toString('utf8'));
      }
    }),
    { numRuns: 300 },
  );
});
