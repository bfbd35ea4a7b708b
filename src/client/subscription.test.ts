import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSubscriptionData, tagMatches } from './subscription.js';

test('star and empty expressions subscribe to everything', () => {
  for (const e of ['*', '', ' * ', undefined]) {
    const s = buildSubscriptionData('T', e, 1);
    assert.equal(s.subString, '*');
    assert.deepEqual(s.tagsSet, []);
    assert.ok(tagMatches(s, undefined));
    assert.ok(tagMatches(s, 'X'));
  }
});

test('tags split on ||, trimmed, with Java hash codes', () => {
  const s = buildSubscriptionData('T', 'TagA || TagB||TagA', 7);
  assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(s.codeSet, [2598919, 2598920]);
  assert.equal(s.subVersion, 7);
  assert.equal(s.expressionType, 'TAG');
  assert.ok(tagMatches(s, 'TagB'));
  assert.ok(!tagMatches(s, 'TagC'));
  assert.ok(!tagMatches(s, undefined));
});

test('an expression of only separators is rejected', () => {
  assert.throws(() => buildSubscriptionData('T', '||'), RangeError);
});
