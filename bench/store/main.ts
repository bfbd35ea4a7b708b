/**
 * Store benchmark: every figure of the store issue's Performance section, each beside the machine's own
 * limit measured in the same run (method of the peers' limits.mjs: sequential writes without sync, and a
 * bare write+fdatasync loop with the batching the store reached).
 *
 *   npm run bench:store -- [--dir /tmp] [--seconds 10] [--backlog-gb 1,10] [--phases limits,async,sync,read,recovery]
 *                          [--prewarm-gb 4] [--drop-caches]   (drop-caches: root; recovery with a cold page cache)
 *
 * 1 KiB bodies throughout. Reads and recovery run with a warm page cache (the machine has room for the
 * whole backlog); the read figure is the time per getMessage at random offsets of the backlog.
 */
import { closeSync, fdatasyncSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultMessageStore } from '../../src/store/default-message-store.js';
import { DEFAULT_STORE_CONFIG, type MessageInner, type MessageStoreConfig } from '../../src/store/types.js';
import { makeMessage } from '../../src/store/testing.js';
import { encodeProperties } from '../../src/message/properties.js';
import { uniqueKeyGenerator } from '../../src/message/message-id.js';

const MiB = 1 << 20;
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith('--')) args.set(a.slice(2), process.argv[i + 1]?.startsWith('--') === false ? process.argv[++i]! : 'true');
}
const baseDir = args.get('dir') ?? tmpdir();
const seconds = Number(args.get('seconds') ?? 10);
const backlogs = (args.get('backlog-gb') ?? '1,10').split(',').map(Number).filter((x) => x > 0);
const phases = new Set((args.get('phases') ?? 'limits,async,sync,read,recovery').split(','));
const BODY = Buffer.alloc(1024, 0x61);
const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
const rows: Array<Record<string, unknown>> = [];
function report(row: Record<string, unknown>): void {
  rows.push(row);
  console.error(JSON.stringify(row));
}
process.env.RMQ_LOG_LEVEL ??= 'warn';

/** `--drop-caches` (root only): recovery measured as after a machine crash, nothing in the page cache. */
function dropCaches(): boolean {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Lets the kernel write back dirty pages first, so that every measurement starts from the same state. */
async function settle(): Promise<void> {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 1000));
}

function scratch(): string {
  return mkdtempSync(join(baseDir, 'rmq-bench-store-'));
}

// The "producer": one template, a fresh UNIQ_KEY per message (as clients send), cheap to make so the
// figures are the store's. The store keeps no reference to the object after putMessage returns.
const template = makeMessage('T', 0, BODY);
const uniqPrefix = uniqueKeyGenerator.next().slice(0, 20);
let uniqCounter = 0;
function benchMessage(topic: string, queueId: number): MessageInner {
  template.topic = topic;
  template.queueId = queueId;
  template.properties = `UNIQ_KEY\u0001${uniqPrefix}${(uniqCounter++ & 0xfffffff).toString(16).padStart(12, '0')}\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002`;
  return template;
}
void encodeProperties;

// ---------------------------------------------------------------- machine limits (limits.mjs method)

