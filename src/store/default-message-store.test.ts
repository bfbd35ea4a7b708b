import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultMessageStore } from './default-message-store.js';
import { FaultFileIO } from './fault-file-io.js';
import { makeMessage, testConfig } from './testing.js';
import { decodeRecord } from '../message/message-record.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { tempDir } from '../../test/support/paths.js';
import type { MessageStoreConfig } from './types.js';

async function withStore<T>(over: Partial<MessageStoreConfig>, fn: (s: DefaultMessageStore, dir: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir('rmq-store-');
  const s = new DefaultMessageStore(testConfig(dir, over));
  await s.start();
  try {
    return await fn(s, dir);
  } finally {
    await s.shutdown();
    cleanup();
  }
}

test('round-trip of every record field', async () => {
  await withStore({}, async (s) => {
    const body = Buffer.from('hello world');
    const msg = makeMessage('TopicA', 3, body, { TAGS: 'TagA', KEYS: 'k1 k2', UNIQ_KEY: 'U1', color: 'red' }, {
      flag: 7, sysFlag: 0, bornTimestamp: 1_700_000_000_123, reconsumeTimes: 2, preparedTransactionOffset: 0,
    });
    const r = await s.putMessage(msg);
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.appendResult!.wroteOffset, 0);
    assert.equal(r.appendResult!.logicsOffset, 0);
    const g = s.getMessage('G', 'TopicA', 3, 0, 32, 1 << 20);
    assert.equal(g.status, 'FOUND');
    assert.equal(g.messages.length, 1);
    const m = decodeRecord(g.messages[0]!);
    assert.equal(m.topic, 'TopicA');
    assert.equal(m.queueId, 3);
    assert.equal(m.flag, 7);
    assert.equal(m.queueOffset, 0);
    assert.equal(m.commitLogOffset, 0);
    assert.equal(m.bornTimestamp, 1_700_000_000_123);
    assert.equal(m.reconsumeTimes, 2);
    assert.equal(m.body.toString(), 'hello world');
    assert.equal(m.properties.TAGS, 'TagA');
    assert.equal(m.properties.color, 'red');
    assert.equal(m.storeHost.port, 10911);
    assert.equal(m.bornHost.port, 50418);
    assert.equal(m.offsetMsgId, r.appendResult!.msgId);
    assert.ok(Math.abs(m.storeTimestamp - Date.now()) < 10_000);
    assert.deepEqual(s.selectOneMessageByOffset(0), g.messages[0]);
    // IPv6 hosts set the sysFlag bits
    const v6 = Buffer.alloc(20, 1);
    const r6 = await s.putMessage(makeMessage('TopicA', 3, 'v6', {}, { bornHost: v6, storeHost: v6 }));
    assert.equal(r6.status, 'PUT_OK');
    const m6 = decodeRecord(s.selectOneMessageByOffset(r6.appendResult!.wroteOffset)!);
    assert.equal(m6.sysFlag & 0x30, 0x30);
    assert.equal(s.getMessageStoreTimeStamp('TopicA', 3, 1), m6.storeTimestamp);
  });
});

