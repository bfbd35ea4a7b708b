import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AllocateMessageQueueAveragely,
  AllocateMessageQueueAveragelyByCircle,
  AllocateMessageQueueConsistentHash,
  allocateStrategyByName,
  type AllocateMessageQueueStrategy,
} from './allocate.js';
import { MessageQueue, compareMessageQueue } from './message-queue.js';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
console.log(`fast-check seed ${seed}`);

function queues(n: number, brokers = 2): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (let i = 0; i < n; i++) out.push(new MessageQueue('T', `broker-${i % brokers}`, Math.floor(i / brokers)));
  return out.sort(compareMessageQueue);
}
const cids = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i}@${1000 + i}`).sort();

const strategies: AllocateMessageQueueStrategy[] = [
  new AllocateMessageQueueAveragely(),
  new AllocateMessageQueueAveragelyByCircle(),
  new AllocateMessageQueueConsistentHash(),
];

for (const s of strategies) {
  test(`${s.name}: every queue has exactly one owner`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 12 }), (nq, nc) => {
        const mqAll = queues(nq);
        const cidAll = cids(nc);
        const owners = new Map<string, number>();
        for (const c of cidAll) for (const mq of s.allocate('G', c, mqAll, cidAll)) owners.set(mq.key, (owners.get(mq.key) ?? 0) + 1);
        assert.equal(owners.size, nq);
        for (const n of owners.values()) assert.equal(n, 1);
      }),
      { seed },
    );
  });

  test(`${s.name}: a client outside the group gets nothing`, () => {
    assert.deepEqual(s.allocate('G', 'nobody', queues(8), cids(3)), []);
  });
}

test('averagely: balanced contiguous blocks, extra queues to the first members', () => {
  const mqAll = queues(8, 1);
  const cidAll = cids(3);
  const a = new AllocateMessageQueueAveragely();
  assert.deepEqual(a.allocate('G', cidAll[0]!, mqAll, cidAll).map((q) => q.queueId), [0, 1, 2]);
  assert.deepEqual(a.allocate('G', cidAll[1]!, mqAll, cidAll).map((q) => q.queueId), [3, 4, 5]);
  assert.deepEqual(a.allocate('G', cidAll[2]!, mqAll, cidAll).map((q) => q.queueId), [6, 7]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 12 }), (nq, nc) => {
      const sizes = cids(nc).map((c, _i, all) => a.allocate('G', c, queues(nq), all).length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }),
    { seed },
  );
});

test('by circle: member i gets i, i+n, ...', () => {
  const mqAll = queues(8, 1);
  const cidAll = cids(3);
  const a = new AllocateMessageQueueAveragelyByCircle();
  assert.deepEqual(a.allocate('G', cidAll[1]!, mqAll, cidAll).map((q) => q.queueId), [1, 4, 7]);
});

test('consistent hash: a leaving member only moves its own queues', () => {
  const s = new AllocateMessageQueueConsistentHash();
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 2, max: 8 }), fc.nat(), (nq, nc, k) => {
      const mqAll = queues(nq);
      const before = cids(nc);
      const leaving = before[k % nc]!;
      const after = before.filter((c) => c !== leaving);
      for (const c of after) {
        const had = new Set(s.allocate('G', c, mqAll, before).map((q) => q.key));
        const has = new Set(s.allocate('G', c, mqAll, after).map((q) => q.key));
        for (const key of had) assert.ok(has.has(key), `${c} lost ${key}`);
      }
    }),
    { seed },
  );
});

test('strategies by name', () => {
  assert.equal(allocateStrategyByName('AVG').name, 'AVG');
  assert.equal(allocateStrategyByName('AllocateMessageQueueConsistentHash').name, 'CONSISTENT_HASH');
  assert.throws(() => allocateStrategyByName('nope'), RangeError);
});