function diskWrite(dir: string, block: number, total: number, secs: number, sync: boolean): { mbPerS: number; opsPerS: number; syncMsP50?: number } {
  const file = join(dir, 'limits.dat');
  const fd = openSync(file, 'w');
  const buf = Buffer.alloc(block, 0x5a);
  const lat: number[] = [];
  const t0 = performance.now();
  let written = 0;
  while (written + block <= total && performance.now() - t0 < secs * 1000) {
    const t = performance.now();
    writeSync(fd, buf, 0, block, written);
    if (sync) {
      fdatasyncSync(fd);
      lat.push(performance.now() - t);
    }
    written += block;
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(file);
  lat.sort((a, b) => a - b);
  return { mbPerS: round(written / 1e6 / (ms / 1000), 1), opsPerS: round(written / block / (ms / 1000)), syncMsP50: sync ? round(lat[Math.floor(lat.length / 2)] ?? 0, 3) : undefined };
}

// ---------------------------------------------------------------- phases

function storeConfig(dir: string, over: Partial<MessageStoreConfig> = {}): MessageStoreConfig {
  return { ...DEFAULT_STORE_CONFIG, storePathRootDir: dir, ...over };
}

async function asyncAppend(dir: string, secs: number, maxBytes = Number.POSITIVE_INFINITY, queues = 8): Promise<{ msgs: number; bytes: number; ms: number; writes: number; rssMaxMiB: number; store: DefaultMessageStore; cpuUsPerMsg: number }> {
  const s = new DefaultMessageStore(storeConfig(dir));
  await s.start();
  const batch = 2048;
  const window: Promise<unknown>[] = [];
  let msgs = 0;
  let rssMax = 0;
  const t0 = performance.now();
  const writes0 = s.commitLog.stats.writeCalls;
  const startOff = s.getMaxPhyOffset();
  const cpu0 = process.cpuUsage();
  let q = 0;
  while (performance.now() - t0 < secs * 1000 && s.commitLog.writePos - startOff < maxBytes) {
    let last: Promise<unknown> | undefined;
    for (let i = 0; i < batch; i++) last = s.putMessage(benchMessage('BenchAsync', (q = (q + 1) % queues)));
    msgs += batch;
    window.push(last!);
    if (window.length >= 8) await window.shift();
    if ((msgs & 0xffff) === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
  }
  await Promise.all(window);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  return { msgs, bytes: s.getMaxPhyOffset() - startOff, ms, writes: s.commitLog.stats.writeCalls - writes0, rssMaxMiB: round(rssMax / MiB), store: s, cpuUsPerMsg: round((cpu.user + cpu.system) / msgs, 2) };
}

async function syncAppend(dir: string, secs: number, appenders: number): Promise<{ msgs: number; bytes: number; ms: number; syncs: number; writes: number }> {
  const s = new DefaultMessageStore(storeConfig(dir, { flushDiskType: 'SYNC_FLUSH' }));
  await s.start();
  let msgs = 0;
  let stop = false;
  const syncs0 = s.commitLog.stats.syncCalls;
  const writes0 = s.commitLog.stats.writeCalls;
  const t0 = performance.now();
  const worker = async (id: number) => {
    while (!stop) {
      const r = await s.putMessage(benchMessage('BenchSync', id % 8));
      if (r.status !== 'PUT_OK') throw new Error(`${r.status} ${r.remark}`);
      msgs++;
    }
  };
  const timer = setTimeout(() => (stop = true), secs * 1000);
  await Promise.all(Array.from({ length: appenders }, (_, i) => worker(i)));
  clearTimeout(timer);
  const ms = performance.now() - t0;
  const out = { msgs, bytes: s.getMaxPhyOffset(), ms, syncs: s.commitLog.stats.syncCalls - syncs0, writes: s.commitLog.stats.writeCalls - writes0 };
  await s.shutdown();
  return out;
}

/** The bound for SYNC_FLUSH: one write of `batchBytes` then one fdatasync, in a loop, into a sparse 1 GiB file. */
function bareSyncLoop(dir: string, batchBytes: number, secs: number): { batchesPerS: number; mbPerS: number } {
  const file = join(dir, 'bare.dat');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 1 << 30);
  const buf = Buffer.alloc(batchBytes, 0x5a);
  let pos = 0;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < secs * 1000 && pos + batchBytes <= 1 << 30) {
    writeSync(fd, buf, 0, batchBytes, pos);
    fdatasyncSync(fd);
    pos += batchBytes;
    n++;
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(file);
  return { batchesPerS: round(n / (ms / 1000)), mbPerS: round(pos / 1e6 / (ms / 1000), 1) };
}

function readBench(s: DefaultMessageStore, topic: string, queues: number, reads: number, batch: number): { usPerRead: number; msgsPerRead: number } {
  const maxes = Array.from({ length: queues }, (_, q) => s.getMaxOffsetInQueue(topic, q));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let got = 0;
  // warm-up
  for (let i = 0; i < 1000; i++) s.getMessage('G', topic, i % queues, Math.floor(rand() * maxes[i % queues]!), batch, 1 << 20);
  const t0 = performance.now();
  for (let i = 0; i < reads; i++) {
    const q = i % queues;
    const g = s.getMessage('G', topic, q, Math.floor(rand() * maxes[q]!), batch, 1 << 20);
    got += g.messages.length;
  }
  const ms = performance.now() - t0;
  return { usPerRead: round((ms * 1000) / reads, 2), msgsPerRead: round(got / reads, 1) };
}

/**
 * Pages this VM has never touched are slow to hand out (first-touch faults), pages freed by a deleted file
 * are fast; without this the first phase measures the hypervisor. Writes and deletes a file first.
 */
function prewarm(dir: string, gib: number): void {
  if (gib <= 0) return;
  const t0 = performance.now();
  const r = diskWrite(dir, 4 * MiB, gib * 2 ** 30, 600, false);
  report({ phase: 'pre-warm: page cache pages touched once (write + delete)', gib, mb_per_s: r.mbPerS, seconds: round((performance.now() - t0) / 1000, 1) });
}

async function main(): Promise<void> {
  const dir = scratch();
  prewarm(dir, Number(args.get('prewarm-gb') ?? 4));
  const fsInfo = statfsSync(dir);
  console.error(`bench/store in ${dir} (${round((fsInfo.bavail * fsInfo.bsize) / 2 ** 30)} GiB free), ${seconds} s per phase, node ${process.version}`);
  let seqWriteMBps = 0;
  try {
    if (phases.has('limits')) {
      await settle();
      const l1 = diskWrite(dir, MiB, 4096 * MiB, seconds, false);
      await settle();
      const l4 = diskWrite(dir, 4 * MiB, 4096 * MiB, seconds, false);
      seqWriteMBps = Math.max(l1.mbPerS, l4.mbPerS);
      await settle();
      report({ phase: 'limit: sequential write, no sync', block: '1 MiB', mb_per_s: l1.mbPerS });
      report({ phase: 'limit: sequential write, no sync', block: '4 MiB', mb_per_s: l4.mbPerS });
      const ls = diskWrite(dir, 4096, 64 * MiB, Math.min(seconds, 5), true);
      report({ phase: 'limit: 4 KiB write + fdatasync each', ops_per_s: ls.opsPerS, fdatasync_ms_p50: ls.syncMsP50 });
    }
    if (phases.has('async')) {
      await settle();
      const d = join(dir, 'async');
      const r = await asyncAppend(d, seconds);
      await r.store.shutdown();
      rmSync(d, { recursive: true, force: true });
      const mbps = r.bytes / 1e6 / (r.ms / 1000);
      report({
        phase: 'ASYNC_FLUSH append, 1 KiB bodies, one process',
        msgs: r.msgs,
        msg_per_s: round(r.msgs / (r.ms / 1000)),
        mb_per_s: round(mbps, 1),
        pct_of_seq_write: round((100 * mbps) / seqWriteMBps, 1),
        write_syscalls: r.writes,
        msgs_per_write_syscall: round(r.msgs / r.writes, 1),
        rss_max_mib: r.rssMaxMiB,
        cpu_us_per_msg_all_threads: r.cpuUsPerMsg,
        load_avg_1m: round(loadavg()[0]!, 2),
      });
    }
    if (phases.has('sync')) {
      await settle();
      const d = join(dir, 'sync');
      const r = await syncAppend(d, seconds, 64);
      rmSync(d, { recursive: true, force: true });
      const perSync = r.msgs / r.syncs;
      const batchBytes = Math.max(1, Math.round(r.bytes / r.syncs));
      await settle();
      const bare = bareSyncLoop(dir, batchBytes, seconds);
      const bareMsgs = bare.batchesPerS * perSync;
      const msgPerS = r.msgs / (r.ms / 1000);
      report({
        phase: 'SYNC_FLUSH append, 64 concurrent appenders',
        msgs: r.msgs,
        msg_per_s: round(msgPerS),
        fdatasyncs: r.syncs,
        msgs_per_fdatasync: round(perSync, 1),
        bytes_per_fdatasync: batchBytes,
        bare_write_fdatasync_loop_batches_per_s: bare.batchesPerS,
        bare_loop_msg_per_s: round(bareMsgs),
        pct_of_bare_loop: round((100 * msgPerS) / bareMsgs, 1),
      });
    }
    if (phases.has('read') || phases.has('recovery')) {
      const opened: Array<{ gb: number; d: string; bytes: number; s: DefaultMessageStore }> = [];
      for (const gb of backlogs) {
        const d = join(dir, `backlog-${gb}`);
        const w = await asyncAppend(d, 3600, gb * 2 ** 30, 8);
        opened.push({ gb, d, bytes: w.bytes, s: w.store });
        report({ phase: 'backlog written', backlog_gib: gb, msgs: w.msgs, seconds: round(w.ms / 1000, 1), msg_per_s: round(w.msgs / (w.ms / 1000)) });
      }
      if (phases.has('read')) {
        // rounds interleaved across the backlogs, so that each sees the same machine load; medians reported
        const one = new Map<number, number[]>();
        const b32 = new Map<number, number[]>();
        for (let roundNo = 0; roundNo < 7; roundNo++) {
          for (const o of opened) {
            (one.get(o.gb) ?? one.set(o.gb, []).get(o.gb)!).push(readBench(o.s, 'BenchAsync', 8, 20_000, 1).usPerRead);
            (b32.get(o.gb) ?? b32.set(o.gb, []).get(o.gb)!).push(readBench(o.s, 'BenchAsync', 8, 4_000, 32).usPerRead);
          }
        }
        const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
        for (const o of opened) {
          report({ phase: 'read by offset (random offsets over the whole backlog, median of 7 interleaved rounds)', backlog_gib: o.gb, us_per_read_1_msg: median(one.get(o.gb)!), us_per_read_32_msgs: median(b32.get(o.gb)!), rounds_1_msg: one.get(o.gb), load_avg_1m: round(loadavg()[0]!, 2) });
        }
      }
      for (const o of opened) {
        if (phases.has('recovery') && o === opened[0]) {
          // crash: stop without shutdown (abort file stays), then recover
          const { s, d } = o;
          await s.flushLogics();
          s.halt();
          s.commitLog.close();
          for (const variant of ['checkpoint as written', 'checkpoint lost (full scan of every segment)', 'checkpoint, consume queues and index lost (full rebuild)']) {
            if (variant.startsWith('checkpoint lost') || variant.startsWith('checkpoint, consume')) rmSync(join(d, 'checkpoint'), { force: true });
            if (variant.startsWith('checkpoint, consume')) {
              rmSync(join(d, 'consumequeue'), { recursive: true, force: true });
              rmSync(join(d, 'index'), { recursive: true, force: true });
            }
            const cold = args.has('drop-caches') && dropCaches();
            const t0 = performance.now();
            const r = new DefaultMessageStore(storeConfig(d));
            await r.start();
            const ms = performance.now() - t0;
            const ok = r.getMaxOffsetInQueue('BenchAsync', 1) > 0 && r.getMaxPhyOffset() === o.bytes;
            report({ phase: 'recovery after a crash', commit_log_gib: round(o.bytes / 2 ** 30, 2), variant, page_cache: cold ? 'cold (dropped)' : 'warm', seconds: round(ms / 1000, 2), records_scanned: r.stats.dispatchedRecords, ok, load_avg_1m: round(loadavg()[0]!, 2) });
            r.halt();
            for (const seg of r.commitLog.segments) closeSync(seg.fd);
            r.commitLog.segments = [];
          }
        } else await o.s.shutdown();
        rmSync(o.d, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| figure | value | machine limit / bound | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.phase}${r.backlog_gib ? ` (${r.backlog_gib} GiB)` : ''}${r.variant ? ` (${r.variant})` : ''} | ${JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'phase')))} | | |`);
}

await main();