test('batch append, queue offsets, getMessage limits, filter and statuses', async () => {
  await withStore({}, async (s) => {
    const batch = Array.from({ length: 10 }, (_, i) => makeMessage('T', 0, `m${i}`, { TAGS: i % 2 ? 'odd' : 'even' }));
    const r = await s.putMessages(batch);
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.appendResult!.msgNum, 10);
    assert.equal(r.appendResult!.msgId.split(',').length, 10);
    const single = await Promise.all([s.putMessage(makeMessage('T', 0, 'x')), s.putMessage(makeMessage('T', 1, 'y'))]);
    assert.equal(single[0].appendResult!.logicsOffset, 10);
    assert.equal(single[1].appendResult!.logicsOffset, 0);
    assert.equal(s.getMaxOffsetInQueue('T', 0), 11);
    assert.equal(s.getMinOffsetInQueue('T', 0), 0);
    let g = s.getMessage('G', 'T', 0, 0, 4, 1 << 20);
    assert.equal(g.status, 'FOUND');
    assert.deepEqual(g.queueOffsets, [0, 1, 2, 3]);
    assert.equal(g.nextBeginOffset, 4);
    const oneSize = g.messages[0]!.length;
    g = s.getMessage('G', 'T', 0, 0, 32, oneSize * 2 + 1);
    assert.equal(g.messages.length, 2);
    const odd = javaStringHashCode('odd');
    g = s.getMessage('G', 'T', 0, 0, 32, 1 << 20, { isMatchedByConsumeQueue: (c) => c === odd });
    assert.deepEqual(g.queueOffsets, [1, 3, 5, 7, 9]);
    assert.equal(g.nextBeginOffset, 11);
    g = s.getMessage('G', 'T', 0, 0, 32, 1 << 20, { isMatchedByConsumeQueue: () => false });
    assert.equal(g.status, 'NO_MATCHED_MESSAGE');
    assert.equal(g.nextBeginOffset, 11);
    assert.equal(s.getMessage('G', 'T', 0, 11, 32, 1 << 20).status, 'OFFSET_OVERFLOW_ONE');
    assert.equal(s.getMessage('G', 'T', 0, 50, 32, 1 << 20).status, 'OFFSET_OVERFLOW_BADLY');
    assert.equal(s.getMessage('G', 'T', 5, 0, 32, 1 << 20).status, 'NO_MESSAGE_IN_QUEUE');
    assert.equal(s.getMessage('G', 'Nope', 0, 0, 32, 1 << 20).status, 'NO_MESSAGE_IN_QUEUE');
    assert.equal(s.getCommitLogOffsetInQueue('T', 0, 0), 0);
    assert.equal(s.getCommitLogOffsetInQueue('T', 0, 99), -1);
    const qs = s.listQueues().sort((a, b) => a.queueId - b.queueId);
    assert.deepEqual(qs, [{ topic: 'T', queueId: 0, minOffset: 0, maxOffset: 11 }, { topic: 'T', queueId: 1, minOffset: 0, maxOffset: 1 }]);
  });
});

test('validation: body size, properties size, topic length', async () => {
  await withStore({ maxMessageSize: 1024 }, async (s) => {
    const big = await s.putMessage(makeMessage('T', 0, Buffer.alloc(1025)));
    assert.equal(big.status, 'MESSAGE_ILLEGAL');
    assert.match(big.remark!, /maxMessageSize 1024/);
    const props = await s.putMessage(makeMessage('T', 0, 'x', { big: 'v'.repeat(40000) }));
    assert.equal(props.status, 'PROPERTIES_SIZE_EXCEEDED');
    const topic = await s.putMessage(makeMessage('T'.repeat(200), 0, 'x'));
    assert.equal(topic.status, 'MESSAGE_ILLEGAL');
    assert.equal(s.getMaxPhyOffset(), 0);
    assert.equal((await s.putMessage(makeMessage('T', 0, Buffer.alloc(1024)))).status, 'PUT_OK');
  });
});

