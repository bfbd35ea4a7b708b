import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DefaultMessageStore } from './default-message-store.js';
import { FaultFileIO } from './fault-file-io.js';
import { makeMessage, testConfig } from './testing.js';
import { decodeRecord } from '../message/message-record.js';
import type { MessageStoreConfig } from './types.js';

/** Every message of a queue, read through its consume queue. */
function readQueue(s: DefaultMessageStore, topic: string, queueId: number): Buffer[] {
  const out: Buffer[] = [];
  let off = s.getMinOffsetInQueue(topic, queueId);
  for (let guard = 0; guard < 100_000; guard++) {
    const g = s.getMessage('G', topic, queueId, off, 32, 1 << 20);
    if (g.status !== 'FOUND' && g.status !== 'NO_MATCHED_MESSAGE' && g.status !== 'MESSAGE_WAS_REMOVING') break;
    out.push(...g.messages.map((m) => Buffer.from(m)));
    if (g.nextBeginOffset === off) break;
    off = g.nextBeginOffset;
  }
  return out;
}

function seedOf(name: string): number {
  const env = process.env.FC_SEED;
  const seed = env ? Number(env) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  console.log(`# ${name}: fast-check seed ${seed} (FC_SEED=${seed} to replay)`);
  return seed;
}

async function open(io: FaultFileIO, cfg: MessageStoreConfig): Promise<DefaultMessageStore> {
  const s = new DefaultMessageStore(cfg, { fileIO: io });
  await s.start();
  return s;
}

/** Writes `n` messages with known bodies into queue 0 and returns each record's bytes. */
async function fill(s: DefaultMessageStore, n: number, topic = 'R', from = 0): Promise<Buffer[]> {
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => s.putMessage(makeMessage(topic, 0, `body-${from + i}-${'x'.repeat((from + i) % 17)}`, { KEYS: `k${from + i}` }))));
  return rs.map((r) => {
    assert.equal(r.status, 'PUT_OK');
    return s.selectOneMessageByOffset(r.appendResult!.wroteOffset)!;
  });
}

test('truncation of the last record at every byte boundary keeps exactly the valid prefix', async () => {
  for (const crash of [false, true]) {
    const io = new FaultFileIO();
    const cfg = testConfig('/t', { mappedFileSizeCommitLog: 1 << 20 });
    let s = await open(io, cfg);
    const recs = await fill(s, 5);
    if (crash) {
      await s.flushLogics();
      s.halt();
      io.processCrash();
    } else await s.shutdown();
    const seg = '/t/commitlog/00000000000000000000';
    const image = io.fileContent(seg)!;
    const lastStart = recs.slice(0, 4).reduce((a, r) => a + r.length, 0);
    const lastEnd = lastStart + recs[4]!.length;
    const abort = io.stat('/t/abort') !== null;
    for (let cut = lastStart; cut < lastEnd; cut++) {
      // rebuild the directory state: same files, the segment cut at `cut`
      const fd = io.open(seg, 'r+');
      io.pwriteSync(fd, image, 0, image.length, 0);
      io.ftruncate(fd, cut);
      io.ftruncate(fd, cfg.mappedFileSizeCommitLog);
      io.close(fd);
      if (abort) io.close(io.open('/t/abort', 'w+'));
      s = await open(io, cfg);
      const got = readQueue(s, 'R', 0);
      assert.equal(got.length, 4, `cut at ${cut}`);
      for (let i = 0; i < 4; i++) assert.deepEqual(got[i], recs[i]);
      assert.equal(s.getMaxPhyOffset(), lastStart);
      assert.equal(s.selectOneMessageByOffset(lastStart), null);
      // the next append takes the torn record's place and its queue offset
      s.halt();
      io.processCrash();
      if (!abort) io.unlink('/t/abort');
    }
  }
});

