import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProcessQueue } from './process-queue.js';
import { MessageExt } from './message.js';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
console.log(`fast-check seed ${seed}`);

function msg(offset: number): MessageExt {
  const m = new MessageExt('T', Buffer.alloc(3));
  m.queueOffset = offset;
  return m;
}

test('the commit offset never passes an unconsumed message and reaches max+1 when all are consumed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 60 }),
      fc.infiniteStream(fc.nat()),
      (start, gaps, picks) => {
        const pq = new ProcessQueue();
        const offsets: number[] = [];
        let o = start;
        for (const g of gaps) offsets.push((o += g));
        // Put in pulls of up to 7 messages.
        for (let i = 0; i < offsets.length; i += 7) pq.putMessage(offsets.slice(i, i + 7).map(msg));
        assert.equal(pq.msgCount, offsets.length);
        const remaining = new Set(offsets);
        const it = picks[Symbol.iterator]();
        while (remaining.size > 0) {
          const arr = [...remaining];
          const k = arr[it.next().value % arr.length]!;
          remaining.delete(k);
          const commit = pq.removeMessage([msg(k)]);
          if (remaining.size > 0) assert.equal(commit, Math.min(...remaining));
          else assert.equal(commit, offsets[offsets.length - 1]! + 1);
        }
        assert.equal(pq.msgCount, 0);
        assert.equal(pq.msgSize, 0);
        assert.equal(pq.removeMessage([msg(1)]), -1);
      },
    ),
    { seed },
  );
});

test('out-of-order puts (after an offset reset) keep the smallest offset first', () => {
  const pq = new ProcessQueue();
  pq.putMessage([10, 11].map(msg));
  pq.putMessage([3, 4].map(msg));
  assert.equal(pq.firstOffset(), 3);
  assert.equal(pq.removeMessage([msg(3)]), 4);
  pq.putMessage([11].map(msg));
  assert.equal(pq.msgCount, 3);
});
