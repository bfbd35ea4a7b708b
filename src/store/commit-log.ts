/**
 * Commit log: segmented files of back-to-back message records (layout in src/message/message-record.ts,
 * docs/formats/commit-log.md).
 *
 * | Item          | Value                                                                          |
 * |---------------|--------------------------------------------------------------------------------|
 * | Segment       | `mappedFileSizeCommitLog` bytes (1 GiB), created sparse (ftruncate), never zero-filled |
 * | File name     | 20-digit zero-padded start offset                                              |
 * | Record        | message-format.md §1; physical offset = segment start + position               |
 * | Blank marker  | at a segment's end when `recordSize + 8 > bytes left`: int32 bytes left, int32 0xCBD43194 |
 *
 * Write path: appenders encode records straight into a staging buffer (one segment's contiguous range);
 * one positional write per staging buffer, one write in flight at a time; while it runs, new records
 * collect in the next buffer (group write). Writes up to `inlineWriteBytes` are synchronous (the store
 * sets it from transientStorePoolEnable), bigger ones go to the thread pool. `committed` = end of what
 * the OS has; `flushed` = end of what an fdatasync covered. Reads never look past `committed`.
 *
 * Read cache: staging buffers are slices of 4 MiB blocks that keep filling across write rounds, and the
 * last READ_CACHE_BLOCKS blocks stay in memory once written. Reads of recent records (every pull of a
 * consumer that keeps up) are copies from there, not preads: no syscall per pull, and no wait on a page
 * that a concurrent write or fdatasync holds (measured: 1-3 ms stalls of the event loop otherwise).
 */
import type { Logger } from '../common/logger.js';
import { MAGIC } from '../message/message-const.js';
import { bodyCrc, RECORD_FIXED_BYTES_V1_IPV4 } from '../message/message-record.js';
import { readInt64BE } from '../message/int64.js';
import { offsetToFileName, type FileIO } from './file-io.js';
import { crc32 } from 'node:zlib';
import { readInt16BE, readInt32BE, writeInt32BE } from '../common/bytes.js';

export const BLANK_MARKER_BYTES = 8;
export const PHYSICAL_OFFSET_POS = 28;

export interface Segment {
  start: number;
  fd: number;
  path: string;
}

/** A staging/read-cache buffer: buf[0, used) holds the log bytes at [base, base + used). */
interface Block {
  buf: Buffer;
  base: number;
  used: number;
}

/** Blocks kept for reads (the newest is also where records are being staged). */
const READ_CACHE_BLOCKS = 4;

/** A stage this large is written without waiting for the end of the event-loop turn. */
const EAGER_WRITE_BYTES = 256 * 1024;

interface Stage {
  buf: Buffer;
  /** Where this stage starts in buf. */
  off: number;
  /** Physical offset of buf[off]. */
  base: number;
  len: number;
  /** Logical end: base + len, or the segment end when the stage closes a segment with a blank marker. */
  end: number;
}

export interface CommitLogHooks {
  /** Called after bytes up to `committed` are in the OS (in offset order). */
  onWritten(committed: number): void;
  /** A write failed: everything past `committed` was discarded. */
  onWriteFailed(err: Error, committed: number): void;
}

/** Fields of a record the dispatcher needs, parsed without decoding body or properties into objects. */
export interface RecordView {
  phys: number;
  size: number;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  storeTimestamp: number;
  topic: string;
  properties: string;
}

export function isBlankOrRecordMagic(magic: number): boolean {
  return magic === MAGIC.BLANK || magic === MAGIC.MESSAGE_V1 || magic === MAGIC.MESSAGE_V2;
}

/** Store timestamp position inside a record: 56, or 68 when the born host is IPv6. */
export function storeTimestampPos(sysFlag: number): number {
  return (sysFlag & 0x10) !== 0 ? 68 : 56;
}

/**
 * Validates the record at buf[pos..pos+size) (already known to be fully present) and returns its
 * dispatch fields, or a reason string when it is not a valid record for physical offset `phys`.
 */
