/**
 * DefaultMessageStore: commit log + consume queues + index + checkpoint, in Apache RocketMQ's on-disk
 * formats (store-format.md). See docs/formats/ for each file and the module headers for the layouts.
 *
 * Append: validated, encoded straight into the commit log's staging buffer (queue offset from the queue's
 * `appendOffset`, store timestamp, physical offset), one write per batch of appends; once written, the
 * records are dispatched from what the append already knows (consume-queue entry, index keys) and then
 * the MessageArrivingListener runs. ASYNC_FLUSH resolves an append when its bytes are written;
 * SYNC_FLUSH when a completed fdatasync covers its end (group commit, one fdatasync in flight).
 *
 * Start-up: lock file, abort marker, checkpoint; commit-log tail validated (from the consume queues' end
 * after a clean stop, from the checkpoint's segment after a crash), torn tail cut, consume-queue entries
 * past the end dropped, then whatever the log holds beyond the consume queues / index is dispatched.
 */
import { componentLogger, type Logger } from '../common/logger.js';
import { RmqError } from '../common/errors.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { MAGIC, PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { encodeRecordInto, recordSize, MAX_PROPERTIES_BYTES, MAX_TOPIC_BYTES_V1, type RecordFields } from '../message/message-record.js';
import { readInt64BE } from '../message/int64.js';
import { NodeFileIO, type FileIO } from './file-io.js';
import { CommitLog, storeTimestampPos, type RecordView } from './commit-log.js';
import { ConsumeQueue, CQ_STORE_UNIT_SIZE, isValidEntry } from './consume-queue.js';
import { IndexService } from './index-file.js';
import { StoreCheckpoint } from './checkpoint.js';
import {
  DEFAULT_STORE_CONFIG,
  type AppendMessageResult,
  type GetMessageResult,
  type GetMessageStatus,
  type MessageArrivingListener,
  type MessageFilter,
  type MessageInner,
  type MessageStore,
  type MessageStoreConfig,
  type PutMessageResult,
  type QueryMessageResult,
} from './types.js';
import { readInt32BE } from '../common/bytes.js';

export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const DEFAULT_MESSAGE_DELAY_LEVEL = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

export interface DefaultMessageStoreOptions {
  fileIO?: FileIO;
  now?: () => number;
  logger?: Logger;
  /** Delay levels, to recompute SCHEDULE_TOPIC_XXXX tag codes (delivery times) when re-dispatching. */
  messageDelayLevel?: string;
  /**
   * Appended bytes allowed to wait for their write (128 MiB). Beyond it appends are refused with
   * OS_PAGE_CACHE_BUSY, so a stalled disk cannot make the process buffer without bound.
   */
  maxUnwrittenBytes?: number;
}

export function parseDelayLevels(s: string): number[] {
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return s.trim().split(/\s+/).map((t) => {
    const m = /^(\d+)([smhd])$/.exec(t);
    if (!m) throw new RmqError('BAD_CONFIG', `bad delay level "${t}" in messageDelayLevel`);
    return Number(m[1]) * unit[m[2]!]!;
  });
}

const defaultFileIO = new NodeFileIO();

/** Stores opened by this process, per file layer (a second open of one directory must fail even within one process). */
const openRootsByIo = new WeakMap<FileIO, Set<string>>();
function openRootsOf(io: FileIO): Set<string> {
  let set = openRootsByIo.get(io);
  if (!set) {
    set = new Set();
    openRootsByIo.set(io, set);
  }
  return set;
}

/**
 * AppendMessageResult whose offset message id(s) are formatted on first read (internal re-puts such as
 * timers and pop never read them; a send response reads it once).
 */
class StoredAppendResult implements AppendMessageResult {
  private id: string | undefined;
  constructor(
    readonly wroteOffset: number,
    readonly wroteBytes: number,
    readonly logicsOffset: number,
    readonly msgNum: number,
    readonly storeTimestamp: number,
    private readonly storeHost: Buffer,
    private readonly batchOffsets: number[] | undefined,
    private readonly store: { offsetMsgId(host: Buffer, phys: number): string },
  ) {}
  get msgId(): string {
    if (this.id === undefined) {
      this.id = this.batchOffsets ? this.batchOffsets.map((o) => this.store.offsetMsgId(this.storeHost, o)).join(',') : this.store.offsetMsgId(this.storeHost, this.wroteOffset);
    }
    return this.id;
  }
  toJSON(): AppendMessageResult {
    return { wroteOffset: this.wroteOffset, wroteBytes: this.wroteBytes, msgId: this.msgId, logicsOffset: this.logicsOffset, msgNum: this.msgNum, storeTimestamp: this.storeTimestamp };
  }
}

/**
 * A record appended but not yet written: what its dispatch needs. The last record of an append also
 * carries the append's answer (one object per record, none extra per append).
 */
class PendingRecord {
  /** End offset of the append (set with `resolve`). */
  end = 0;
  result: PutMessageResult | null = null;
  waitFlush = false;
  deadline = 0;
  resolve: ((r: PutMessageResult) => void) | null = null;
  constructor(
    readonly phys: number,
    readonly size: number,
    readonly cq: ConsumeQueue | null,
    readonly queueOffset: number,
    readonly tagsCode: number,
    readonly storeTimestamp: number,
    readonly topic: string,
    readonly properties: string,
    readonly sysFlag: number,
  ) {}
}

const HOST_SIZES = new Set([8, 20]);

// `name\x01` search strings, built once (getEncodedProperty builds one per call)
const NEEDLE_TAGS = `${PROPERTY.TAGS}\u0001`;
const NEEDLE_KEYS = `${PROPERTY.KEYS}\u0001`;
const NEEDLE_UNIQ_KEY = `${PROPERTY.UNIQ_KEY}\u0001`;
const NEEDLE_WAIT = `${PROPERTY.WAIT}\u0001`;
const NEEDLE_DELAY = `${PROPERTY.DELAY}\u0001`;

/** getEncodedProperty with a prebuilt `name\x01` needle (hot path: every append and dispatch). */
function findProperty(s: string, needle: string): string | undefined {
  const at = propertyAt(s, needle);
  if (at < 0) return undefined;
  const end = propertyEnd(s, at);
  return end > at ? s.slice(at, end) : undefined;
}

/** Where the value of the property named by `needle` (`name\x01`) starts in `s`, or -1. */
function propertyAt(s: string, needle: string): number {
  let from = 0;
  for (;;) {
    const i = s.indexOf(needle, from);
    if (i < 0) return -1;
    if (i === 0 || s.charCodeAt(i - 1) === 2) return i + needle.length;
    from = i + 1;
  }
}

/** Where the property value starting at `at` ends. */
function propertyEnd(s: string, at: number): number {
  const e = s.indexOf('\u0002', at);
  return e < 0 ? s.length : e;
}

function statusResult(status: PutMessageResult['status'], remark: string): PutMessageResult {
  return { status, remark };
}

/** How often the index files are flushed (RocketMQ flushes them when full; the kernel writes back meanwhile). */
const INDEX_FLUSH_INTERVAL_MS = 10_000;

