import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Histogram } from './histogram.js';

test('exact below 256, empty histogram reads zero', () => {
  const h = new Histogram();
  assert.equal(h.percentile(0.5), 0);
  for (let i = 1; i <= 100; i++) h.record(i);
  assert.equal(h.count, 100);
  assert.equal(h.percentile(0.5), 50);
  assert.equal(h.percentile(0.99), 99);
  assert.equal(h.percentile(1), 100);
  assert.equal(h.max, 100);
  assert.equal(h.min, 1);
});

test('percentiles within 0.4 % of the exact sorted-array answer', () => {
  const seed = Date.now() % 2 ** 31;
  console.log(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 36 }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
      const h = new Histogram();
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
      const got = h.percentile(q);
      assert.ok(got <= exact, `${got} > ${exact}`);
      assert.ok(got >= exact * (1 - 1 / 256) - 1, `${got} too small for ${exact}`);
    }),
    { seed, numRuns: 300 },
  );
});

test('merge adds counts', () => {
  const a = new Histogram();
  const b = new Histogram();
  a.record(10);
  b.record(1000);
  b.record(3000);
  a.merge(b);
  assert.equal(a.count, 3);
  assert.equal(a.max, 3000);
  assert.equal(a.percentile(0.34), 1000);
});