test('random bit flips in the tail: recovery keeps a valid prefix, never a damaged record silently past the flip', async () => {
  const seed = seedOf('bit flips');
  const io0 = new FaultFileIO();
  const cfg = testConfig('/b', { mappedFileSizeCommitLog: 1 << 20 });
  const s0 = await open(io0, cfg);
  const recs = await fill(s0, 8);
  await s0.shutdown();
  const seg = '/b/commitlog/00000000000000000000';
  const image = io0.fileContent(seg)!;
  const starts: number[] = [];
  let p = 0;
  for (const r of recs) {
    starts.push(p);
    p += r.length;
  }
  const total = p;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: total * 8 - 1 }), fc.boolean(), async (bit, crash) => {
      const io = new FaultFileIO();
      io.mkdir('/b/commitlog');
      const fd = io.open(seg, 'w+');
      const img = Buffer.from(image);
      img[bit >> 3]! ^= 1 << (bit & 7);
      io.pwriteSync(fd, img, 0, img.length, 0);
      io.close(fd);
      if (crash) io.close(io.open('/b/abort', 'w+'));
      const s = await open(io, cfg);
      try {
        let j = 0;
        while (j + 1 < starts.length && starts[j + 1]! <= bit >> 3) j++;
        const got = readQueue(s, 'R', 0);
        // records before the damaged one are always intact
        assert.ok(got.length >= j, `kept ${got.length} < ${j}`);
        for (let i = 0; i < j; i++) assert.deepEqual(got[i], recs[i]);
        const rel = (bit >> 3) - starts[j]!;
        const bodyStart = 84 + 4;
        const bodyEnd = bodyStart + decodeRecord(recs[j]!).body.length;
        const structural = rel < 8 || (rel >= 28 && rel < 36) || (rel >= 84 && rel < bodyEnd);
        if (structural) {
          // size, magic, physical offset, body length, body (CRC): detected, everything from j on dropped
          assert.equal(got.length, j, `flip at record ${j} byte ${rel} not detected`);
          assert.equal(s.getMaxPhyOffset(), starts[j]);
        }
        // anything returned is either an intact record or the one damaged in a field the format does not checksum
        for (const m of got) if (!recs.some((r) => r.equals(m))) assert.equal(decodeRecord(m).commitLogOffset, starts[j]);
      } finally {
        await s.shutdown();
      }
    }),
    { seed, numRuns: 150, includeErrorInReport: true },
  );
});

test('power loss with SYNC_FLUSH: no acknowledged message is lost (file layer drops undurable writes)', async () => {
  const seed = seedOf('power loss');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 6 }), async (crashTurns) => {
      const io = new FaultFileIO();
      const cfg = testConfig('/p', { flushDiskType: 'SYNC_FLUSH', mappedFileSizeCommitLog: 8192, flushIntervalConsumeQueue: 5 });
      const acked = new Map<string, Buffer>(); // "topic/queue/offset" -> record
      let seq = 0;
      for (const turns of crashTurns) {
        const s = await open(io, cfg);
        // everything acknowledged before is there, byte-identical, through its consume queue
        for (const q of [0, 1, 2]) {
          const got = readQueue(s, 'P', q);
          const byOffset = new Map<number, Buffer>();
          for (const m of got) byOffset.set(decodeRecord(m).queueOffset, m);
          for (const [k, rec] of acked) {
            const [, qs, os] = k.split('/');
            if (Number(qs) !== q) continue;
            assert.deepEqual(byOffset.get(Number(os)), rec, `lost ${k}`);
          }
        }
        let crashed = false;
        const pending: Promise<void>[] = [];
        for (let i = 0; i < 200; i++) {
          const n = seq++;
          const q = n % 3;
          const msg = makeMessage('P', q, `payload ${n} ${'y'.repeat(n % 50)}`, { UNIQ_KEY: `U${n}` });
          pending.push(
            s.putMessage(msg).then((r) => {
              if (crashed || r.status !== 'PUT_OK') return;
              const rec = decodeRecord(s.selectOneMessageByOffset(r.appendResult!.wroteOffset)!);
              assert.equal(rec.body.toString(), `payload ${n} ${'y'.repeat(n % 50)}`);
              acked.set(`P/${q}/${r.appendResult!.logicsOffset}`, s.selectOneMessageByOffset(r.appendResult!.wroteOffset)!);
            }),
          );
          if (i % 20 === 19) await new Promise((r) => setImmediate(r));
        }
        for (let t = 0; t < turns; t++) await new Promise((r) => setImmediate(r));
        crashed = true;
        s.halt();
        io.powerLoss();
        await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 200))]);
      }
      const s = await open(io, cfg);
      let total = 0;
      for (const q of [0, 1, 2]) total += readQueue(s, 'P', q).length;
      assert.ok(total >= acked.size);
      await s.shutdown();
    }),
    { seed, numRuns: 15, includeErrorInReport: true },
  );
});