test('segment roll-over writes a blank marker and never splits a record', async () => {
  const { dir, cleanup } = tempDir('rmq-store-');
  try {
    const cfg = testConfig(dir, { mappedFileSizeCommitLog: 4096 });
    let s = new DefaultMessageStore(cfg);
    await s.start();
    const offsets: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await s.putMessage(makeMessage('Roll', i % 2, Buffer.alloc(300, i)));
      assert.equal(r.status, 'PUT_OK');
      const off = r.appendResult!.wroteOffset;
      assert.equal(Math.floor(off / 4096), Math.floor((off + r.appendResult!.wroteBytes - 1) / 4096), 'record spans segments');
      offsets.push(off);
    }
    const files = readdirSync(join(dir, 'commitlog')).sort();
    assert.ok(files.length >= 5);
    assert.equal(files[1], '00000000000000004096');
    for (const f of files) assert.equal(statSync(join(dir, 'commitlog', f)).size, 4096);
    await s.shutdown();
    s = new DefaultMessageStore(cfg);
    await s.start();
    for (let q = 0; q < 2; q++) {
      let off = 0;
      let n = 0;
      for (;;) {
        const g = s.getMessage('G', 'Roll', q, off, 32, 1 << 20);
        if (g.status !== 'FOUND') break;
        for (const m of g.messages) {
          const d = decodeRecord(m);
          assert.equal(d.body[0], (n * 2 + q) & 0xff);
          n++;
        }
        off = g.nextBeginOffset;
      }
      assert.equal(n, 30);
    }
    assert.equal(s.getMaxPhyOffset() > offsets.at(-1)!, true);
    await s.shutdown();
  } finally {
    cleanup();
  }
});

test('ASYNC and SYNC flush: restart keeps everything; SYNC resolves after fdatasync', async () => {
  for (const flushDiskType of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
    const io = new FaultFileIO();
    const cfg = testConfig('/store', { flushDiskType });
    let s = new DefaultMessageStore(cfg, { fileIO: io });
    await s.start();
    const syncsBefore = io.counters.fdatasync;
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => s.putMessage(makeMessage('F', i % 4, `b${i}`, { KEYS: `key${i}` }))));
    assert.ok(rs.every((r) => r.status === 'PUT_OK'));
    if (flushDiskType === 'SYNC_FLUSH') {
      assert.ok(io.counters.fdatasync > syncsBefore);
      assert.ok(io.counters.fdatasync - syncsBefore < 10, 'group commit shares fdatasyncs');
      assert.equal(s.commitLog.flushed, s.commitLog.committed);
    }
    await s.shutdown();
    assert.equal(io.stat('/store/abort'), null);
    s = new DefaultMessageStore(cfg, { fileIO: io });
    await s.start();
    let total = 0;
    for (let q = 0; q < 4; q++) total += s.getMaxOffsetInQueue('F', q);
    assert.equal(total, 50);
    const q = s.queryMessage('F', 'key7', 10, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(q.messages.length, 1);
    assert.equal(decodeRecord(q.messages[0]!).body.toString(), 'b7');
    const r = await s.putMessage(makeMessage('F', 0, 'after'));
    assert.equal(r.appendResult!.logicsOffset, 13);
    await s.shutdown();
  }
});

test('lock file: a second store on one directory is refused', async () => {
  await withStore({}, async (_s, dir) => {
    const other = new DefaultMessageStore(testConfig(dir));
    await assert.rejects(other.start(), /already open|locked/);
    assert.ok(existsSync(join(dir, 'lock')));
  });
});

test('listener is called after the entry is visible; time lookup', async () => {
  let t = 1_000_000;
  const { dir, cleanup } = tempDir('rmq-store-');
  const s = new DefaultMessageStore(testConfig(dir), { now: () => t });
  await s.start();
  try {
    const seen: Array<[string, number, number]> = [];
    s.setMessageArrivingListener((topic, queueId, logicOffset) => {
      assert.equal(s.getMaxOffsetInQueue(topic, queueId), logicOffset + 1);
      seen.push([topic, queueId, logicOffset]);
    });
    for (let i = 0; i < 10; i++) {
      t = 1_000_000 + i * 1000;
      await s.putMessage(makeMessage('Time', 0, `t${i}`));
    }
    assert.equal(seen.length, 10);
    assert.equal(s.getOffsetInQueueByTime('Time', 0, 0), 0);
    assert.equal(s.getOffsetInQueueByTime('Time', 0, 1_004_500), 5);
    assert.equal(s.getOffsetInQueueByTime('Time', 0, 1_005_000), 5);
    assert.equal(s.getOffsetInQueueByTime('Time', 0, 9_999_999), 10);
    assert.equal(s.getEarliestMessageTime('Time', 0), 1_000_000);
  } finally {
    await s.shutdown();
    cleanup();
  }
});

