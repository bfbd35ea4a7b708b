import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAttributes, parseAttributes, parseBoolArg, parseIntArg, parseTimestampArg, permToString, UsageError } from './args.js';

test('parseAttributes reads +key=value and -key, rejects bad forms', () => {
  const m = parseAttributes('+message.type=FIFO,-old.key');
  assert.deepEqual([...m], [['+message.type', 'FIFO'], ['-old.key', '']]);
  assert.equal(formatAttributes(m), '+message.type=FIFO,-old.key');
  assert.throws(() => parseAttributes('message.type=FIFO'), UsageError);
  assert.throws(() => parseAttributes('+a'), UsageError);
  assert.throws(() => parseAttributes('+a=1,+a=2'), /duplication/);
  assert.equal(parseAttributes(undefined).size, 0);
});

test('parseTimestampArg accepts now, ms and yyyy-MM-dd#HH:mm:ss:SSS', () => {
  assert.equal(parseTimestampArg('-s', 'now', 42), 42);
  assert.equal(parseTimestampArg('-s', '1700000000000'), 1700000000000);
  assert.equal(parseTimestampArg('-s', '2024-02-03#04:05:06:007'), new Date(2024, 1, 3, 4, 5, 6, 7).getTime());
  assert.throws(() => parseTimestampArg('-s', '2024-02-30#04:05:06:007'), UsageError);
  assert.throws(() => parseTimestampArg('-s', 'yesterday'), UsageError);
});

test('int and bool options are strict', () => {
  assert.equal(parseIntArg('-r', '8'), 8);
  assert.equal(parseIntArg('-r', undefined, 4), 4);
  assert.throws(() => parseIntArg('-r', '8x'), /must be an integer/);
  assert.throws(() => parseIntArg('-r', undefined), /required/);
  assert.equal(parseBoolArg('-o', 'TRUE', false), true);
  assert.equal(parseBoolArg('-o', undefined, false), false);
  assert.throws(() => parseBoolArg('-o', 'yes', false), UsageError);
  assert.equal(permToString(6), 'RW-');
  assert.equal(permToString(7), 'RWX');
});
