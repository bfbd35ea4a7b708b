import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/support/paths.js';
import { MinHeap } from './min-heap.js';
import { TimerLog, TYPE_ADD, TYPE_CANCEL, type TimerLogEntry } from './timer-log.js';

const entry = (i: number, type = TYPE_ADD): TimerLogEntry => ({ type, queueOffset: i, deliverMs: 1_700_000_000_000 + i, phyOffset: i * 100, size: 100 + i, writeMs: 1_700_000_000_000, uniqKey: `KEY${i}` });

test('timer log: entries survive reopen, span segments, and a torn tail is cut off', () => {
  const { dir, cleanup } = tempDir('rmq-timerlog-');
  try {
    const log = new TimerLog(dir, 4096, undefined);
    log.load(() => assert.fail('empty log'));
    for (let i = 0; i < 300; i++) log.append(entry(i, i % 10 === 9 ? TYPE_CANCEL : TYPE_ADD));
    log.flush();
    assert.ok(log.segmentCount > 1, 'several 4 KiB segments');
    log.close();
    // A torn write at the end of the last segment.
    const last = readdirSync(dir).sort().pop()!;
    const sizeBefore = statSync(join(dir, last)).size;
    appendFileSync(join(dir, last), Buffer.from([0, 0, 0, 60, 0x54, 0x4c, 1, 4, 9, 9]));
    const got: TimerLogEntry[] = [];
    const log2 = new TimerLog(dir, 4096, undefined);
    log2.load((e) => got.push(e));
    assert.equal(got.length, 300);
    assert.deepEqual(got[123], entry(123));
    assert.equal(got[9]!.type, TYPE_CANCEL);
    assert.equal(statSync(join(dir, last)).size, sizeBefore, 'torn bytes truncated');
    // Appends continue after the recovered end.
    log2.append(entry(300));
    log2.close();
    const again: TimerLogEntry[] = [];
    const log3 = new TimerLog(dir, 4096, undefined);
    log3.load((e) => again.push(e));
    assert.equal(again.length, 301);
    assert.equal(again[300]!.uniqKey, 'KEY300');
    // Segments whose ADDs were all delivered go; the last one stays.
    const n = log3.deleteDelivered(log3.endOffset, Number.MAX_SAFE_INTEGER);
    assert.ok(n >= 1);
    assert.equal(log3.segmentCount, 1);
    log3.close();
  } finally {
    cleanup();
  }
});

test('timer log: a corrupt entry in the middle truncates the log there', () => {
  const { dir, cleanup } = tempDir('rmq-timerlog-');
  try {
    const log = new TimerLog(dir, 1 << 20, undefined);
    log.load(() => undefined);
    for (let i = 0; i < 10; i++) log.append(entry(i));
    log.close();
    const file = join(dir, readdirSync(dir)[0]!);
    const fd = openSync(file, 'r+');
    // Flip a byte inside the 5th entry's payload (its CRC no longer matches).
    const entrySize = 48 + 'KEY0'.length;
    writeSync(fd, Buffer.from([0xff]), 0, 1, entrySize * 4 + 20);
    closeSync(fd);
    const got: TimerLogEntry[] = [];
    const log2 = new TimerLog(dir, 1 << 20, undefined);
    log2.load((e) => got.push(e));
    assert.equal(got.length, 4);
    log2.close();
  } finally {
    cleanup();
  }
});

test('min-heap pops in order (with duplicates) and builds from a list', () => {
  const less = (a: number, b: number) => a < b;
  const xs = Array.from({ length: 500 }, (_, i) => (i * 7919) % 97);
  const h = new MinHeap<number>(less);
  for (const x of xs) h.push(x);
  const out: number[] = [];
  while (h.size) out.push(h.pop()!);
  assert.deepEqual(out, [...xs].sort((a, b) => a - b));
  const h2 = MinHeap.from(xs, less);
  const out2: number[] = [];
  while (h2.size) out2.push(h2.pop()!);
  assert.deepEqual(out2, out);
});
