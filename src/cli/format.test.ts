import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, renderKeyValues, renderTable, toJsonLine } from './format.js';
import { parseOverrides } from './servers.js';

test('renderTable pads columns under #headers', () => {
  const t = renderTable({ columns: ['Broker Name', 'QID'], rows: [['broker-a', 0], ['b', 12], ['c', undefined]] });
  assert.equal(t, ['#Broker Name  #QID', 'broker-a      0', 'b             12', 'c'].join('\n'));
});

test('renderKeyValues aligns the colons', () => {
  assert.equal(renderKeyValues({ a: 1, longer: 'x' }), 'a      : 1\nlonger : x');
});

test('toJsonLine is one line, Buffers as text', () => {
  const s = toJsonLine({ b: Buffer.from('hi'), n: 1, nested: { x: [1, 2] } });
  assert.equal(s, '{"b":"hi","n":1,"nested":{"x":[1,2]}}');
});

test('formatTimestamp prints local time with milliseconds, "-" for none', () => {
  assert.equal(formatTimestamp(0), '-');
  assert.match(formatTimestamp(Date.now()), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}$/);
});

test('parseOverrides reads key=value and rejects anything else', () => {
  assert.deepEqual(parseOverrides(['a=1', 'b = x=y']), { a: '1', b: 'x=y' });
  assert.throws(() => parseOverrides(['novalue']), /expected key=value/);
  assert.throws(() => parseOverrides(['=1']), /expected key=value/);
});