export class DefaultMessageStore implements MessageStore {
  readonly config: MessageStoreConfig;
  private readonly io: FileIO;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly delayLevels: number[];
  private readonly maxUnwrittenBytes: number;
  private readonly root: string;
  readonly commitLog: CommitLog;
  private readonly checkpoint: StoreCheckpoint;
  private readonly index: IndexService;
  private readonly queues = new Map<string, Map<number, ConsumeQueue>>();
  private listener: MessageArrivingListener | undefined;
  private commitListener: ((committed: number) => void) | undefined;

  private running = false;
  private starting = false;
  private readOnlyReason: string | null = null;
  private lastWriteError: string | null = null;

  private records: PendingRecord[] = [];
  private recordHead = 0;
  private flushWaiters: PendingRecord[] = [];
  private flushWaiterHead = 0;

  private readonly touched = new Set<ConsumeQueue>();
  private lastIndexFlush = 0;
  private readonly dirtyQueues = new Set<ConsumeQueue>();
  private lastDispatchedTimestamp = 0;
  private lastCommittedTimestamp = 0;
  private rawDispatchPos = 0;
  private timers: NodeJS.Timeout[] = [];
  private flushingLogics: Promise<void> | null = null;
  private flushingCommitLog: Promise<void> | null = null;
  private lastCleanRun = 0;

  private readonly scratch: RecordFields = {
    topic: '', queueId: 0, flag: 0, queueOffset: 0, physicalOffset: 0, sysFlag: 0, bornTimestamp: 0,
    bornHost: Buffer.alloc(8), storeTimestamp: 0, storeHost: Buffer.alloc(8), reconsumeTimes: 0,
    preparedTransactionOffset: 0, body: Buffer.alloc(0), properties: '',
  };

  readonly stats = {
    putMessageTimesTotal: 0,
    putMessageSizeTotal: 0,
    putMessageFailedTimes: 0,
    getMessageTimesTotalFound: 0,
    getMessageTimesTotalMiss: 0,
    getMessageTransferedMsgCount: 0,
    dispatchedRecords: 0,
    flushTimeouts: 0,
    recoveryMs: 0,
    recoveryAbnormal: 0,
  };

  constructor(config: MessageStoreConfig, opts: DefaultMessageStoreOptions = {}) {
    this.config = { ...DEFAULT_STORE_CONFIG, ...config };
    this.io = opts.fileIO ?? defaultFileIO;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? componentLogger('store');
    this.delayLevels = parseDelayLevels(opts.messageDelayLevel ?? DEFAULT_MESSAGE_DELAY_LEVEL);
    this.maxUnwrittenBytes = opts.maxUnwrittenBytes ?? 128 * 1024 * 1024;
    this.root = this.config.storePathRootDir.replace(/\/+$/, '');
    const cfg = this.config;
    if (!(cfg.mappedFileSizeCommitLog >= 4096)) throw new RmqError('BAD_CONFIG', 'mappedFileSizeCommitLog must be at least 4096 bytes');
    if (!(cfg.mappedFileSizeConsumeQueue >= CQ_STORE_UNIT_SIZE)) throw new RmqError('BAD_CONFIG', 'mappedFileSizeConsumeQueue too small');
    const maxRecord = recordSize(cfg.maxMessageSize, 0x7fff, MAX_PROPERTIES_BYTES, 20, 20);
    this.commitLog = new CommitLog(this.io, cfg.storePathCommitLog ?? `${this.root}/commitlog`, cfg.mappedFileSizeCommitLog, Math.min(maxRecord, cfg.mappedFileSizeCommitLog), this.log);
    // Inline: one positional write on the put path, no thread-pool hop (measured on 2 cores: 8 % less
    // broker CPU per message at full load, a sixth less at 10,000 msg/s). With the transient store pool,
    // only SYNC_FLUSH's small rounds are inline (their fdatasync is the thread-pool hop).
    if (!cfg.transientStorePoolEnable) this.commitLog.inlineWriteBytes = Number.POSITIVE_INFINITY;
    else if (cfg.flushDiskType === 'SYNC_FLUSH') this.commitLog.inlineWriteBytes = 256 * 1024;
    this.commitLog.hooks = {
      onWritten: (committed) => this.onWritten(committed),
      onWriteFailed: (err, committed) => this.onWriteFailed(err, committed),
    };
    this.checkpoint = new StoreCheckpoint(this.io, `${this.root}/checkpoint`);
    this.index = new IndexService(this.io, `${this.root}/index`, cfg.maxHashSlotNum, cfg.maxIndexNum, this.log);
  }

  // ================================================================ lifecycle

  async start(): Promise<void> {
    if (this.running || this.starting) throw new RmqError('STORE_STATE', 'store already started');
    this.starting = true;
    const t0 = performance.now();
    try {
      this.io.mkdir(this.root);
      this.lock();
      const abnormal = this.io.stat(`${this.root}/abort`) !== null;
      this.io.close(this.io.open(`${this.root}/abort`, 'w+'));
      this.checkpoint.load();
      this.commitLog.load();
      this.loadConsumeQueues(abnormal);
      this.recover(abnormal);
      this.running = true;
      this.startServices();
      this.stats.recoveryMs = performance.now() - t0;
      this.stats.recoveryAbnormal = abnormal ? 1 : 0;
      this.log.info({ abnormal, ms: Math.round(this.stats.recoveryMs), minPhyOffset: this.getMinPhyOffset(), maxPhyOffset: this.getMaxPhyOffset(), queues: this.listQueues().length }, 'store started');
    } catch (e) {
      this.closeFiles();
      this.unlock();
      throw e;
    } finally {
      this.starting = false;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // let the writes in flight finish
    const deadline = Date.now() + 10_000;
    while (this.commitLog.hasPendingWrites() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    let clean = true;
    try {
      for (let i = 0; i < 100 && this.commitLog.flushed < this.commitLog.committed; i++) await this.flushCommitLog();
      await this.flushLogics();
    } catch (e) {
      clean = false;
      this.log.error({ err: e }, 'flush at shutdown failed; next start recovers as after a crash');
    }
    this.expireFlushWaiters(Number.POSITIVE_INFINITY, 'store shut down before the flush completed');
    this.closeFiles();
    if (clean && !this.commitLog.hasPendingWrites()) this.io.unlink(`${this.root}/abort`);
    this.unlock();
    this.log.info('store shut down');
  }

  /** Stops everything at once without flushing or cleaning up, as a killed process would (tests). */
  halt(): void {
    this.running = false;
    this.commitLog.halted = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.unlock();
  }

  private closeFiles(): void {
    this.commitLog.close();
    for (const list of this.queues.values()) for (const cq of list.values()) cq.close();
    this.index.close();
    this.checkpoint.close();
  }

  private lock(): void {
    const key = this.root;
    const openRoots = openRootsOf(this.io);
    if (openRoots.has(key)) throw new RmqError('STORE_LOCKED', `store ${this.root} is already open in this process`);
    const path = `${this.root}/lock`;
    const prev = this.io.readFile(path);
    if (prev && prev.length > 0) {
      const pid = Number(prev.toString('utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        let alive = false;
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === 'EPERM';
        }
        if (alive) throw new RmqError('STORE_LOCKED', `store ${this.root} is locked by running process ${pid}`);
      }
    }
    const fd = this.io.open(path, 'w+');
    const b = Buffer.from(String(process.pid));
    this.io.pwriteSync(fd, b, 0, b.length, 0);
    this.io.close(fd);
    openRoots.add(key);
  }

  private unlock(): void {
    const openRoots = openRootsOf(this.io);
    if (!openRoots.has(this.root)) return;
    openRoots.delete(this.root);
    try {
      const fd = this.io.open(`${this.root}/lock`, 'w+');
      this.io.close(fd);
    } catch {
      /* the directory may be gone */
    }
  }

  private startServices(): void {
    const cfg = this.config;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, Math.max(1, ms));
      t.unref();
      this.timers.push(t);
    };
    if (cfg.flushDiskType === 'ASYNC_FLUSH') {
      every(cfg.flushIntervalCommitLog, () => void this.flushCommitLog().catch((e) => this.log.error({ err: e }, 'commit-log flush failed')));
    } else {
      every(Math.max(10, Math.min(500, cfg.syncFlushTimeout / 4)), () => this.expireFlushWaiters(this.now(), `flush did not complete within syncFlushTimeout ${cfg.syncFlushTimeout} ms; the message is stored`));
    }
    every(cfg.flushIntervalConsumeQueue, () => void this.flushLogics().catch((e) => this.log.error({ err: e }, 'consume-queue / index flush failed')));
    every(cfg.cleanResourceInterval, () => {
      try {
        this.cleanExpiredFiles(false);
      } catch (e) {
        this.log.error({ err: e }, 'retention run failed');
      }
    });
  }