export function parseRecord(buf: Buffer, pos: number, phys: number, checkCrc: boolean): RecordView | string {
  const size = readInt32BE(buf, pos);
  const magic = readInt32BE(buf, pos + 4);
  if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) return `bad magic 0x${(magic >>> 0).toString(16)}`;
  if (size < RECORD_FIXED_BYTES_V1_IPV4) return `bad size ${size}`;
  if (readInt64BE(buf, pos + PHYSICAL_OFFSET_POS) !== phys) return 'physical offset field mismatch';
  const end = pos + size;
  const sysFlag = readInt32BE(buf, pos + 36);
  // fields no checksum covers: reject values no broker writes
  if ((sysFlag & ~0x7ff) !== 0) return `bad sysFlag 0x${(sysFlag >>> 0).toString(16)}`;
  const queueId = readInt32BE(buf, pos + 12);
  if (queueId < 0 || queueId > 0xffff) return `bad queueId ${queueId}`;
  const qoHigh = readInt32BE(buf, pos + 20);
  if (qoHigh < 0 || qoHigh >= 0x10000) return 'bad queue offset'; // < 2^48: exact as a JS number, far beyond any real queue
  const bornHostLen = (sysFlag & 0x10) !== 0 ? 20 : 8;
  const storeHostLen = (sysFlag & 0x20) !== 0 ? 20 : 8;
  const tsPos = pos + 48 + bornHostLen;
  let p = tsPos + 8 + storeHostLen + 4 + 8;
  if (p + 4 > end) return 'truncated header';
  const bodyLen = readInt32BE(buf, p);
  p += 4;
  if (bodyLen < 0 || p + bodyLen > end) return `bad body length ${bodyLen}`;
  if (checkCrc) {
    const crc = readInt32BE(buf, pos + 8);
    if ((crc32(buf.subarray(p, p + bodyLen)) & 0x7fffffff) !== crc) return 'body CRC mismatch';
  }
  p += bodyLen;
  let topicLen: number;
  if (magic === MAGIC.MESSAGE_V2) {
    if (p + 2 > end) return 'truncated topic length';
    topicLen = readInt16BE(buf, p);
    p += 2;
  } else {
    if (p + 1 > end) return 'truncated topic length';
    topicLen = buf[p]!;
    p += 1;
  }
  if (topicLen <= 0 || p + topicLen + 2 > end) return `bad topic length ${topicLen}`;
  const topic = buf.toString('utf8', p, p + topicLen);
  p += topicLen;
  const propLen = readInt16BE(buf, p);
  p += 2;
  if (propLen < 0 || p + propLen !== end) return `bad properties length ${propLen}`;
  // properties never end with NUL: a zero last byte is a torn (zero-filled) tail
  if (propLen > 0 && buf[end - 1] === 0) return 'torn properties';
  const storeTimestamp = readInt64BE(buf, tsPos);
  if (storeTimestamp <= 0 || readInt32BE(buf, pos + 40) < 0) return 'bad timestamps';
  if (readInt32BE(buf, tsPos + 8 + storeHostLen) < 0) return 'bad reconsume times';
  return {
    phys,
    size,
    queueId,
    queueOffset: readInt64BE(buf, pos + 20),
    sysFlag,
    storeTimestamp,
    topic,
    properties: propLen > 0 ? buf.toString('utf8', p, p + propLen) : '',
  };
}

export { bodyCrc };

export class CommitLog {
  readonly dir: string;
  readonly segmentSize: number;
  private readonly io: FileIO;
  private readonly log: Logger;
  segments: Segment[] = [];

  /** Next physical offset to assign. */
  writePos = 0;
  /** Everything below is written to the OS. */
  committed = 0;
  /** Everything below is covered by a completed fdatasync. */
  flushed = 0;

  private stage: Stage | null = null;
  private readonly sealed: Stage[] = [];
  private readonly pool: Buffer[] = [];
  /** Recent blocks, oldest first (see the read cache above). */
  private cache: Block[] = [];
  private readonly stageCapacity: number;
  private writing = false;
  private scheduled = false;
  private eagerQueued = false;
  private flushing: Promise<number> | null = null;
  /** Writes up to this size are made synchronously (set by the store; 0 = always on the thread pool). */
  inlineWriteBytes = 0;
  /** Set when the owning store halts without cleanup (a simulated dead process): no more I/O. */
  halted = false;
  /** Store timestamp of the last committed record (set by the store; the checkpoint's physicMsgTimestamp). */
  lastCommittedTimestamp = 0;
  /** Store timestamp of the last record covered by a completed fdatasync (checkpoint physicMsgTimestamp). */
  flushedTimestamp = 0;
  hooks: CommitLogHooks | undefined;
  /** Counters for the runtime info and the bench. */
  stats = { writeCalls: 0, writeBytes: 0, syncCalls: 0 };

