import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaArgHashCode, SelectMessageQueueByHash } from './selectors.js';
import { MessageQueue } from './message-queue.js';
import { Message } from './message.js';

test('selector argument hash codes are Java hashCode values', () => {
  assert.equal(javaArgHashCode(42), 42);
  assert.equal(javaArgHashCode(-7), -7);
  assert.equal(javaArgHashCode('order-1'), -1207111310);
  // Long.hashCode: (int)(v ^ (v >>> 32))
  assert.equal(javaArgHashCode(4294967298), 3);
  assert.equal(javaArgHashCode(10000000000n), 1410065410);
  assert.equal(javaArgHashCode(-1n), 0);
});

test('SelectMessageQueueByHash: |hash % n| like Java', () => {
  const mqs = Array.from({ length: 8 }, (_, i) => new MessageQueue('T', 'b', i));
  const s = new SelectMessageQueueByHash();
  assert.equal(s.select(mqs, new Message('T', 'x'), 13).queueId, 5);
  assert.equal(s.select(mqs, new Message('T', 'x'), -13).queueId, 5);
  assert.equal(s.select(mqs, new Message('T', 'x'), 'order-1').queueId, Math.abs(-1207111310 % 8));
});
