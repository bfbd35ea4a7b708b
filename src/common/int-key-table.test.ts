import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IntKeyTable } from './int-key-table.js';

test('IntKeyTable behaves as a Map under random set/delete/get sequences', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('set' as const), key: fc.integer({ min: -50, max: 200 }), v: fc.integer() }),
    fc.record({ k: fc.constant('del' as const), key: fc.integer({ min: -50, max: 200 }) }),
    fc.record({ k: fc.constant('get' as const), key: fc.integer({ min: -50, max: 200 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
      const t = new IntKeyTable<number>(2);
      const m = new Map<number, number>();
      for (const o of ops) {
        if (o.k === 'set') {
          t.set(o.key, o.v);
          m.set(o.key, o.v);
        } else if (o.k === 'del') {
          assert.equal(t.delete(o.key), m.get(o.key));
          m.delete(o.key);
        } else {
          assert.equal(t.get(o.key), m.get(o.key));
          assert.equal(t.has(o.key), m.has(o.key));
        }
        assert.equal(t.size, m.size);
      }
      assert.deepEqual(new Map(t.entries()), m);
      assert.deepEqual(t.values().sort((a, b) => a - b), [...m.values()].sort((a, b) => a - b));
      t.clear();
      assert.equal(t.size, 0);
      for (const k of m.keys()) assert.equal(t.get(k), undefined);
    }),
    { numRuns: 300 },
  );
});

test('IntKeyTable handles sequential opaques across the int32 range', () => {
  const t = new IntKeyTable<string>();
  for (let i = 0x7ffffff0; i < 0x7ffffff0 + 40; i++) t.set(i | 0, `v${i | 0}`);
  for (let i = 0x7ffffff0; i < 0x7ffffff0 + 40; i += 2) assert.equal(t.delete(i | 0), `v${i | 0}`);
  for (let i = 0x7ffffff0; i < 0x7ffffff0 + 40; i++) assert.equal(t.get(i | 0), i % 2 === 0 ? undefined : `v${i | 0}`);
  assert.equal(t.size, 20);
});