  // ================================================================ queues

  private findCq(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(topic)?.get(queueId);
  }

  private findOrCreateCq(topic: string, queueId: number): ConsumeQueue {
    let list = this.queues.get(topic);
    if (!list) {
      list = new Map();
      this.queues.set(topic, list);
    }
    let cq = list.get(queueId);
    if (!cq) {
      cq = new ConsumeQueue(this.io, `${this.root}/consumequeue`, topic, queueId, this.config.mappedFileSizeConsumeQueue, this.log);
      list.set(queueId, cq);
    }
    return cq;
  }

  private *allQueues(): Iterable<ConsumeQueue> {
    for (const list of this.queues.values()) yield* list.values();
  }

  private loadConsumeQueues(abnormal: boolean): void {
    const dir = `${this.root}/consumequeue`;
    this.io.mkdir(dir);
    for (const topic of this.io.readdir(dir)) {
      const st = this.io.stat(`${dir}/${topic}`);
      if (!st?.isDirectory) continue;
      for (const q of this.io.readdir(`${dir}/${topic}`)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.findOrCreateCq(topic, Number(q));
        cq.load();
        cq.recover(abnormal);
      }
    }
  }

  // ================================================================ recovery

  private recover(abnormal: boolean): void {
    const cl = this.commitLog;
    const minPhy = cl.minOffset();
    const validateFrom = abnormal ? this.abnormalRecoveryStart() : this.normalRecoveryStart();
    const { end, lost } = cl.scan(validateFrom, this.config.checkCRCOnRecover);
    if (lost.length) this.log.error({ lost }, 'commit-log ranges lost to corruption or missing files');
    const lastSeg = cl.segments.at(-1);
    if (lastSeg) cl.cutTail(end);
    cl.setRecoveredEnd(end);
    this.rawDispatchPos = end;
    for (const cq of this.allQueues()) {
      cq.truncateByPhysical(end);
      cq.correctMinOffset(minPhy);
    }
    this.index.load(!abnormal, this.checkpoint.indexMsgTimestamp, end);
    let from = this.maxConsumeQueueEnd();
    if (abnormal) from = Math.min(from, validateFrom);
    if (this.config.messageIndexEnable) from = Math.min(from, this.indexResumePoint());
    from = Math.max(from, minPhy);
    if (from < end) {
      this.log.info({ from, to: end }, 'dispatching commit-log records beyond the consume queues / index');
      cl.scan(from, false, (r) => this.dispatchRecovered(r, end), () => this.commitDispatch());
      this.commitDispatch();
    }
    for (const cq of this.allQueues()) cq.appendOffset = cq.maxOffset;
    this.log.info({ abnormal, validateFrom, end, dispatchFrom: from }, 'commit log recovered');
  }

  private maxConsumeQueueEnd(): number {
    let m = 0;
    for (const cq of this.allQueues()) if (cq.maxPhysicEnd > m) m = cq.maxPhysicEnd;
    return m;
  }

