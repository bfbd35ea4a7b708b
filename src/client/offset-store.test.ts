import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../../test/support/paths.js';
import { MessageQueue } from './message-queue.js';
import { LocalFileOffsetStore, ReadOffsetType, RemoteBrokerOffsetStore, type BrokerOffsetApi } from './offset-store.js';

const mq0 = new MessageQueue('T', 'broker-a', 0);
const mq1 = new MessageQueue('T', 'broker-a', 1);

test('local offset store persists and reloads', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new LocalFileOffsetStore('127.0.0.1@x', 'G', dir);
    await s.load();
    assert.equal(await s.readOffset(mq0, ReadOffsetType.MEMORY_FIRST_THEN_STORE), -1);
    s.updateOffset(mq0, 10, false);
    s.updateOffset(mq0, 5, true);
    s.updateOffset(mq1, 3, true);
    assert.equal(await s.readOffset(mq0, ReadOffsetType.READ_FROM_MEMORY), 10);
    await s.persistAll([mq0, mq1]);
    s.updateOffset(mq0, 12, true);
    await s.persistAll([mq0, mq1]);
    const again = new LocalFileOffsetStore('127.0.0.1@x', 'G', dir);
    await again.load();
    assert.equal(await again.readOffset(mq0, ReadOffsetType.READ_FROM_MEMORY), 12);
    assert.equal(await again.readOffset(mq1, ReadOffsetType.READ_FROM_STORE), 3);
    // A corrupt main file falls back to the previous version.
    writeFileSync(again.storePath, '{not json');
    const third = new LocalFileOffsetStore('127.0.0.1@x', 'G', dir);
    await third.load();
    assert.equal(await third.readOffset(mq0, ReadOffsetType.READ_FROM_MEMORY), 10);
  } finally {
    cleanup();
  }
});

test('remote offset store caches, queries and flushes owned queues only', async () => {
  const stored = new Map<string, number>([[mq0.key, 7]]);
  const calls: string[] = [];
  const api: BrokerOffsetApi = {
    async queryConsumerOffset(mq) {
      return stored.get(mq.key) ?? -1;
    },
    async updateConsumerOffset(mq, group, offset, oneway) {
      calls.push(`${mq.queueId}:${group}:${offset}:${oneway}`);
      stored.set(mq.key, offset);
    },
  };
  const s = new RemoteBrokerOffsetStore(api, 'G');
  assert.equal(await s.readOffset(mq0, ReadOffsetType.MEMORY_FIRST_THEN_STORE), 7);
  assert.equal(await s.readOffset(mq1, ReadOffsetType.READ_FROM_STORE), -1);
  s.updateOffset(mq0, 9, true);
  s.updateOffset(mq1, 4, true);
  await s.persistAll([mq0]);
  assert.deepEqual(calls, ['0:G:9:true']);
  s.removeOffset(mq0);
  assert.equal(await s.readOffset(mq0, ReadOffsetType.READ_FROM_MEMORY), -1);
});
