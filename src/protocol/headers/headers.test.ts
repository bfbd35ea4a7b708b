import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as headers from './index.js';
import type { FieldSpec, HeaderCodec, HeaderSpec } from '../header.js';

const codecs = Object.entries(headers as Record<string, unknown>).filter(
  (e): e is [string, HeaderCodec<HeaderSpec>] => typeof e[1] === 'object' && e[1] !== null && 'fields' in e[1] && 'decode' in e[1],
);

function arbitraryFor(f: FieldSpec): fc.Arbitrary<unknown> {
  switch (f.type) {
    case 'string':
      return fc.string({ maxLength: 20 });
    case 'int':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'long':
      return fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    case 'boolean':
      return fc.boolean();
  }
}

test('headers: every header class declared', () => {
  assert.ok(codecs.length >= 60, `${codecs.length} header codecs`);
});

test('headers: every header round-trips through extFields strings (fast-check)', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
  console.log(`headers round-trip: fast-check seed ${seed}`);
  for (const [name, codec] of codecs) {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    const requiredKeys: string[] = [];
    for (const [prop, f] of Object.entries(codec.fields)) {
      record[prop] = arbitraryFor(f);
      if (f.required) requiredKeys.push(prop);
    }
    fc.assert(
      fc.property(fc.record(record, { requiredKeys }), (generated) => {
        const h = { ...generated }; // fast-check records have a null prototype
        const ext = codec.encode(h as never);
        for (const v of Object.values(ext)) assert.equal(typeof v, 'string');
        assert.deepEqual(codec.decode(ext), h, name);
        codec.validate(h);
      }),
      { seed, numRuns: 50 },
    );
  }
});

test('headers: a missing required field names the wire key', () => {
  for (const [, codec] of codecs) {
    const req = Object.entries(codec.fields).find(([, f]) => f.required);
    if (req === undefined) continue;
    const key = req[1].key ?? req[0];
    assert.throws(() => codec.decode({}), new RegExp(`^Error: the custom field ${key} is null$|the custom field ${key} is null`));
  }
});