  /** After a clean stop: validate from the end of the last dispatched record when it checks out, else from the third-last segment. */
  private normalRecoveryStart(): number {
    const cl = this.commitLog;
    const segs = cl.segments;
    const fallback = segs.length ? segs[Math.max(0, segs.length - 3)]!.start : 0;
    let best: ConsumeQueue | undefined;
    for (const cq of this.allQueues()) if (!best || cq.maxPhysicEnd > best.maxPhysicEnd) best = cq;
    if (!best || best.maxOffset === 0 || best.maxPhysicEnd === 0) return fallback;
    const last = best.readEntry(best.maxOffset - 1);
    if (!last || !isValidEntry(last.phys, last.size)) return fallback;
    if (!cl.segmentFor(last.phys)) return fallback;
    const head = Buffer.alloc(8);
    const n = cl.read(last.phys, head, 0, 8, true);
    if (n < 8 || readInt32BE(head, 0) !== last.size) return fallback;
    const magic = readInt32BE(head, 4);
    if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) return fallback;
    // validate the last dispatched record itself too (its tail may be torn)
    return last.phys;
  }

  /** After a crash: the last segment whose first record is older than the checkpoint (minus 3 s). */
  private abnormalRecoveryStart(): number {
    const cl = this.commitLog;
    const segs = cl.segments;
    if (segs.length === 0) return 0;
    const minTs = this.checkpoint.minTimestamp(false) - 3000;
    for (let i = segs.length - 1; i >= 0; i--) {
      const ts = cl.firstRecordTimestamp(segs[i]!);
      if (ts > 0 && ts <= minTs) return segs[i]!.start;
    }
    return segs[0]!.start;
  }

  /** Where indexing must resume: just after the last indexed record. */
  private indexResumePoint(): number {
    for (let i = this.index.files.length - 1; i >= 0; i--) {
      const f = this.index.files[i]!;
      if (f.indexCount <= 1) continue;
      const rec = this.commitLog.readRecord(f.endPhyOffset, true);
      return rec ? f.endPhyOffset + rec.length : this.commitLog.minOffset();
    }
    return this.commitLog.minOffset();
  }

  private tagsCodeOf(topic: string, properties: string, storeTimestamp: number): number {
    if (topic === SCHEDULE_TOPIC) {
      const d = findProperty(properties, NEEDLE_DELAY);
      if (d) {
        let level = Number(d);
        if (level > this.delayLevels.length) level = this.delayLevels.length;
        if (level >= 1) return storeTimestamp + this.delayLevels[level - 1]!;
      }
    }
    const tags = findProperty(properties, NEEDLE_TAGS);
    return tags ? javaStringHashCode(tags) : 0;
  }

  private dispatchRecovered(r: RecordView, end: number): void {
    if (r.phys + r.size > end) return;
    const tagsCode = this.tagsCodeOf(r.topic, r.properties, r.storeTimestamp);
    this.dispatch(r.topic, r.queueId, r.queueOffset, r.phys, r.size, tagsCode, r.storeTimestamp, r.properties, r.sysFlag, null);
    this.stats.dispatchedRecords++;
  }

  /**
   * Builds the consume-queue entry (buffered) and index keys of one record. Prepared and rolled-back
   * transactional records get no consume-queue entry; rolled-back ones are not indexed.
   */
  private dispatch(topic: string, queueId: number, queueOffset: number, phys: number, size: number, tagsCode: number, storeTimestamp: number, properties: string, sysFlag: number, cq: ConsumeQueue | null): boolean {
    const tran = sysFlag & 0xc;
    let added = false;
    if (tran === SYS_FLAG.TRANSACTION_NOT_TYPE || tran === SYS_FLAG.TRANSACTION_COMMIT) {
      const q = cq ?? this.findOrCreateCq(topic, queueId);
      const expected = q.nextExpected();
      if (queueOffset > expected && cq === null && (expected > 0 || q.fileCount() > 0)) {
        // re-dispatch: queue offsets of one queue are dense in the log, so a jump means this record's
        // (unchecksummed) header is damaged; following it would hide every later record of the queue
        this.log.error({ topic, queueId, expected, queueOffset, phys }, 'record skipped: queue offset does not follow the queue');
      } else if (queueOffset >= expected) {
        if (queueOffset > expected) this.log.warn({ topic, queueId, expected, queueOffset }, 'gap in consume-queue offsets');
        try {
          q.append(queueOffset, phys, size, tagsCode);
          added = true;
        } catch (e) {
          this.logDispatchError(e, `consume queue ${topic}/${queueId}`);
        }
        this.touched.add(q);
      }
    }
    if (this.config.messageIndexEnable && tran !== SYS_FLAG.TRANSACTION_ROLLBACK) {
      // the keys are hashed where they are in the properties string, no substring per record
      const uniqAt = propertyAt(properties, NEEDLE_UNIQ_KEY);
      const keysAt = propertyAt(properties, NEEDLE_KEYS);
      if (uniqAt >= 0 || keysAt >= 0) {
        const uniqEnd = uniqAt >= 0 ? propertyEnd(properties, uniqAt) : -1;
        const keysEnd = keysAt >= 0 ? propertyEnd(properties, keysAt) : -1;
        try {
          // the clock is read only to name a new index file
          this.index.build(topic, properties, uniqAt, uniqEnd, keysAt, keysEnd, phys, storeTimestamp, this.now);
        } catch (e) {
          // the index is a look-up aid: a full disk must not stop dispatch (rebuilt from the log after a restart)
          this.logDispatchError(e, 'index');
        }
      }
    }
    if (storeTimestamp > this.lastDispatchedTimestamp) this.lastDispatchedTimestamp = storeTimestamp;
    return added;
  }

  /**
   * Writes the buffered consume-queue entries (one write per queue) and index entries (one write).
   * A failed write keeps the entries buffered (retried with the next batch and by the flush service);
   * the records stay safe in the commit log. Returns false when something could not be written.
   */
  private commitDispatch(): boolean {
    let ok = true;
    for (const q of this.touched) {
      try {
        q.commit();
        this.dirtyQueues.add(q);
        this.touched.delete(q);
      } catch (e) {
        ok = false;
        this.logDispatchError(e, `consume queue ${q.topic}/${q.queueId}`);
      }
    }
    if (this.config.messageIndexEnable) {
      try {
        this.index.commit();
      } catch (e) {
        ok = false;
        this.logDispatchError(e, 'index');
      }
    }
    return ok;
  }

  private lastDispatchErrorLog = 0;
  private logDispatchError(err: unknown, what: string): void {
    const t = Date.now();
    if (t - this.lastDispatchErrorLog < 5000) return;
    this.lastDispatchErrorLog = t;
    this.log.error({ err, what }, 'dispatch write failed; entries kept in memory and retried (records are safe in the commit log)');
  }

  // ================================================================ append

  private validate(msg: MessageInner): PutMessageResult | null {
    if (!this.running) return statusResult('SERVICE_NOT_AVAILABLE', 'message store is not running');
    if (this.readOnlyReason) return statusResult('SERVICE_NOT_AVAILABLE', `message store is read-only: ${this.readOnlyReason}`);
    if (this.config.brokerRole === 'SLAVE') return statusResult('SERVICE_NOT_AVAILABLE', 'message store is a slave; writes come from the master');
    if (typeof msg.topic !== 'string' || msg.topic.length === 0) return statusResult('MESSAGE_ILLEGAL', 'topic is empty');
    if (!Buffer.isBuffer(msg.body)) return statusResult('MESSAGE_ILLEGAL', 'body is not a buffer');
    if (msg.body.length > this.config.maxMessageSize) {
      return statusResult('MESSAGE_ILLEGAL', `message body size ${msg.body.length} exceeds maxMessageSize ${this.config.maxMessageSize}`);
    }
    if (!Number.isInteger(msg.queueId) || msg.queueId < 0 || msg.queueId > 0xffff) return statusResult('MESSAGE_ILLEGAL', `bad queueId ${msg.queueId}`);
    if (!HOST_SIZES.has(msg.bornHost?.length) || !HOST_SIZES.has(msg.storeHost?.length)) return statusResult('MESSAGE_ILLEGAL', 'bornHost / storeHost must be 8 (IPv4) or 20 (IPv6) bytes');
    return null;
  }

  putMessage(msg: MessageInner): Promise<PutMessageResult> {
    const promise = new Promise<PutMessageResult>(this.captureResolve);
    this.put(msg, this.capturedResolve!);
    return promise;
  }

  putMessageCb(msg: MessageInner, done: (r: PutMessageResult) => void): void {
    this.put(msg, done);
  }

  /** Both put methods' work (not either of them: the HA layer replaces those on the instance). */
  private put(msg: MessageInner, done: (r: PutMessageResult) => void): void {
    const bad = this.validate(msg);
    if (bad) this.refuse(done, bad);
    else this.append([msg], done);
  }

  putMessages(msgs: MessageInner[]): Promise<PutMessageResult> {
    if (msgs.length === 0) return Promise.resolve(statusResult('MESSAGE_ILLEGAL', 'empty batch'));
    const promise = new Promise<PutMessageResult>(this.captureResolve);
    const done = this.capturedResolve!;
    for (const m of msgs) {
      const bad = this.validate(m);
      if (bad) {
        this.refuse(done, bad);
        return promise;
      }
    }
    this.append(msgs, done);
    return promise;
  }

  // one shared promise executor instead of a closure per put (the put path allocates as little as it can)
  private capturedResolve: ((r: PutMessageResult) => void) | null = null;
  private readonly captureResolve = (resolve: (r: PutMessageResult) => void): void => {
    this.capturedResolve = resolve;
  };

  private readonly topicBytesScratch: number[] = [];
  private readonly propBytesScratch: number[] = [];
  private readonly sizesScratch: number[] = [];
  private lastHost: Buffer | null = null;
  private lastHostHex = '';
  /** Offset message id (createOffsetMessageId's format) with the host's hex cached: one per append, so kept cheap. */
  offsetMsgId(storeHost: Buffer, phys: number): string {
    if (storeHost !== this.lastHost) {
      if (!this.lastHost || !storeHost.equals(this.lastHost)) this.lastHostHex = storeHost.toString('hex').toUpperCase();
      this.lastHost = storeHost;
    }
    const hex = phys.toString(16).toUpperCase();
    return this.lastHostHex + (hex.length < 16 ? '0000000000000000'.slice(hex.length) + hex : hex);
  }

  /** Answers an append: a promise's resolve, or a putMessageCb callback (which must not stop the others). */
  private settle(p: PendingRecord, r: PutMessageResult): void {
    try {
      p.resolve!(r);
    } catch (e) {
      this.log.error({ err: e }, 'put callback threw');
    }
  }

  /** A put refused before anything was reserved: answered at once. */
  private refuse(done: (r: PutMessageResult) => void, r: PutMessageResult): void {
    this.stats.putMessageFailedTimes++;
    done(r);
  }

  /** Appends `msgs`, answered through `done` (at once when refused). */
  private append(msgs: MessageInner[], done: (r: PutMessageResult) => void): void {
    const cl = this.commitLog;
    const n = msgs.length;
    // sizes first, so a batch is refused as a whole before anything is reserved
    // reused scratch arrays: append is synchronous, so no allocation per call
    const topicBytes = this.topicBytesScratch;
    const propBytes = this.propBytesScratch;
    const sizes = this.sizesScratch;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const m = msgs[i]!;
      const t = Buffer.byteLength(m.topic);
      if (t > MAX_TOPIC_BYTES_V1) return this.refuse(done, statusResult('MESSAGE_ILLEGAL', `topic length ${t} bytes exceeds ${MAX_TOPIC_BYTES_V1}`));
      const p = m.properties ? Buffer.byteLength(m.properties) : 0;
      if (p > MAX_PROPERTIES_BYTES) return this.refuse(done, statusResult('PROPERTIES_SIZE_EXCEEDED', `properties size ${p} bytes exceeds ${MAX_PROPERTIES_BYTES}`));
      const size = recordSize(m.body.length, t, p, m.bornHost.length, m.storeHost.length);
      if (size > cl.maxRecordInSegment()) return this.refuse(done, statusResult('MESSAGE_ILLEGAL', `record size ${size} does not fit a commit-log segment of ${cl.segmentSize} bytes`));
      topicBytes[i] = t;
      propBytes[i] = p;
      sizes[i] = size;
      total += size;
    }
    if (cl.writePos - cl.committed + total > this.maxUnwrittenBytes && cl.writePos > cl.committed) {
      return this.refuse(done, statusResult('OS_PAGE_CACHE_BUSY', `[PC_SYNCHRONIZED]broker busy: ${cl.writePos - cl.committed} bytes wait for the disk, start flow control for a while`));
    }
    const storeTimestamp = this.now();
    const s = this.scratch;
    let firstPhys = -1;
    let firstQueueOffset = -1;
    let end = 0;
    let batchOffsets: number[] | undefined;
    let waitFlush = this.config.flushDiskType === 'SYNC_FLUSH';
    let last: PendingRecord | null = null;
    for (let i = 0; i < n; i++) {
      const m = msgs[i]!;
      const tran = m.sysFlag & 0xc;
      const inQueue = tran === SYS_FLAG.TRANSACTION_NOT_TYPE || tran === SYS_FLAG.TRANSACTION_COMMIT;
      const cq = inQueue ? this.findOrCreateCq(m.topic, m.queueId) : null;
      const queueOffset = cq ? cq.appendOffset++ : 0;
      const r = cl.reserve(sizes[i]!);
      s.topic = m.topic;
      s.queueId = m.queueId;
      s.flag = m.flag;
      s.queueOffset = queueOffset;
      s.physicalOffset = r.phys;
      s.sysFlag = m.sysFlag;
      s.bornTimestamp = m.bornTimestamp;
      s.bornHost = m.bornHost;
      s.storeTimestamp = storeTimestamp;
      s.storeHost = m.storeHost;
      s.reconsumeTimes = m.reconsumeTimes;
      s.preparedTransactionOffset = m.preparedTransactionOffset;
      s.body = m.body;
      s.properties = m.properties ?? '';
      encodeRecordInto(r.buf, r.pos, s, topicBytes[i], propBytes[i]);
      const tagsCode = m.tagsCode ?? this.tagsCodeOf(m.topic, s.properties, storeTimestamp);
      last = new PendingRecord(r.phys, sizes[i]!, cq, queueOffset, tagsCode, storeTimestamp, m.topic, s.properties, m.sysFlag);
      this.records.push(last);
      if (firstPhys < 0) {
        firstPhys = r.phys;
        firstQueueOffset = queueOffset;
      }
      if (n > 1) (batchOffsets ??= []).push(r.phys);
      end = r.phys + sizes[i]!;
      if (waitFlush && s.properties && findProperty(s.properties, NEEDLE_WAIT) === 'false') waitFlush = false;
    }
    this.stats.putMessageTimesTotal += n;
    this.stats.putMessageSizeTotal += total;
    const appendResult = new StoredAppendResult(firstPhys, total, firstQueueOffset, n, storeTimestamp, msgs[0]!.storeHost, batchOffsets, this);
    const result: PutMessageResult = { status: 'PUT_OK', appendResult };
    last!.end = end;
    last!.result = result;
    last!.waitFlush = waitFlush;
    last!.resolve = done;
  }

  /** Commit-log bytes up to `committed` are in the OS: dispatch them, answer the appends. */
  private onWritten(committed: number): void {
    const recs = this.records;
    const first = this.recordHead;
    let i = first;
    while (i < recs.length && recs[i]!.phys + recs[i]!.size <= committed) i++;
    try {
      this.dispatchWritten(first, i, committed);
    } catch (e) {
      // the records are in the log; a restart dispatches them again
      this.log.error({ err: e }, 'dispatch after a commit-log write failed');
    }
    this.answerAppends(first, i);
    if (this.commitListener) {
      try {
        this.commitListener(committed);
      } catch (e) {
        this.log.error({ err: e }, 'commit listener threw');
      }
    }
    if (i >= recs.length) {
      recs.length = 0;
      this.recordHead = 0;
    } else {
      this.recordHead = i;
      if (i > 4096) {
        recs.splice(0, i);
        this.recordHead = 0;
      }
    }
    if (this.lastWriteError) {
      this.log.info({ previous: this.lastWriteError }, 'commit-log writes succeed again');
      this.lastWriteError = null;
    }
  }

  private dispatchWritten(first: number, end: number, committed: number): void {
    const recs = this.records;
    for (let i = first; i < end; i++) {
      const r = recs[i]!;
      this.dispatch(r.topic, r.cq?.queueId ?? 0, r.queueOffset, r.phys, r.size, r.tagsCode, r.storeTimestamp, r.properties, r.sysFlag, r.cq);
      if (r.storeTimestamp > this.lastCommittedTimestamp) this.lastCommittedTimestamp = r.storeTimestamp;
    }
    const visible = this.commitDispatch();
    this.stats.dispatchedRecords += end - first;
    this.rawDispatchPos = committed;
    this.commitLog.lastCommittedTimestamp = this.lastCommittedTimestamp;
    const listener = this.listener;
    if (listener && visible) {
      for (let k = first; k < end; k++) {
        const r = recs[k]!;
        if (!r.cq) continue;
        try {
          // logicOffset = the queue offset of the entry just made visible (what the broker's hold service compares)
          listener(r.topic, r.cq.queueId, r.queueOffset, r.tagsCode, r.storeTimestamp, r.properties);
        } catch (e) {
          this.log.error({ err: e }, 'message arriving listener threw');
        }
      }
    }
  }

  /** Resolves appends whose bytes are written (ASYNC) or queues them for the next fdatasync (SYNC). */
  private answerAppends(first: number, end: number): void {
    const recs = this.records;
    let deadline = 0;
    let waiting = false;
    for (let i = first; i < end; i++) {
      const p = recs[i]!;
      if (!p.resolve) continue;
      if (p.waitFlush) {
        if (deadline === 0) deadline = this.now() + this.config.syncFlushTimeout;
        p.deadline = deadline;
        this.flushWaiters.push(p);
        waiting = true;
      } else this.settle(p, p.result!);
    }
    if (waiting) this.syncFlush();
  }

  private onWriteFailed(err: Error, committed: number): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const remark = `commit-log write failed (${code}): ${err.message}; message not stored`;
    if (this.lastWriteError !== code) this.log.error({ err, committed }, 'commit-log write failed; pending appends refused, log cut back to the last good offset');
    this.lastWriteError = code;
    // records past `committed` were never written: give their queue offsets back, refuse their appends
    const recs = this.records;
    for (let i = this.recordHead; i < recs.length; i++) {
      const r = recs[i]!;
      if (r.cq) r.cq.appendOffset = r.cq.nextExpected();
      if (r.resolve) {
        this.stats.putMessageFailedTimes++;
        r.resolve({ status: 'SERVICE_NOT_AVAILABLE', remark });
      }
    }
    recs.length = 0;
    this.recordHead = 0;
  }

  // ================================================================ flush

  private syncFlush(): void {
    if (this.flushingCommitLog) return;
    void this.flushCommitLog().catch((e) => {
      const remark = `fdatasync failed (${(e as NodeJS.ErrnoException).code ?? e}); message written but not known to be durable`;
      this.log.error({ err: e }, 'commit-log fdatasync failed');
      this.expireFlushWaiters(Number.POSITIVE_INFINITY, remark, this.commitLog.committed);
    });
  }

  /** One fdatasync round (sync or async mode); then answers the covered SYNC_FLUSH appends. */
  private flushCommitLog(): Promise<void> {
    if (this.flushingCommitLog) return this.flushingCommitLog;
    const p = (async () => {
      try {
        const flushed = await this.commitLog.flush();
        if (this.commitLog.flushedTimestamp > this.checkpoint.physicMsgTimestamp) this.checkpoint.physicMsgTimestamp = this.commitLog.flushedTimestamp;
        const w = this.flushWaiters;
        let i = this.flushWaiterHead;
        while (i < w.length && w[i]!.end <= flushed) {
          const p = w[i++]!;
          this.settle(p, p.result!);
        }
        this.compactWaiters(i);
      } finally {
        this.flushingCommitLog = null;
      }
      if (this.flushWaiterHead < this.flushWaiters.length && this.commitLog.committed > this.commitLog.flushed) this.syncFlush();
    })();
    this.flushingCommitLog = p;
    return p;
  }

  private compactWaiters(i: number): void {
    const w = this.flushWaiters;
    if (i >= w.length) {
      w.length = 0;
      this.flushWaiterHead = 0;
    } else if (i > 4096) {
      w.splice(0, i);
      this.flushWaiterHead = 0;
    } else this.flushWaiterHead = i;
  }

  /** Answers FLUSH_DISK_TIMEOUT to waiters whose deadline passed (or all up to `maxEnd`). */
  private expireFlushWaiters(nowMs: number, remark: string, maxEnd = Number.POSITIVE_INFINITY): void {
    const w = this.flushWaiters;
    let i = this.flushWaiterHead;
    while (i < w.length && w[i]!.deadline <= nowMs && w[i]!.end <= maxEnd) {
      const p = w[i++]!;
      this.stats.flushTimeouts++;
      this.settle(p, { status: 'FLUSH_DISK_TIMEOUT', appendResult: p.result!.appendResult, remark });
    }
    this.compactWaiters(i);
  }

  /** fdatasync of consume queues and index, then the checkpoint. */
  flushLogics(): Promise<void> {
    if (this.flushingLogics) return this.flushingLogics;
    const logicsTs = this.lastDispatchedTimestamp;
    const p = (async () => {
      try {
        if (this.touched.size > 0) this.commitDispatch();
        const qs = [...this.dirtyQueues];
        this.dirtyQueues.clear();
        for (const q of qs) await q.flush();
        let indexTs = 0;
        // The index's slot table is 20 MB of random writes (at 200,000 keyed messages a second nearly
        // all of it is dirty every second): flushed every INDEX_FLUSH_INTERVAL_MS, not with each
        // consume-queue flush. What a crash loses of it is re-indexed from the commit log at start.
        const now = Date.now();
        if (this.config.messageIndexEnable && (now - this.lastIndexFlush >= INDEX_FLUSH_INTERVAL_MS || !this.running)) {
          this.lastIndexFlush = now;
          indexTs = await this.index.flush();
        }
        if (logicsTs > this.checkpoint.logicsMsgTimestamp) this.checkpoint.logicsMsgTimestamp = logicsTs;
        if (indexTs > this.checkpoint.indexMsgTimestamp) this.checkpoint.indexMsgTimestamp = indexTs;
        await this.checkpoint.flush();
      } finally {
        this.flushingLogics = null;
      }
    })();
    this.flushingLogics = p;
    return p;
  }

  // ================================================================ read

  getMessage(group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, maxTotalBytes: number, filter?: MessageFilter): GetMessageResult {
    void group;
    const res: GetMessageResult = { status: 'NO_MESSAGE_IN_QUEUE', nextBeginOffset: offset, minOffset: 0, maxOffset: 0, messages: [], queueOffsets: [], bufferTotalSize: 0, suggestPullingFromSlave: false };
    const cq = this.findCq(topic, queueId);
    const minOffset = cq ? cq.minOffset : 0;
    const maxOffset = cq ? cq.maxOffset : 0;
    res.minOffset = minOffset;
    res.maxOffset = maxOffset;
    if (!cq || maxOffset === 0) {
      res.status = 'NO_MESSAGE_IN_QUEUE';
      res.nextBeginOffset = 0;
    } else if (offset < minOffset) {
      res.status = 'OFFSET_TOO_SMALL';
      res.nextBeginOffset = minOffset;
    } else if (offset === maxOffset) {
      res.status = 'OFFSET_OVERFLOW_ONE';
      res.nextBeginOffset = offset;
    } else if (offset > maxOffset) {
      res.status = 'OFFSET_OVERFLOW_BADLY';
      res.nextBeginOffset = minOffset === 0 ? minOffset : maxOffset;
    } else {
      this.readMessages(cq, offset, maxMsgNums, maxTotalBytes, filter, res);
    }
    if (res.status === 'FOUND') {
      this.stats.getMessageTimesTotalFound++;
      this.stats.getMessageTransferedMsgCount += res.messages.length;
    } else this.stats.getMessageTimesTotalMiss++;
    return res;
  }

  private readMessages(cq: ConsumeQueue, offset: number, maxMsgNums: number, maxTotalBytes: number, filter: MessageFilter | undefined, res: GetMessageResult): void {
    const cfg = this.config;
    // RocketMQ's isTheBatchFull for data in the page cache: request limits and the in-memory transfer caps
    let maxNums = Math.max(1, maxMsgNums);
    if (cfg.maxTransferCountOnMessageInMemory > 0) maxNums = Math.min(maxNums, cfg.maxTransferCountOnMessageInMemory);
    let maxBytes = Math.max(1, maxTotalBytes);
    if (cfg.maxTransferBytesOnMessageInMemory > 0) maxBytes = Math.min(maxBytes, cfg.maxTransferBytesOnMessageInMemory);
    const scanEntries = Math.max(800, maxNums);
    const entries = Buffer.allocUnsafe(Math.min(scanEntries, cq.maxOffset - offset) * CQ_STORE_UNIT_SIZE);
    const got = cq.readEntries(offset, scanEntries, entries);
    if (got === 0) {
      res.status = 'OFFSET_FOUND_NULL';
      const perFile = Math.floor(cfg.mappedFileSizeConsumeQueue / CQ_STORE_UNIT_SIZE);
      res.nextBeginOffset = Math.min(cq.maxOffset, offset + perFile - (offset % perFile));
      return;
    }
    const minPhy = this.commitLog.minOffset();
    const maxPhy = this.commitLog.committed;
    let status: GetMessageStatus = 'NO_MATCHED_MESSAGE';
    const physList: number[] = [];
    const sizeList: number[] = [];
    const qoList: number[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < got; i++) {
      const p = i * CQ_STORE_UNIT_SIZE;
      const phys = readInt64BE(entries, p);
      const size = readInt32BE(entries, p + 8);
      if (!isValidEntry(phys, size)) continue;
      if (phys < minPhy || phys + size > maxPhy) {
        if (physList.length === 0) status = 'MESSAGE_WAS_REMOVING';
        continue;
      }
      if (physList.length > 0 && (physList.length >= maxNums || bytes + size > maxBytes)) break;
      if (filter && !filter.isMatchedByConsumeQueue(readInt64BE(entries, p + 12))) continue;
      physList.push(phys);
      sizeList.push(size);
      qoList.push(offset + i);
      bytes += size;
    }
    res.nextBeginOffset = offset + i;
    if (physList.length === 0) {
      res.status = status;
      return;
    }
    // one read per run of adjacent records in one segment
    const buf = Buffer.allocUnsafe(bytes);
    let pos = 0;
    const cl = this.commitLog;
    const seg = cl.segmentSize;
    for (let k = 0; k < physList.length; ) {
      let j = k;
      let runBytes = sizeList[k]!;
      const segIdx = Math.floor(physList[k]! / seg);
      while (j + 1 < physList.length && physList[j + 1] === physList[j]! + sizeList[j]! && Math.floor(physList[j + 1]! / seg) === segIdx) {
        j++;
        runBytes += sizeList[j]!;
      }
      const n = cl.read(physList[k]!, buf, pos, runBytes);
      let rp = pos;
      for (let m = k; m <= j; m++) {
        const size = sizeList[m]!;
        if (rp + size <= pos + n && readInt32BE(buf, rp) === size) {
          const magic = readInt32BE(buf, rp + 4);
          if (magic === MAGIC.MESSAGE_V1 || magic === MAGIC.MESSAGE_V2) {
            const rec = buf.subarray(rp, rp + size);
            if (!filter?.isMatchedByCommitLog || filter.isMatchedByCommitLog(rec)) {
              res.messages.push(rec);
              res.queueOffsets.push(qoList[m]!);
              res.bufferTotalSize += size;
            }
          } else this.log.warn({ phys: physList[m], topic: cq.topic, queueId: cq.queueId }, 'consume-queue entry does not point at a record');
        }
        rp += size;
      }
      pos += runBytes;
      k = j + 1;
    }
    res.status = res.messages.length > 0 ? 'FOUND' : status;
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.findCq(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.findCq(topic, queueId)?.minOffset ?? 0;
  }

  getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): number {
    const cq = this.findCq(topic, queueId);
    if (!cq || consumeQueueOffset < cq.minOffset) return -1;
    const e = cq.readEntry(consumeQueueOffset);
    return e && isValidEntry(e.phys, e.size) ? e.phys : -1;
  }

  /** Store timestamp of the record a queue entry points at, or -1. */
  private storeTimeAt(cq: ConsumeQueue, queueOffset: number): number {
    const e = cq.readEntry(queueOffset);
    if (!e || !isValidEntry(e.phys, e.size) || e.phys < this.commitLog.minOffset()) return -1;
    const head = Buffer.allocUnsafe(80);
    if (this.commitLog.read(e.phys, head, 0, 80) < 80) return -1;
    const magic = readInt32BE(head, 4);
    if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) return -1;
    return readInt64BE(head, storeTimestampPos(readInt32BE(head, 36)));
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number {
    const cq = this.findCq(topic, queueId);
    if (!cq) return 0;
    let lo = cq.minOffset;
    let hi = cq.maxOffset;
    // first offset whose store time >= timestamp (store times grow with queue offsets)
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const t = this.storeTimeAt(cq, mid);
      if (t >= 0 && t < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  getEarliestMessageTime(topic: string, queueId: number): number {
    const cq = this.findCq(topic, queueId);
    if (!cq || cq.maxOffset <= cq.minOffset) return -1;
    return this.storeTimeAt(cq, cq.minOffset);
  }

  getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): number {
    const cq = this.findCq(topic, queueId);
    if (!cq || consumeQueueOffset < cq.minOffset) return -1;
    return this.storeTimeAt(cq, consumeQueueOffset);
  }

  selectOneMessageByOffset(commitLogOffset: number): Buffer | null {
    return this.commitLog.readRecord(commitLogOffset);
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult {
    const out: QueryMessageResult = { messages: [], indexLastUpdateTimestamp: 0, indexLastUpdatePhyoffset: 0 };
    if (!this.config.messageIndexEnable) return out;
    const last = this.index.lastUpdate();
    out.indexLastUpdateTimestamp = last.timestamp;
    out.indexLastUpdatePhyoffset = last.phyOffset;
    const phys = this.index.query(topic, key, Math.max(0, maxNum), begin, end);
    const seen = new Set<number>();
    for (const p of phys) {
      if (seen.has(p)) continue;
      seen.add(p);
      const rec = this.commitLog.readRecord(p);
      if (rec) out.messages.push(rec);
    }
    return out;
  }

  getMinPhyOffset(): number {
    return this.commitLog.minOffset();
  }

  getMaxPhyOffset(): number {
    return this.commitLog.committed;
  }

  listQueues(): Array<{ topic: string; queueId: number; minOffset: number; maxOffset: number }> {
    const out: Array<{ topic: string; queueId: number; minOffset: number; maxOffset: number }> = [];
    for (const cq of this.allQueues()) out.push({ topic: cq.topic, queueId: cq.queueId, minOffset: cq.minOffset, maxOffset: cq.maxOffset });
    return out;
  }

  deleteTopics(topics: string[]): void {
    for (const t of topics) {
      const list = this.queues.get(t);
      if (!list) continue;
      for (const cq of list.values()) {
        this.dirtyQueues.delete(cq);
        this.touched.delete(cq);
        cq.destroy();
      }
      this.queues.delete(t);
      this.io.rmrf(`${this.root}/consumequeue/${t}`);
      this.log.info({ topic: t }, 'consume queues of deleted topic removed');
    }
  }

  getCommitLogData(offset: number, maxBytes: number): Buffer | null {
    const cl = this.commitLog;
    if (offset < cl.minOffset() || offset >= cl.committed || maxBytes <= 0) return null;
    const seg = cl.segmentFor(offset);
    if (!seg) return null;
    const n = Math.min(maxBytes, cl.committed - offset, seg.start + cl.segmentSize - offset);
    const buf = Buffer.allocUnsafe(n);
    const got = cl.read(offset, buf, 0, n);
    return got > 0 ? buf.subarray(0, got) : null;
  }

  async appendToCommitLog(startOffset: number, data: Buffer): Promise<boolean> {
    const cl = this.commitLog;
    if (!this.running || startOffset !== cl.committed || cl.hasPendingWrites()) return false;
    if (data.length === 0) return true;
    try {
      await cl.appendRaw(startOffset, data);
    } catch (e) {
      this.log.error({ err: e, startOffset }, 'replicated commit-log append failed');
      return false;
    }
    // dispatch the complete records received so far
    const { end } = cl.scan(this.rawDispatchPos, true, (r) => {
      if (r.phys + r.size > cl.committed) return;
      this.dispatchRecovered(r, cl.committed);
    }, () => this.commitDispatch());
    this.commitDispatch();
    this.rawDispatchPos = Math.min(end, cl.committed);
    for (const cq of this.allQueues()) cq.appendOffset = cq.maxOffset;
    return true;
  }

  setMessageArrivingListener(listener: MessageArrivingListener | undefined): void {
    this.listener = listener;
  }

  setCommitListener(listener: ((committed: number) => void) | undefined): void {
    this.commitListener = listener;
  }

  getRuntimeInfo(): Record<string, string> {
    const cl = this.commitLog;
    const space = this.io.statfs(cl.dir);
    const out: Record<string, string> = {
      commitLogMinOffset: String(cl.minOffset()),
      commitLogMaxOffset: String(cl.committed),
      commitLogFlushedOffset: String(cl.flushed),
      putMessageTimesTotal: String(this.stats.putMessageTimesTotal),
      putMessageSizeTotal: String(this.stats.putMessageSizeTotal),
      putMessageFailedTimes: String(this.stats.putMessageFailedTimes),
      getMessageTimesTotalFound: String(this.stats.getMessageTimesTotalFound),
      getMessageTimesTotalMiss: String(this.stats.getMessageTimesTotalMiss),
      getMessageTransferedMsgCount: String(this.stats.getMessageTransferedMsgCount),
      dispatchBehindBytes: '0',
      commitLogWriteCalls: String(cl.stats.writeCalls),
      commitLogSyncCalls: String(cl.stats.syncCalls),
      flushDiskTimeouts: String(this.stats.flushTimeouts),
      earliestMessageTimeStamp: String(this.earliestCommitLogTime()),
      storeStatus: this.readOnlyReason ? `READ_ONLY: ${this.readOnlyReason}` : this.lastWriteError ? `WRITE_ERROR: ${this.lastWriteError}` : 'OK',
    };
    if (space) out.commitLogDiskRatio = String(1 - space.freeBytes / space.totalBytes);
    return out;
  }

  private earliestCommitLogTime(): number {
    const seg = this.commitLog.segments[0];
    return seg ? this.commitLog.firstRecordTimestamp(seg) : -1;
  }

  // ================================================================ retention

  /**
   * Deletes expired commit-log segments (older than fileReservedTime hours, at a `deleteWhen` hour or
   * when the disk is fuller than diskMaxUsedSpaceRatio; when it is, the oldest go regardless of age),
   * never the active one; then consume-queue and index files that only point below the new minimum.
   * Returns the number of commit-log segments deleted.
   */
  cleanExpiredFiles(forceNow: boolean): number {
    const cfg = this.config;
    const nowMs = this.now();
    const hour = new Date(nowMs).getHours();
    const hours = cfg.deleteWhen.split(';').map((h) => Number(h.trim())).filter((h) => Number.isInteger(h));
    const timeUp = hours.includes(hour);
    const space = this.io.statfs(this.commitLog.dir);
    const usedPct = space && space.totalBytes > 0 ? (1 - space.freeBytes / space.totalBytes) * 100 : 0;
    const diskFull = usedPct > cfg.diskMaxUsedSpaceRatio;
    if (!forceNow && !timeUp && !diskFull) return 0;
    const reservedMs = cfg.fileReservedTime * 3_600_000;
    let deleted = 0;
    const maxPerRun = 10;
    while (this.commitLog.segments.length > 1 && deleted < maxPerRun) {
      const seg = this.commitLog.segments[0]!;
      const st = this.io.stat(seg.path);
      const expired = st !== null && st.mtimeMs + reservedMs <= nowMs;
      if (!expired && !diskFull) break;
      this.log.info({ path: seg.path, expired, diskFull, usedPct: Math.round(usedPct) }, 'deleting commit-log segment');
      this.commitLog.deleteSegment(seg);
      deleted++;
    }
    if (deleted > 0) {
      const minPhy = this.commitLog.minOffset();
      for (const cq of this.allQueues()) cq.deleteExpired(minPhy);
      this.index.deleteExpired(minPhy);
    }
    this.lastCleanRun = nowMs;
    return deleted;
  }
}
