import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultMessageStore } from './default-message-store.js';
import { DEFAULT_STORE_CONFIG } from './types.js';
import { decodeRecord } from '../message/message-record.js';
import { readInt64BE } from '../message/int64.js';
import { fixturePath, tempDir } from '../../test/support/paths.js';
import { makeMessage } from './testing.js';

interface FixtureMessage {
  physicalOffset: number;
  totalSize: number;
  queueId: number;
  queueOffset: number;
  topic: string;
  body: string;
  propertiesRaw: string;
  storeTimestamp: number;
  offsetMsgId: string;
}

const fx = JSON.parse(readFileSync(fixturePath('store', 'messages.json'), 'utf8')) as {
  commitLog: { messages: FixtureMessage[] };
  consumeQueues: Array<{ topic: string; queueId: number; entries: Array<{ commitLogOffset: number; size: number; tagsCode: string }> }>;
};

/** A copy of the 4.9.8 store (files keep their short sizes; the store extends them sparsely). */
function copyFixture(): { dir: string; cleanup: () => void } {
  const t = tempDir('rmq-fixture-');
  cpSync(fixturePath('store'), t.dir, { recursive: true });
  return t;
}

function checkAll(s: DefaultMessageStore): void {
  for (const q of fx.consumeQueues) {
    assert.equal(s.getMaxOffsetInQueue(q.topic, q.queueId), q.entries.length, `${q.topic}/${q.queueId}`);
    const g = s.getMessage('G', q.topic, q.queueId, 0, 32, 1 << 20);
    assert.equal(g.status, 'FOUND');
    assert.equal(g.messages.length, q.entries.length);
    for (let i = 0; i < q.entries.length; i++) {
      const e = q.entries[i]!;
      const m = decodeRecord(g.messages[i]!);
      const want = fx.commitLog.messages.find((x) => x.physicalOffset === e.commitLogOffset)!;
      assert.equal(m.commitLogOffset, e.commitLogOffset);
      assert.equal(m.storeSize, e.size);
      assert.equal(m.topic, want.topic);
      assert.equal(m.queueOffset, want.queueOffset);
      assert.equal(m.body.toString(), want.body);
      assert.equal(m.propertiesString, want.propertiesRaw);
      assert.equal(m.offsetMsgId, want.offsetMsgId);
    }
  }
}

function cqTagsCodes(dir: string, topic: string, queueId: number): string[] {
  const b = readFileSync(join(dir, 'consumequeue', topic, String(queueId), '00000000000000000000'));
  const out: string[] = [];
  for (let p = 0; p + 20 <= b.length && b.readInt32BE(p + 8) > 0; p += 20) out.push(String(readInt64BE(b, p + 12)));
  return out;
}

test('opens a store written by Apache RocketMQ 4.9.8 and reads its messages through the consume queues', async () => {
  const { dir, cleanup } = copyFixture();
  try {
    const cfg = { ...DEFAULT_STORE_CONFIG, storePathRootDir: dir };
    let s = new DefaultMessageStore(cfg);
    await s.start();
    assert.equal(s.getMaxPhyOffset(), 1158);
    checkAll(s);
    assert.equal(s.getMessageStoreTimeStamp('FxStore', 0, 0), fx.commitLog.messages[0]!.storeTimestamp);
    assert.equal(decodeRecord(s.selectOneMessageByOffset(890)!).body.toString(), 'store message 4 (delay level 1)');
    // keys were indexed on start-up (the fixture has no index files)
    const q = s.queryMessage('FxStore', 'ORDER-2', 10, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(q.messages.length, 1);
    assert.equal(decodeRecord(q.messages[0]!).commitLogOffset, 210);
    const r = await s.putMessage(makeMessage('FxStore', 0, 'appended by rocketmq-ts', { TAGS: 'TagA' }));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.appendResult!.wroteOffset, 1158);
    assert.equal(r.appendResult!.logicsOffset, 2);
    await s.shutdown();
    s = new DefaultMessageStore(cfg);
    await s.start();
    assert.equal(s.getMaxOffsetInQueue('FxStore', 0), 3);
    await s.shutdown();
  } finally {
    cleanup();
  }
});

test('rebuilds the 4.9.8 consume queues byte for byte (tag codes, SCHEDULE_TOPIC_XXXX delivery time) after deleting them', async () => {
  const { dir, cleanup } = copyFixture();
  try {
    rmSync(join(dir, 'consumequeue'), { recursive: true });
    const s = new DefaultMessageStore({ ...DEFAULT_STORE_CONFIG, storePathRootDir: dir });
    await s.start();
    checkAll(s);
    await s.shutdown();
    for (const q of fx.consumeQueues) assert.deepEqual(cqTagsCodes(dir, q.topic, q.queueId), q.entries.map((e) => e.tagsCode));
    assert.ok(!existsSync(join(dir, 'abort')));
  } finally {
    cleanup();
  }
});