test('replication: raw commit-log bytes copied in arbitrary chunks rebuild the same queues on a slave', async () => {
  const master = new DefaultMessageStore(testConfig('/master', { mappedFileSizeCommitLog: 4096 }), { fileIO: new FaultFileIO() });
  const slave = new DefaultMessageStore(testConfig('/slave', { mappedFileSizeCommitLog: 4096, brokerRole: 'SLAVE' }), { fileIO: new FaultFileIO() });
  await master.start();
  await slave.start();
  try {
    const refused = await slave.putMessage(makeMessage('Rep', 0, 'direct'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    await Promise.all(Array.from({ length: 90 }, (_, i) => master.putMessage(makeMessage('Rep', i % 3, `r${i}`.repeat(i % 20 + 1), { KEYS: `rk${i}` }))));
    let chunk = 1;
    while (slave.getMaxPhyOffset() < master.getMaxPhyOffset()) {
      const data = master.getCommitLogData(slave.getMaxPhyOffset(), (chunk = (chunk * 7 + 3) % 700) + 1);
      assert.ok(data);
      assert.equal(await slave.appendToCommitLog(slave.getMaxPhyOffset(), data), true);
    }
    assert.equal(await slave.appendToCommitLog(12345, Buffer.alloc(10)), false, 'wrong start offset refused');
    for (let q = 0; q < 3; q++) {
      assert.equal(slave.getMaxOffsetInQueue('Rep', q), master.getMaxOffsetInQueue('Rep', q));
      assert.deepEqual(slave.getMessage('G', 'Rep', q, 0, 32, 1 << 20).messages, master.getMessage('G', 'Rep', q, 0, 32, 1 << 20).messages);
    }
    assert.equal(slave.queryMessage('Rep', 'rk77', 4, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  } finally {
    await master.shutdown();
    await slave.shutdown();
  }
});

test('deleteTopics drops the consume queues and their files', async () => {
  const io = new FaultFileIO();
  const s = new DefaultMessageStore(testConfig('/del'), { fileIO: io });
  await s.start();
  try {
    await s.putMessage(makeMessage('Gone', 0, 'a'));
    await s.putMessage(makeMessage('Kept', 0, 'b'));
    s.deleteTopics(['Gone']);
    assert.equal(s.getMaxOffsetInQueue('Gone', 0), 0);
    assert.equal(io.readdir('/del/consumequeue').includes('Gone'), false);
    assert.deepEqual(s.listQueues().map((q) => q.topic), ['Kept']);
    const r = await s.putMessage(makeMessage('Gone', 0, 'again'));
    assert.equal(r.appendResult!.logicsOffset, 0);
  } finally {
    await s.shutdown();
  }
});

test('checkpoint timestamps advance under continuous load (crash recovery starts near the end)', async () => {
  const io = new FaultFileIO();
  const s = new DefaultMessageStore(testConfig('/ck', { flushDiskType: 'SYNC_FLUSH', flushIntervalConsumeQueue: 10 }), { fileIO: io });
  await s.start();
  let stop = false;
  const workers = Array.from({ length: 8 }, async (_, w) => {
    while (!stop) await s.putMessage(makeMessage('Ck', w % 2, 'load'));
  });
  await new Promise((r) => setTimeout(r, 200));
  const ck = io.fileContent('/ck/checkpoint')!;
  stop = true;
  await Promise.all(workers);
  const physic = ck.readUInt32BE(4) + ck.readInt32BE(0) * 2 ** 32;
  const logics = ck.readUInt32BE(12) + ck.readInt32BE(8) * 2 ** 32;
  assert.ok(physic > Date.now() - 10_000, `physicMsgTimestamp ${physic}`);
  assert.ok(logics > Date.now() - 10_000, `logicsMsgTimestamp ${logics}`);
  await s.shutdown();
});

test('index key hash without string building equals the Java hash of topic#key', async () => {
  const { indexKeyHash, indexKeyHashOf } = await import('./index-file.js');
  for (const [t, k] of [['T', 'k'], ['FxStore', 'ORDER-1'], ['%RETRY%g', '7F00000111F74E0E2F2A8091974A0000'], ['中文', 'ключ']] as const) {
    assert.equal(indexKeyHashOf(t, k), indexKeyHash(`${t}#${k}`));
    assert.equal(indexKeyHashOf(t, `xx ${k} yy`, 3, 3 + k.length), indexKeyHash(`${t}#${k}`));
  }
});

test('a batch crossing a segment boundary, transactional types and WAIT=false', async () => {
  const io = new FaultFileIO();
  const s = new DefaultMessageStore(testConfig('/mix', { mappedFileSizeCommitLog: 4096, flushDiskType: 'SYNC_FLUSH' }), { fileIO: io });
  await s.start();
  try {
    const batch = Array.from({ length: 30 }, (_, i) => makeMessage('B', 0, Buffer.alloc(300, i)));
    const r = await s.putMessages(batch);
    assert.equal(r.status, 'PUT_OK');
    const ids = r.appendResult!.msgId.split(',');
    assert.equal(ids.length, 30);
    const g = s.getMessage('G', 'B', 0, 0, 32, 1 << 20);
    assert.equal(g.messages.length, 30);
    for (let i = 0; i < 30; i++) {
      const m = decodeRecord(g.messages[i]!);
      assert.equal(m.queueOffset, i);
      assert.equal(m.body[0], i);
      assert.equal(m.offsetMsgId, ids[i]);
      assert.equal(Math.floor(m.commitLogOffset / 4096), Math.floor((m.commitLogOffset + m.storeSize - 1) / 4096));
    }
    // prepared (half) records are stored but get no consume-queue entry; committed ones do
    const half = await s.putMessage(makeMessage('Tx', 0, 'half', {}, { sysFlag: 0x4 }));
    assert.equal(half.status, 'PUT_OK');
    assert.equal(half.appendResult!.logicsOffset, 0);
    assert.equal(s.getMaxOffsetInQueue('Tx', 0), 0);
    assert.ok(s.selectOneMessageByOffset(half.appendResult!.wroteOffset));
    const commit = await s.putMessage(makeMessage('Tx', 0, 'commit', {}, { sysFlag: 0x8, preparedTransactionOffset: half.appendResult!.wroteOffset }));
    assert.equal(commit.appendResult!.logicsOffset, 0);
    assert.equal(s.getMaxOffsetInQueue('Tx', 0), 1);
    // WAIT=false does not wait for the fdatasync even in SYNC_FLUSH
    const syncs = io.counters.fdatasync;
    const nowait = await s.putMessage(makeMessage('B', 1, 'no wait', { WAIT: 'false' }));
    assert.equal(nowait.status, 'PUT_OK');
    assert.equal(io.counters.fdatasync, syncs);
  } finally {
    await s.shutdown();
  }
});

test('a stalled disk: appends beyond maxUnwrittenBytes are refused with OS_PAGE_CACHE_BUSY, memory stays bounded', async () => {
  const io = new FaultFileIO();
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  const orig = io.pwrite.bind(io);
  io.pwrite = (fd, buf, off, len, pos) => gate.then(() => orig(fd, buf, off, len, pos));
  // background writes (transient store pool): inline writes cannot fall behind the appends
  const s = new DefaultMessageStore(testConfig('/stall', { transientStorePoolEnable: true }), { fileIO: io, maxUnwrittenBytes: 64 * 1024 });
  await s.start();
  const ps = Array.from({ length: 2000 }, () => s.putMessage(makeMessage('S', 0, Buffer.alloc(100))));
  release!();
  const rs = await Promise.all(ps);
  const busy = rs.filter((r) => r.status === 'OS_PAGE_CACHE_BUSY');
  const ok = rs.filter((r) => r.status === 'PUT_OK');
  assert.ok(busy.length > 0 && ok.length > 0);
  assert.match(busy[0]!.remark!, /busy/);
  assert.equal(s.getMaxOffsetInQueue('S', 0), ok.length);
  assert.equal((await s.putMessage(makeMessage('S', 0, 'later'))).status, 'PUT_OK');
  await s.shutdown();
});

for (const transientStorePoolEnable of [false, true]) test(`reads served from the in-memory tail match what a restarted store reads from the files (${transientStorePoolEnable ? 'background' : 'inline'} writes)`, async () => {
  const { dir, cleanup } = tempDir('rmq-store-cache-');
  try {
    // 1 MiB segments: records cross segment ends (blank markers) and the 4 MiB cache blocks roll over
    const cfg = testConfig(dir, { mappedFileSizeCommitLog: 1 << 20, transientStorePoolEnable });
    const s = new DefaultMessageStore(cfg);
    await s.start();
    const total = 7000;
    const puts: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const body = Buffer.alloc(300 + (i % 900), i & 0xff);
      body.writeUInt32BE(i, 0);
      puts.push(s.putMessage(makeMessage('CacheT', i % 3, body, { KEYS: `k${i}` })));
      if (i % 500 === 499) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    const readAll = (st: DefaultMessageStore): Buffer[] => {
      const out: Buffer[] = [];
      for (let q = 0; q < 3; q++) {
        let off = 0;
        for (;;) {
          const g = st.getMessage('G', 'CacheT', q, off, 32, 1 << 20);
          if (g.status !== 'FOUND') break;
          out.push(...g.messages.map((m) => Buffer.from(m)));
          off = g.nextBeginOffset;
        }
      }
      return out;
    };
    const hot = readAll(s);
    assert.equal(hot.length, total);
    await s.shutdown();
    const s2 = new DefaultMessageStore(cfg);
    await s2.start();
    try {
      const cold = readAll(s2);
      assert.equal(cold.length, total);
      for (let i = 0; i < total; i++) assert.ok(hot[i]!.equals(cold[i]!), `record ${i} differs`);
      const seen = new Set(cold.map((r) => decodeRecord(r).body.readUInt32BE(0)));
      assert.equal(seen.size, total);
    } finally {
      await s2.shutdown();
    }
  } finally {
    cleanup();
  }
});

test('putMessageCb: answered through the callback as putMessage would be; a refusal at once; a throwing callback stops no other answer', async () => {
  for (const flushDiskType of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
    await withStore({ flushDiskType, maxMessageSize: 1024 }, async (s) => {
      // a refusal is answered before putMessageCb returns
      let refusal: string | undefined;
      s.putMessageCb(makeMessage('CbTopic', 0, Buffer.alloc(2048)), (r) => (refusal = r.status));
      assert.equal(refusal, 'MESSAGE_ILLEGAL');
      const results = await new Promise<string[]>((resolve) => {
        const got: string[] = [];
        for (let i = 0; i < 50; i++) {
          s.putMessageCb(makeMessage('CbTopic', 0, `m${i}`), (r) => {
            got.push(`${r.status}@${r.appendResult!.logicsOffset}`);
            if (got.length === 50) resolve(got);
            if (i === 3) throw new Error('callback fails'); // logged; the other answers still come
          });
        }
      });
      assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => `PUT_OK@${i}`));
      const viaPromise = await s.putMessage(makeMessage('CbTopic', 0, 'last'));
      assert.equal(viaPromise.appendResult!.logicsOffset, 50);
      assert.equal(decodeRecord(s.selectOneMessageByOffset(viaPromise.appendResult!.wroteOffset)!).body.toString(), 'last');
    });
  }
});