  constructor(io: FileIO, dir: string, segmentSize: number, maxRecordBytes: number, log: Logger) {
    this.io = io;
    this.dir = dir;
    this.segmentSize = segmentSize;
    this.log = log;
    this.stageCapacity = Math.max(4 * 1024 * 1024, maxRecordBytes + BLANK_MARKER_BYTES);
  }

  /** Opens the existing segments (sorted by start offset). Short files are extended (sparse) to the segment size. */
  load(): void {
    this.io.mkdir(this.dir);
    const names = this.io.readdir(this.dir).filter((n) => /^\d{20}$/.test(n)).sort();
    for (const name of names) {
      const path = `${this.dir}/${name}`;
      const st = this.io.stat(path);
      if (!st || st.isDirectory) continue;
      const start = Number(name);
      if (start % this.segmentSize !== 0) {
        this.log.error({ path, segmentSize: this.segmentSize }, 'commit-log segment name is not a multiple of the segment size');
      }
      if (st.size > this.segmentSize) {
        this.log.error({ path, size: st.size, segmentSize: this.segmentSize }, 'commit-log segment larger than mappedFileSizeCommitLog; extra bytes ignored');
      }
      const fd = this.io.open(path, 'r+');
      if (st.size < this.segmentSize) this.io.ftruncate(fd, this.segmentSize);
      this.segments.push({ start, fd, path });
    }
    for (let i = 1; i < this.segments.length; i++) {
      if (this.segments[i]!.start !== this.segments[i - 1]!.start + this.segmentSize) {
        this.log.error({ after: this.segments[i - 1]!.path, next: this.segments[i]!.path }, 'commit-log segments are not contiguous (missing file)');
      }
    }
  }

  minOffset(): number {
    return this.segments.length ? this.segments[0]!.start : 0;
  }

  segmentFor(phys: number): Segment | undefined {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid]!;
      if (phys < s.start) hi = mid - 1;
      else if (phys >= s.start + this.segmentSize) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  private nextSegmentAfter(phys: number): Segment | undefined {
    for (const s of this.segments) if (s.start > phys) return s;
    return undefined;
  }

  private ensureSegment(start: number): Segment {
    const have = this.segmentFor(start);
    if (have) return have;
    const path = `${this.dir}/${offsetToFileName(start)}`;
    const fd = this.io.open(path, 'w+');
    try {
      this.io.ftruncate(fd, this.segmentSize);
    } catch (e) {
      this.io.close(fd);
      this.io.unlink(path);
      throw e;
    }
    const seg = { start, fd, path };
    this.segments.push(seg);
    this.segments.sort((a, b) => a.start - b.start);
    return seg;
  }

  // ---------------------------------------------------------------- append

  /** Largest record that fits a segment (a record always leaves room for a blank marker). */
  maxRecordInSegment(): number {
    return this.segmentSize - BLANK_MARKER_BYTES;
  }

  /** Starts a block at `base`; retires the oldest cached block once it is written. */
  private newBlock(base: number): Block {
    const b: Block = { buf: this.pool.pop() ?? Buffer.allocUnsafeSlow(this.stageCapacity), base, used: 0 };
    this.cache.push(b);
    while (this.cache.length > READ_CACHE_BLOCKS) {
      const old = this.cache[0]!;
      if (old.base + old.used > this.committed) break; // still being written
      this.cache.shift();
      if (this.pool.length < 1) this.pool.push(old.buf);
    }
    return b;
  }

  /** Forgets cached blocks (the log was cut back or written around the stages). */
  private dropReadCache(): void {
    this.cache = [];
  }

  /** Copies log bytes at [phys, phys + n) from the cached blocks; returns how many leading bytes it had. */
  private readCached(phys: number, buf: Buffer, offset: number, n: number): number {
    const c = this.cache;
    let i = c.length - 1;
    while (i >= 0 && c[i]!.base > phys) i--;
    let got = 0;
    // blocks are in log order and never overlap; a run may continue into the next block
    for (; i >= 0 && i < c.length && got < n; i++) {
      const b = c[i]!;
      const at = phys + got;
      if (at < b.base || at >= b.base + b.used) break;
      const take = Math.min(b.base + b.used - at, n - got);
      b.buf.copy(buf, offset + got, at - b.base, at - b.base + take);
      got += take;
    }
    return got;
  }

