import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMessageStore } from './default-message-store.js';
import { FaultFileIO } from './fault-file-io.js';
import { makeMessage, testConfig } from './testing.js';
import { decodeRecord } from '../message/message-record.js';
import type { MessageStoreConfig, PutMessageResult } from './types.js';

const HOUR = 3_600_000;

async function open(io: FaultFileIO, cfg: MessageStoreConfig, now: () => number): Promise<DefaultMessageStore> {
  const s = new DefaultMessageStore(cfg, { fileIO: io, now });
  await s.start();
  return s;
}

test('retention: expired segments deleted (never the active one), consume queues and index trimmed, reads below min say offset moved', async () => {
  let clock = new Date(2026, 0, 1, 10, 0, 0).getTime();
  const io = new FaultFileIO();
  io.now = () => clock;
  const cfg = testConfig('/ret', { mappedFileSizeCommitLog: 4096, mappedFileSizeConsumeQueue: 20 * 50, maxIndexNum: 300, deleteWhen: '04', fileReservedTime: 72 });
  const s = await open(io, cfg, () => clock);
  try {
    for (let i = 0; i < 400; i++) {
      const r = await s.putMessage(makeMessage('Ret', i % 2, `retained ${i} ${'z'.repeat(40)}`, { KEYS: `key${i}` }));
      assert.equal(r.status, 'PUT_OK');
    }
    const segsBefore = io.readdir('/ret/commitlog').length;
    const indexBefore = io.readdir('/ret/index').length;
    assert.ok(segsBefore > 12, `segments ${segsBefore}`);
    assert.ok(indexBefore >= 2);
    // not yet at the deletion hour, not expired
    assert.equal(s.cleanExpiredFiles(false), 0);
    clock += 73 * HOUR; // 11:00 three days later: expired, but not the deletion hour
    assert.equal(s.cleanExpiredFiles(false), 0);
    clock = new Date(2026, 0, 5, 4, 0, 0).getTime(); // 04:00
    let deleted = 0;
    for (let run = 0; run < 10; run++) deleted += s.cleanExpiredFiles(false);
    assert.equal(deleted, segsBefore - 1, 'all but the active segment');
    assert.equal(io.readdir('/ret/commitlog').length, 1);
    const minPhy = s.getMinPhyOffset();
    assert.equal(minPhy, Number(io.readdir('/ret/commitlog')[0]));
    for (const q of [0, 1]) {
      const min = s.getMinOffsetInQueue('Ret', q);
      assert.ok(min > 0 && min < 200);
      const g = s.getMessage('G', 'Ret', q, 0, 32, 1 << 20);
      assert.equal(g.status, 'OFFSET_TOO_SMALL');
      assert.equal(g.nextBeginOffset, min);
      const g2 = s.getMessage('G', 'Ret', q, min, 32, 1 << 20);
      assert.equal(g2.status, 'FOUND');
      assert.ok(decodeRecord(g2.messages[0]!).commitLogOffset >= minPhy);
      assert.ok(io.readdir(`/ret/consumequeue/Ret/${q}`).length < 4);
    }
    assert.ok(io.readdir('/ret/index').length < indexBefore);
    assert.equal(s.queryMessage('Ret', 'key1', 5, 0, Number.MAX_SAFE_INTEGER).messages.length, 0);
    assert.equal(s.queryMessage('Ret', 'key399', 5, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
    const r = await s.putMessage(makeMessage('Ret', 0, 'after retention'));
    assert.equal(r.appendResult!.logicsOffset, 200);
  } finally {
    await s.shutdown();
  }
});

test('retention: disk usage above diskMaxUsedSpaceRatio deletes the oldest segments regardless of age', async () => {
  const clock = new Date(2026, 0, 1, 10, 0, 0).getTime();
  const io = new FaultFileIO();
  io.capacityBytes = 100_000;
  const cfg = testConfig('/full', { mappedFileSizeCommitLog: 4096, diskMaxUsedSpaceRatio: 50 });
  const s = await open(io, cfg, () => clock);
  try {
    for (let i = 0; i < 400; i++) await s.putMessage(makeMessage('Full', 0, Buffer.alloc(100, i)));
    const used = 1 - io.statfs()!.freeBytes / io.statfs()!.totalBytes;
    assert.ok(used > 0.5, `used ${used}`);
    const before = s.getMinPhyOffset();
    assert.ok(s.cleanExpiredFiles(false) > 0);
    assert.ok(s.getMinPhyOffset() > before);
    assert.equal(s.getMessage('G', 'Full', 0, 0, 32, 1 << 20).status, 'OFFSET_TOO_SMALL');
  } finally {
    await s.shutdown();
  }
});

test('ENOSPC: appends refused with a clear status, nothing acknowledged is wrong, reads go on, writing resumes when space returns', async () => {
  const io = new FaultFileIO();
  const cfg = testConfig('/nospc', { mappedFileSizeCommitLog: 8192 });
  const s = await open(io, cfg, Date.now);
  const acked: Buffer[] = [];
  const refused: PutMessageResult[] = [];
  let n = 0;
  const put = async (count: number) => {
    const rs = await Promise.all(Array.from({ length: count }, () => {
      const i = n++;
      return s.putMessage(makeMessage('Nospc', 0, `m${i}-${'p'.repeat(60)}`)).then((r) => ({ r, i }));
    }));
    for (const { r } of rs) {
      if (r.status === 'PUT_OK') acked.push(s.selectOneMessageByOffset(r.appendResult!.wroteOffset)!);
      else refused.push(r);
    }
  };
  await put(50);
  assert.equal(acked.length, 50);
  // leave room for roughly 20 more records
  io.capacityBytes = io.usedBytes() + 20 * 140;
  for (let k = 0; k < 6; k++) await put(10);
  assert.ok(refused.length > 0, 'some appends refused');
  assert.ok(acked.length > 50);
  for (const r of refused) {
    assert.equal(r.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(r.remark!, /ENOSPC/);
  }
  // reads go on and show exactly the acknowledged records, in order, without gaps
  const readAll = (st: DefaultMessageStore) => {
    const out: Buffer[] = [];
    let off = 0;
    for (;;) {
      const g = st.getMessage('G', 'Nospc', 0, off, 32, 1 << 20);
      if (g.status !== 'FOUND') break;
      out.push(...g.messages.map((m) => Buffer.from(m)));
      off = g.nextBeginOffset;
    }
    return out;
  };
  assert.deepEqual(readAll(s), acked);
  // space returns: writing resumes, queue offsets continue densely
  io.capacityBytes = Number.POSITIVE_INFINITY;
  const before = acked.length;
  await put(5);
  assert.equal(acked.length, before + 5);
  assert.equal(decodeRecord(acked.at(-1)!).queueOffset, acked.length - 1);
  assert.deepEqual(readAll(s), acked);
  // after a crash, the refused messages are not there either
  s.halt();
  io.processCrash();
  const s2 = await open(io, cfg, Date.now);
  assert.deepEqual(readAll(s2), acked);
  await s2.shutdown();
});

test('EIO on a commit-log write refuses that batch only; the store keeps running', async () => {
  const io = new FaultFileIO();
  const cfg = testConfig('/eio');
  const s = await open(io, cfg, Date.now);
  try {
    assert.equal((await s.putMessage(makeMessage('E', 0, 'one'))).status, 'PUT_OK');
    let fail = true;
    io.inject = (op, path) => (op === 'pwrite' && path.includes('/commitlog/') && fail ? ((fail = false), 'EIO') : undefined);
    const bad = await s.putMessage(makeMessage('E', 0, 'two'));
    assert.equal(bad.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(bad.remark!, /EIO/);
    const good = await s.putMessage(makeMessage('E', 0, 'three'));
    assert.equal(good.status, 'PUT_OK');
    assert.equal(good.appendResult!.logicsOffset, 1);
    const g = s.getMessage('G', 'E', 0, 0, 32, 1 << 20);
    assert.deepEqual(g.messages.map((m) => decodeRecord(m).body.toString()), ['one', 'three']);
    // a failing fdatasync in SYNC_FLUSH answers FLUSH_DISK_TIMEOUT, never PUT_OK
  } finally {
    await s.shutdown();
  }
  const io2 = new FaultFileIO();
  const s2 = await open(io2, testConfig('/eio2', { flushDiskType: 'SYNC_FLUSH' }), Date.now);
  try {
    io2.inject = (op, path) => (op === 'fdatasync' && path.includes('/commitlog/') ? 'EIO' : undefined);
    const r = await s2.putMessage(makeMessage('E', 0, 'x'));
    assert.equal(r.status, 'FLUSH_DISK_TIMEOUT');
    io2.inject = undefined;
    const r2 = await s2.putMessage(makeMessage('E', 0, 'y'));
    assert.equal(r2.status, 'PUT_OK');
  } finally {
    await s2.shutdown();
  }
});

test('SYNC_FLUSH: FLUSH_DISK_TIMEOUT after syncFlushTimeout when fdatasync hangs; the message is stored', async () => {
  const io = new FaultFileIO();
  let release: (() => void) | undefined;
  const origSync = io.fdatasync.bind(io);
  io.fdatasync = (fd: number) => new Promise<void>((res, rej) => {
    release = () => origSync(fd).then(res, rej);
  });
  const s = await open(io, testConfig('/slow', { flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 100 }), Date.now);
  const t0 = Date.now();
  const keepAlive = setTimeout(() => {}, 5000); // the store's timers do not hold the event loop
  const r = await s.putMessage(makeMessage('S', 0, 'slow'));
  clearTimeout(keepAlive);
  assert.equal(r.status, 'FLUSH_DISK_TIMEOUT');
  assert.ok(Date.now() - t0 >= 90);
  assert.equal(s.getMaxOffsetInQueue('S', 0), 1);
  io.fdatasync = origSync;
  release?.();
  s.halt();
});

test('disk usage is measured as RocketMQ does: unallocated blocks count as free, root-reserved ones included', async () => {
  const { NodeFileIO } = await import('./file-io.js');
  const { statfsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const space = new NodeFileIO().statfs(tmpdir())!;
  const s = statfsSync(tmpdir());
  assert.equal(space.totalBytes, s.blocks * s.bsize);
  // f_bfree (Java's File.getFreeSpace), never f_bavail: on a file system with reserved blocks the
  // latter made the store read as nearly full and delete live segments
  assert.equal(space.freeBytes, s.bfree * s.bsize);
  assert.ok(space.freeBytes >= s.bavail * s.bsize);
});