test('process crash with ASYNC_FLUSH loses nothing written; consume queues and index rebuilt', async () => {
  const io = new FaultFileIO();
  const cfg = testConfig('/a', { mappedFileSizeCommitLog: 4096, flushIntervalConsumeQueue: 3_600_000, flushIntervalCommitLog: 3_600_000 });
  let s = await open(io, cfg);
  const recs = await fill(s, 100);
  s.halt();
  io.processCrash();
  s = await open(io, cfg);
  assert.deepEqual(readQueue(s, 'R', 0), recs);
  assert.equal(s.queryMessage('R', 'k42', 5, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  const more = await fill(s, 10, 'R', 100);
  assert.equal(decodeRecord(more[0]!).queueOffset, 100);
  await s.shutdown();
});

test('a crash that left a hole in an earlier consume-queue file (a later file made durable first): the hole is refilled from the commit log', async () => {
  const io = new FaultFileIO();
  // 100 entries per consume-queue file
  const cfg = testConfig('/h', { mappedFileSizeConsumeQueue: 20 * 100 });
  let s = await open(io, cfg);
  const recs = await fill(s, 250);
  await s.shutdown();
  const files = io.readdir('/h/consumequeue/R/0').sort();
  assert.equal(files.length, 3);
  // the tail of the first file and of the second never reached the disk; the third file did
  for (const [file, from, to] of [[files[0]!, 90, 100], [files[1]!, 170, 200]] as const) {
    const fd = io.open(`/h/consumequeue/R/0/${file}`, 'r+');
    const base = Number(file) / 20;
    io.pwriteSync(fd, Buffer.alloc((to - from) * 20), 0, (to - from) * 20, (from - base) * 20);
    io.close(fd);
  }
  io.close(io.open('/h/abort', 'w+')); // as after a crash
  s = await open(io, cfg);
  assert.deepEqual(readQueue(s, 'R', 0), recs);
  assert.equal(s.getMaxOffsetInQueue('R', 0), 250);
  const more = await fill(s, 5, 'R', 250);
  assert.equal(decodeRecord(more[0]!).queueOffset, 250);
  await s.shutdown();
});

test('a corrupted middle segment: later segments are kept, reads go on, writes continue', async () => {
  const io = new FaultFileIO();
  const cfg = testConfig('/m', { mappedFileSizeCommitLog: 4096 });
  let s = await open(io, cfg);
  const recs = await fill(s, 120);
  await s.shutdown();
  const segs = io.readdir('/m/commitlog');
  assert.ok(segs.length >= 4);
  // smash the start of the second segment
  const fd = io.open(`/m/commitlog/${segs[1]}`, 'r+');
  io.pwriteSync(fd, Buffer.alloc(64, 0xee), 0, 64, 0);
  io.close(fd);
  io.close(io.open('/m/abort', 'w+')); // as after a crash: full validation
  s = await open(io, cfg);
  const got = readQueue(s, 'R', 0);
  const lostStart = Number(segs[1]);
  // the smashed record is gone; the records after it in that segment are intact and still referenced
  const expected = recs.filter((r) => {
    const off = decodeRecord(r).commitLogOffset;
    return off < lostStart || off >= lostStart + 64;
  });
  assert.deepEqual(got, expected);
  assert.ok(got.length < recs.length && got.length > 100);
  const r = await s.putMessage(makeMessage('R', 0, 'still writing'));
  assert.equal(r.status, 'PUT_OK');
  await s.shutdown();
});

test('missing consume-queue and index files are rebuilt from the commit log', async () => {
  const io = new FaultFileIO();
  const cfg = testConfig('/r', { mappedFileSizeCommitLog: 4096 });
  let s = await open(io, cfg);
  const recs = await fill(s, 80);
  await fill(s, 5, 'Other');
  await s.shutdown();
  io.rmrf('/r/consumequeue');
  io.rmrf('/r/index');
  s = await open(io, cfg);
  assert.deepEqual(readQueue(s, 'R', 0), recs);
  assert.equal(s.getMaxOffsetInQueue('Other', 0), 5);
  for (const k of ['k0', 'k40', 'k79']) {
    const q = s.queryMessage('R', k, 5, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(q.messages.length, 1, k);
    assert.equal(decodeRecord(q.messages[0]!).properties.KEYS, k);
  }
  assert.equal(s.queryMessage('R', 'nope', 5, 0, Number.MAX_SAFE_INTEGER).messages.length, 0);
  await s.shutdown();
});