  private seal(): void {
    const s = this.stage;
    if (s && s.len > 0) {
      this.sealed.push(s);
      this.stage = null;
    }
  }

  /**
   * Reserves `size` bytes for one record and returns where to encode it. Closes the segment with a
   * blank marker first when the record does not fit. Synchronous; the write happens later.
   */
  reserve(size: number): { buf: Buffer; pos: number; phys: number } {
    const segStart = Math.floor(this.writePos / this.segmentSize) * this.segmentSize;
    const left = segStart + this.segmentSize - this.writePos;
    if (size + BLANK_MARKER_BYTES > left) {
      const m = this.room(BLANK_MARKER_BYTES);
      writeInt32BE(m.buf, left, m.pos);
      writeInt32BE(m.buf, MAGIC.BLANK, m.pos + 4);
      this.writePos += left;
      this.stage!.end = this.writePos;
      this.seal();
    }
    const r = this.room(size);
    this.writePos += size;
    this.stage!.end = this.writePos;
    this.scheduleWrite();
    return r;
  }

  private room(size: number): { buf: Buffer; pos: number; phys: number } {
    let s = this.stage;
    if (s && s.off + s.len + size > s.buf.length) {
      this.seal();
      s = null;
    }
    let b = this.cache.length > 0 ? this.cache[this.cache.length - 1]! : undefined;
    if (!s) {
      // continue the current block when it is contiguous with the log and has room
      if (b === undefined || b.base + b.used !== this.writePos || b.used + size > b.buf.length) b = this.newBlock(this.writePos);
      s = { buf: b.buf, off: b.used, base: this.writePos, len: 0, end: this.writePos };
      this.stage = s;
    }
    const pos = s.off + s.len;
    s.len += size;
    b!.used = s.off + s.len;
    return { buf: s.buf, pos, phys: s.base + (pos - s.off) };
  }

  private scheduleWrite(): void {
    if (this.writing) return;
    // A large group goes out at once rather than at the end of the turn: its appends are answered a
    // turn earlier, and (written on the thread pool) the event loop goes on decoding the rest of the
    // read burst meanwhile (pipelining instead of one write per burst of a thousand sends).
    // (In a microtask: the record just reserved is encoded by our caller before the write reads it.)
    if (this.stage !== null && this.stage.len >= EAGER_WRITE_BYTES && !this.eagerQueued) {
      this.eagerQueued = true;
      queueMicrotask(() => {
        this.eagerQueued = false;
        if (!this.writing) void this.writeLoop();
      });
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.writing) void this.writeLoop();
    });
  }

  /** True while appended bytes wait to be written. */
  hasPendingWrites(): boolean {
    return this.writing || this.scheduled || this.sealed.length > 0 || (this.stage !== null && this.stage.len > 0);
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      for (;;) {
        if (this.sealed.length === 0) this.seal();
        const s = this.sealed.shift();
        if (!s) break;
        try {
          await this.writeStage(s);
        } catch (e) {
          if (this.halted) return;
          this.failWrites(e as Error);
          return;
        }
        if (this.halted) return;
        this.committed = s.end;
        this.hooks?.onWritten(this.committed);
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeStage(s: Stage): Promise<void> {
    const seg = this.ensureSegment(Math.floor(s.base / this.segmentSize) * this.segmentSize);
    let done = 0;
    while (done < s.len) {
      // inline: no thread-pool hop (all writes by default; SYNC_FLUSH's small rounds with the transient
      // store pool); otherwise on the thread pool, so encoding continues meanwhile
      const n = s.len - done <= this.inlineWriteBytes
        ? this.io.pwriteSync(seg.fd, s.buf, s.off + done, s.len - done, s.base - seg.start + done)
        : await this.io.pwrite(seg.fd, s.buf, s.off + done, s.len - done, s.base - seg.start + done);
      this.stats.writeCalls++;
      if (n <= 0) throw new Error('write returned 0 bytes');
      done += n;
      this.stats.writeBytes += n;
    }
  }

  /** Drops every staged byte past `committed`, zeroes what a failed write may have left, and tells the store. */
  private failWrites(err: Error): void {
    this.sealed.length = 0;
    this.stage = null;
    this.dropReadCache();
    this.writePos = this.committed;
    try {
      this.cutTail(this.committed);
    } catch (e) {
      this.log.error({ err: e }, 'could not cut the commit log back after a failed write');
    }
    this.hooks?.onWriteFailed(err, this.committed);
  }

  /**
   * Makes `end` the end of the log on disk: the segment holding it is cut to that length and extended
   * again (sparse zeros, so no stale record can reappear), later segments are deleted.
   */
  cutTail(end: number): void {
    this.dropReadCache();
    const keep: Segment[] = [];
    for (const seg of this.segments) {
      if (seg.start > end) {
        this.io.close(seg.fd);
        this.io.unlink(seg.path);
        continue;
      }
      keep.push(seg);
    }
    this.segments = keep;
    const seg = this.segmentFor(end);
    if (seg) {
      this.io.ftruncate(seg.fd, end - seg.start);
      this.io.ftruncate(seg.fd, this.segmentSize);
    }
  }

  /** Replication: raw bytes at exactly `start` (= committed, nothing staged). */
  async appendRaw(start: number, data: Buffer): Promise<void> {
    this.dropReadCache();
    let off = 0;
    while (off < data.length) {
      const phys = start + off;
      const seg = this.ensureSegment(Math.floor(phys / this.segmentSize) * this.segmentSize);
      const n = Math.min(data.length - off, seg.start + this.segmentSize - phys);
      let done = 0;
      while (done < n) {
        const w = await this.io.pwrite(seg.fd, data, off + done, n - done, phys - seg.start + done);
        if (w <= 0) throw new Error('write returned 0 bytes');
        done += w;
      }
      off += n;
      this.writePos = this.committed = phys + n;
    }
  }

  /** Sets all positions after recovery. */
  setRecoveredEnd(end: number): void {
    this.dropReadCache();
    this.writePos = this.committed = this.flushed = end;
  }

  // ---------------------------------------------------------------- flush

  /** fdatasync of every segment holding bytes in [flushed, committed); resolves with the new flushed offset. */
  flush(): Promise<number> {
    if (this.flushing) return this.flushing;
    const target = this.committed;
    const targetTimestamp = this.lastCommittedTimestamp;
    if (target <= this.flushed) return Promise.resolve(this.flushed);
    const p = (async () => {
      try {
        const from = this.flushed;
        for (const seg of this.segments) {
          if (seg.start + this.segmentSize <= from || seg.start >= target) continue;
          if (this.halted) throw new Error('store halted');
          await this.io.fdatasync(seg.fd);
          this.stats.syncCalls++;
        }
        if (target > this.flushed) {
          this.flushed = target;
          if (targetTimestamp > this.flushedTimestamp) this.flushedTimestamp = targetTimestamp;
        }
        return this.flushed;
      } finally {
        this.flushing = null;
      }
    })();
    this.flushing = p;
    return p;
  }

  isFlushing(): boolean {
    return this.flushing !== null;
  }

  // ---------------------------------------------------------------- read

  /** Reads up to `length` bytes at `phys` (within one segment, below `committed`); returns the count. */
  read(phys: number, buf: Buffer, offset: number, length: number, ignoreCommitted = false): number {
    const seg = this.segmentFor(phys);
    if (!seg) return 0;
    const limit = Math.min(ignoreCommitted ? Number.POSITIVE_INFINITY : this.committed, seg.start + this.segmentSize) - phys;
    const n = Math.min(length, limit);
    if (n <= 0) return 0;
    let got = this.cache.length > 0 && phys >= this.cache[0]!.base ? this.readCached(phys, buf, offset, n) : 0;
    while (got < n) {
      const r = this.io.pread(seg.fd, buf, offset + got, n - got, phys - seg.start + got);
      if (r <= 0) break;
      got += r;
    }
    return got;
  }

  /** The record at `phys`, or null (not a record start, not written, or deleted). */
  readRecord(phys: number, ignoreCommitted = false): Buffer | null {
    if (phys < this.minOffset() || (!ignoreCommitted && phys >= this.committed)) return null;
    const head = Buffer.allocUnsafe(8);
    if (this.read(phys, head, 0, 8, ignoreCommitted) < 8) return null;
    const size = readInt32BE(head, 0);
    const magic = readInt32BE(head, 4);
    if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) return null;
    if (size < RECORD_FIXED_BYTES_V1_IPV4 || size > this.segmentSize) return null;
    const buf = Buffer.allocUnsafe(size);
    if (this.read(phys, buf, 0, size, ignoreCommitted) < size) return null;
    return buf;
  }

  // ---------------------------------------------------------------- recovery scan

  /**
   * Walks records from `from` (a record boundary) and returns the end of the valid log. Blank markers jump
   * to the next segment. An invalid record ends the scan, unless a later segment starts with a valid
   * record: then the rest of this segment is reported as lost and the scan goes on there (a corrupted
   * middle segment must not cost the durable records after it).
   */
  scan(from: number, checkCrc: boolean, onRecord?: (r: RecordView) => void, onChunkEnd?: () => void): { end: number; lost: Array<{ from: number; to: number; reason: string }> } {
    const lost: Array<{ from: number; to: number; reason: string }> = [];
    const chunk = Buffer.allocUnsafeSlow(Math.max(8 * 1024 * 1024, this.stageCapacity));
    let phys = from;
    let cBase = -1;
    let cLen = 0;
    const ensure = (need: number, seg: Segment): boolean => {
      if (cBase >= 0 && phys >= cBase && phys + need <= cBase + cLen) return true;
      onChunkEnd?.();
      cBase = phys;
      const want = Math.min(chunk.length, seg.start + this.segmentSize - phys);
      let got = 0;
      while (got < want) {
        const r = this.io.pread(seg.fd, chunk, got, want - got, phys - seg.start + got);
        if (r <= 0) break;
        got += r;
      }
      cLen = got;
      return need <= cLen;
    };
    const check = (at: number, seg: Segment): RecordView | string => {
      const segEnd = seg.start + this.segmentSize;
      if (segEnd - at < 8) return 'no room for a record';
      phys = at;
      if (!ensure(8, seg)) return 'end of file';
      const pos = phys - cBase;
      const size = readInt32BE(chunk, pos);
      const magic = readInt32BE(chunk, pos + 4);
      if (magic === MAGIC.BLANK) {
        return size === segEnd - phys ? 'blank' : 'bad blank marker';
      }
      if (size < RECORD_FIXED_BYTES_V1_IPV4 || size > segEnd - phys) return size === 0 ? 'end' : `bad size ${size}`;
      if (!ensure(size, seg)) return 'truncated record';
      return parseRecord(chunk, phys - cBase, phys, checkCrc);
    };
    for (;;) {
      let seg = this.segmentFor(phys);
      if (!seg) {
        const next = this.nextSegmentAfter(phys);
        if (!next) break;
        lost.push({ from: phys, to: next.start, reason: 'missing segment' });
        phys = next.start;
        continue;
      }
      const at = phys;
      const r = check(at, seg);
      if (typeof r !== 'string') {
        onRecord?.(r);
        phys = at + r.size;
        continue;
      }
      if (r === 'blank') {
        phys = seg.start + this.segmentSize;
        continue;
      }
      // invalid: is there valid data after this segment?
      const next = this.nextSegmentAfter(seg.start);
      if (next) {
        const saved = phys;
        const nr = check(next.start, next);
        phys = saved;
        if (typeof nr !== 'string' || nr === 'blank') {
          lost.push({ from: at, to: next.start, reason: r });
          this.log.error({ from: at, to: next.start, reason: r }, 'corrupted commit-log range skipped; later segments are kept');
          phys = next.start;
          cBase = -1;
          continue;
        }
      }
      phys = at;
      seg = undefined;
      break;
    }
    onChunkEnd?.();
    return { end: phys, lost };
  }

  /** Store timestamp of the first record of a segment, or -1. */
  firstRecordTimestamp(seg: Segment): number {
    const head = Buffer.allocUnsafe(80);
    const n = this.io.pread(seg.fd, head, 0, 80, 0);
    if (n < 80) return -1;
    const magic = readInt32BE(head, 4);
    if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) return -1;
    return readInt64BE(head, storeTimestampPos(readInt32BE(head, 36)));
  }

  /** Deletes whole segments below `offset` (retention); never the last one. */
  deleteSegment(seg: Segment): void {
    this.io.close(seg.fd);
    this.io.unlink(seg.path);
    this.segments = this.segments.filter((s) => s !== seg);
  }

  close(): void {
    for (const s of this.segments) {
      try {
        this.io.close(s.fd);
      } catch {
        /* already gone */
      }
    }
    this.segments = [];
  }
}
