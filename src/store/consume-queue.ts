/**
 * Consume queue: one per topic and queue id, `consumequeue/<topic>/<queueId>/<20-digit start byte offset>`.
 * Big-endian entries (docs/formats/consume-queue.md):
 *
 * | Offset | Size | Field                      |
 * |--------|------|----------------------------|
 * | 0      | 8    | commit-log physical offset |
 * | 8      | 4    | record size                |
 * | 12     | 8    | tagsCode                   |
 *
 * Entry n (the queue offset) lives at byte n × 20 of the queue; files hold `mappedFileSizeConsumeQueue`
 * bytes (300 000 entries) and are created sparse. An entry with size 0 is unwritten; an entry
 * (0, 0x7FFFFFFF, 0) is RocketMQ's filler.
 *
 * Write path: a dispatch batch's entries are appended to a pending buffer; commit() makes them visible
 * (`maxOffset` moves) and queues them as one write job. Jobs are written in order on the thread pool,
 * one at a time, so the event loop never waits on the disk (a positional write to a page under
 * writeback blocks for milliseconds). Reads look in three places: the in-memory tail (the most recent
 * TAIL_ENTRIES entries, what a consumer that keeps up asks for: no syscall per pull), the queued jobs
 * (entries not yet written), and the file (everything below `writtenEnd`).
 */
import type { Logger } from '../common/logger.js';
import { readInt64BE, writeInt64BE } from '../message/int64.js';
import { offsetToFileName, type FileIO } from './file-io.js';
import { readInt32BE, writeInt32BE } from '../common/bytes.js';

export const CQ_STORE_UNIT_SIZE = 20;
/** Entries kept in memory for reads (twice this is allocated, to slide rarely). */
const TAIL_ENTRIES = 512;
/** Least time between the starts of two writes of one queue (see startWriter). */
const WRITE_SPACING_MS = 10;
/** Largest single consume-queue write when queued jobs are merged. */
const MERGE_MAX_BYTES = 1024 * 1024;
/** Retry delay after a failed consume-queue write (the entries stay readable meanwhile). */
const WRITE_RETRY_MS = 1000;

interface WriteJob {
  /** Queue offset of the first entry. */
  from: number;
  count: number;
  bytes: Buffer;
}
const FILLER_SIZE = 0x7fffffff;

interface CqFile {
  /** Start byte offset within the queue. */
  start: number;
  fd: number;
  path: string;
}

export interface CqEntry {
  phys: number;
  size: number;
  tagsCode: number;
}

export function isValidEntry(phys: number, size: number): boolean {
  return size > 0 && size !== FILLER_SIZE && phys >= 0;
}

/** The entry at `p` was written (recovery's test: a filler counts, unlike for isValidEntry). */
function entryWritten(buf: Buffer, p: number): boolean {
  return readInt32BE(buf, p + 8) > 0 && readInt64BE(buf, p) >= 0;
}

export class ConsumeQueue {
  readonly topic: string;
  readonly queueId: number;
  readonly dir: string;
  private readonly io: FileIO;
  private readonly fileSize: number;
  private readonly log: Logger;
  private files: CqFile[] = [];
  /** First readable entry. */
  minOffset = 0;
  /** Next entry to write (visible entries are [minOffset, maxOffset)). */
  maxOffset = 0;
  /** End (phys + size) of the last entry's record. */
  maxPhysicEnd = 0;
  /** Next queue offset the commit log will assign (set by the store). */
  appendOffset = 0;

  private pending: Buffer = Buffer.alloc(0);
  private pendingLen = 0;
  private pendingFrom = 0;
  private pendingEnd = 0;
  private dirty = new Set<CqFile>();
  /** Recent entries [tailFrom, tailFrom + tailLen); when non-empty it ends at maxOffset. */
  private tail: Buffer | null = null;
  private tailFrom = 0;
  private tailLen = 0;
  /** Committed entries not yet in the file, oldest first. */
  private jobs: WriteJob[] = [];
  /** Entries below this are in the file. */
  private writtenEnd = 0;
  private writer: Promise<void> | null = null;
  private lastWriteStart = 0;
  /** Set while the writer waits: for the spacing between two writes, or to retry a failed one. */
  private wakeTimer: NodeJS.Timeout | null = null;
  /** Bumped by truncation: a write in flight across one re-applies it when it lands. */
  private generation = 0;
  private truncatedTo = -1;
  private closed = false;
  private drainWaiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(io: FileIO, rootDir: string, topic: string, queueId: number, fileSize: number, log: Logger) {
    this.io = io;
    this.topic = topic;
    this.queueId = queueId;
    this.dir = `${rootDir}/${topic}/${queueId}`;
    this.fileSize = fileSize - (fileSize % CQ_STORE_UNIT_SIZE);
    this.log = log;
  }

  load(): void {
    const names = this.io.readdir(this.dir).filter((n) => /^\d{20}$/.test(n)).sort();
    for (const name of names) {
      const path = `${this.dir}/${name}`;
      const st = this.io.stat(path);
      if (!st || st.isDirectory) continue;
      const fd = this.io.open(path, 'r+');
      if (st.size < this.fileSize) this.io.ftruncate(fd, this.fileSize);
      this.files.push({ start: Number(name), fd, path });
    }
  }

  private fileFor(bytePos: number): CqFile | undefined {
    const f = this.files;
    let lo = 0;
    let hi = f.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = f[mid]!;
      if (bytePos < x.start) hi = mid - 1;
      else if (bytePos >= x.start + this.fileSize) lo = mid + 1;
      else return x;
    }
    return undefined;
  }

  private ensureFile(bytePos: number): CqFile {
    const have = this.fileFor(bytePos);
    if (have) return have;
    this.io.mkdir(this.dir);
    const start = Math.floor(bytePos / this.fileSize) * this.fileSize;
    const path = `${this.dir}/${offsetToFileName(start)}`;
    const fd = this.io.open(path, 'w+');
    this.io.ftruncate(fd, this.fileSize);
    const file = { start, fd, path };
    this.files.push(file);
    this.files.sort((a, b) => a.start - b.start);
    return file;
  }

  /**
   * Finds the end of the valid entries after a restart.
   *
   * After a crash (`fullScan`) the entries are read forward from the third-last file (as Java's
   * ConsumeQueue.recover does) up to the first invalid one, across file boundaries: the files are
   * written in order but not made durable in order (a flush syncs them one by one, and the kernel may
   * write any dirty page back first), so after a power loss a later file can hold entries while an
   * earlier one has a hole. Everything from the hole on is cut and dispatched again from the commit log.
   * After a clean stop, where every write was synced, a binary search in the last non-empty file finds
   * the boundary.
   */
  recover(fullScan: boolean): void {
    if (this.files.length === 0) return;
    const end = fullScan ? this.scanValidEnd() : this.searchValidEnd();
    this.maxOffset = end / CQ_STORE_UNIT_SIZE;
    this.writtenEnd = this.maxOffset;
    this.tailLen = 0;
    this.jobs = [];
    // zero anything after the end (a torn tail must not reappear), drop files entirely past it
    this.truncateBytes(end);
    this.maxPhysicEnd = 0;
    if (this.maxOffset > 0) {
      const last = this.readEntry(this.maxOffset - 1);
      if (last && isValidEntry(last.phys, last.size)) this.maxPhysicEnd = last.phys + last.size;
    }
    this.minOffset = this.files.length ? this.files[0]!.start / CQ_STORE_UNIT_SIZE : 0;
  }

  /** Byte position after the last entry of the unbroken run that starts at the third-last file. */
  private scanValidEnd(): number {
    const first = Math.max(0, this.files.length - 3);
    let end = this.files[first]!.start;
    const chunk = Buffer.allocUnsafe(Math.min(this.fileSize, 1 << 20));
    // a queue's first file may begin with unused entries (the queue starts past them): skip those
    let started = first > 0;
    for (let i = first; i < this.files.length; i++) {
      const file = this.files[i]!;
      if (file.start !== end) break; // a missing file: the run ends before it
      let pos = 0;
      while (pos < this.fileSize) {
        const n = this.io.pread(file.fd, chunk, 0, Math.min(chunk.length, this.fileSize - pos), pos);
        let p = 0;
        for (; p + CQ_STORE_UNIT_SIZE <= n; p += CQ_STORE_UNIT_SIZE) {
          if (entryWritten(chunk, p)) started = true;
          else if (started) return file.start + pos + p;
        }
        if (p === 0) return started ? file.start + pos : this.files[0]!.start;
        pos += p;
      }
      if (!started) return this.files[0]!.start;
      end = file.start + this.fileSize;
    }
    return end;
  }

  /** Byte position after the last valid entry of the last non-empty file (a binary search). */
  private searchValidEnd(): number {
    const entry = Buffer.allocUnsafe(CQ_STORE_UNIT_SIZE);
    const valid = (file: CqFile, idx: number): boolean => {
      const n = this.io.pread(file.fd, entry, 0, CQ_STORE_UNIT_SIZE, idx * CQ_STORE_UNIT_SIZE);
      if (n < CQ_STORE_UNIT_SIZE) return false;
      return entryWritten(entry, 0);
    };
    const perFile = this.fileSize / CQ_STORE_UNIT_SIZE;
    for (let i = this.files.length - 1; i >= 0; i--) {
      const file = this.files[i]!;
      // entries are written in order: valid ... valid, unwritten ...; find the first unwritten one
      let lo = 0;
      let hi = perFile;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (valid(file, mid)) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) return file.start + lo * CQ_STORE_UNIT_SIZE;
      // an empty last file: the previous one holds the end
    }
    return this.files[0]!.start;
  }

  private truncateBytes(end: number): void {
    const keep: CqFile[] = [];
    for (const f of this.files) {
      if (f.start >= end && !(f.start === end && keep.length === 0)) {
        this.io.close(f.fd);
        this.io.unlink(f.path);
        this.dirty.delete(f);
        continue;
      }
      keep.push(f);
    }
    this.files = keep;
    const f = this.fileFor(end);
    if (f && end - f.start < this.fileSize) {
      this.io.ftruncate(f.fd, end - f.start);
      this.io.ftruncate(f.fd, this.fileSize);
    }
  }

  /** Moves minOffset to the first valid entry whose record is at or above `minPhys` (after retention or load). */
  correctMinOffset(minPhys: number): void {
    if (this.files.length === 0) {
      this.minOffset = this.maxOffset;
      return;
    }
    const first = this.files[0]!;
    let off = Math.max(this.minOffset, first.start / CQ_STORE_UNIT_SIZE);
    const chunk = Buffer.allocUnsafe(64 * 1024);
    while (off < this.maxOffset) {
      const n = this.readEntries(off, Math.min(this.maxOffset - off, chunk.length / CQ_STORE_UNIT_SIZE), chunk);
      if (n === 0) {
        // file missing: skip to the next one
        const next = this.files.find((f) => f.start > off * CQ_STORE_UNIT_SIZE);
        if (!next || next.start / CQ_STORE_UNIT_SIZE <= off) break;
        off = next.start / CQ_STORE_UNIT_SIZE;
        continue;
      }
      for (let i = 0; i < n; i++) {
        const phys = readInt64BE(chunk, i * CQ_STORE_UNIT_SIZE);
        const size = readInt32BE(chunk, i * CQ_STORE_UNIT_SIZE + 8);
        if (isValidEntry(phys, size) && phys >= minPhys) {
          this.minOffset = off + i;
          return;
        }
      }
      off += n;
    }
    this.minOffset = this.maxOffset;
  }

  // ---------------------------------------------------------------- write

  /** Buffers an entry for queue offset `queueOffset` (must be >= maxOffset and >= pending end). */
  append(queueOffset: number, phys: number, size: number, tagsCode: number): void {
    if (this.pendingLen === 0) {
      this.pendingFrom = queueOffset;
      this.pendingEnd = queueOffset;
    } else if (queueOffset !== this.pendingEnd) {
      // not contiguous (a gap in queue offsets): write what we have first
      this.commit();
      this.pendingFrom = this.pendingEnd = queueOffset;
    }
    const need = (this.pendingLen + 1) * CQ_STORE_UNIT_SIZE;
    if (need > this.pending.length) {
      const nb = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2, 1024));
      this.pending.copy(nb, 0, 0, this.pendingLen * CQ_STORE_UNIT_SIZE);
      this.pending = nb;
    }
    const p = this.pendingLen * CQ_STORE_UNIT_SIZE;
    writeInt64BE(this.pending, phys, p);
    writeInt32BE(this.pending, size, p + 8);
    writeInt64BE(this.pending, tagsCode, p + 12);
    this.pendingLen++;
    this.pendingEnd++;
    if (phys + size > this.maxPhysicEnd) this.maxPhysicEnd = phys + size;
  }

  /** Queue offset the next appended entry must have. */
  nextExpected(): number {
    return this.pendingLen > 0 ? this.pendingEnd : this.maxOffset;
  }

  /** Makes the pending entries visible and queues them for writing. */
  commit(): void {
    if (this.pendingLen === 0) return;
    const n = this.pendingLen;
    const bytes = Buffer.allocUnsafe(n * CQ_STORE_UNIT_SIZE);
    this.pending.copy(bytes, 0, 0, n * CQ_STORE_UNIT_SIZE);
    const from = this.pendingFrom;
    this.pendingLen = 0;
    // a queue's first entries (no file yet, nothing queued) set where it starts
    const first = this.files.length === 0 && this.jobs.length === 0;
    this.jobs.push({ from, count: n, bytes });
    this.appendTail(from, bytes, n);
    if (first) this.minOffset = from;
    this.maxOffset = this.pendingEnd;
    this.startWriter();
  }

  private appendTail(from: number, bytes: Buffer, n: number): void {
    const cap = 2 * TAIL_ENTRIES;
    if (this.tail === null) this.tail = Buffer.allocUnsafe(cap * CQ_STORE_UNIT_SIZE);
    if (this.tailLen === 0 || this.tailFrom + this.tailLen !== from) {
      // first entries, or a gap in queue offsets: start over at `from`
      this.tailFrom = from;
      this.tailLen = 0;
    }
    if (n >= TAIL_ENTRIES) {
      bytes.copy(this.tail, 0, (n - TAIL_ENTRIES) * CQ_STORE_UNIT_SIZE, n * CQ_STORE_UNIT_SIZE);
      this.tailFrom = from + n - TAIL_ENTRIES;
      this.tailLen = TAIL_ENTRIES;
      return;
    }
    if (this.tailLen + n > cap) {
      // slide: keep the newest TAIL_ENTRIES - n
      const keep = TAIL_ENTRIES - n;
      this.tail.copyWithin(0, (this.tailLen - keep) * CQ_STORE_UNIT_SIZE, this.tailLen * CQ_STORE_UNIT_SIZE);
      this.tailFrom += this.tailLen - keep;
      this.tailLen = keep;
    }
    bytes.copy(this.tail, this.tailLen * CQ_STORE_UNIT_SIZE, 0, n * CQ_STORE_UNIT_SIZE);
    this.tailLen += n;
  }

  private startWriter(): void {
    if (this.writer !== null || this.wakeTimer !== null || this.closed || this.jobs.length === 0) return;
    // Writes of one queue start at least WRITE_SPACING_MS apart: the entries are readable from memory
    // meanwhile, and each write costs a thread-pool wake-up that competes with the event loop for the
    // cores (at 200,000 msg/s over 8 queues, unspaced writes took a tenth of the broker's CPU).
    const wait = this.lastWriteStart + WRITE_SPACING_MS - Date.now();
    if (wait > 0) {
      this.wakeWriterIn(wait);
      return;
    }
    this.lastWriteStart = Date.now();
    const w = this.writeJobs().finally(() => {
      if (this.writer !== w) return;
      this.writer = null;
      // jobs committed between the loop's last check and now (startWriter waits out a pending retry)
      this.startWriter();
    });
    this.writer = w;
  }

  private wakeWriterIn(ms: number): void {
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.startWriter();
    }, ms);
    this.wakeTimer.unref?.();
  }

  /** Cancels a pending wake; true when there was one. */
  private cancelWake(): boolean {
    if (this.wakeTimer === null) return false;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    return true;
  }

  /**
   * Writes the queued jobs, merged, in one write (more than MERGE_MAX_BYTES: the first such run; the
   * rest follows after the spacing); on failure logs, keeps them, and retries later.
   */
  private async writeJobs(): Promise<void> {
    for (let round = 0; round < 1 || (this.draining() && round < 64); round++) {
      if (this.jobs.length === 0 || this.closed) return;
      // everything queued behind the previous write goes out in one: under load that is one write per
      // queue per disk round trip, not one per dispatch batch
      if (this.jobs.length > 1) this.mergeLeadingJobs();
      const job = this.jobs[0]!;
      const gen = this.generation;
      try {
        let bytePos = job.from * CQ_STORE_UNIT_SIZE;
        let off = 0;
        const total = job.count * CQ_STORE_UNIT_SIZE;
        while (off < total) {
          const f = this.ensureFile(bytePos);
          const n = Math.min(total - off, f.start + this.fileSize - bytePos);
          let done = 0;
          while (done < n) {
            const w = await this.io.pwrite(f.fd, job.bytes, off + done, n - done, bytePos - f.start + done);
            if (w <= 0) throw new Error('write returned 0 bytes');
            done += w;
          }
          this.dirty.add(f);
          off += n;
          bytePos += n;
        }
      } catch (e) {
        if (this.closed) return;
        this.log.error({ err: e, topic: this.topic, queueId: this.queueId }, 'consume-queue write failed; entries kept in memory, retrying');
        this.settleDrains(e as Error);
        this.wakeWriterIn(WRITE_RETRY_MS);
        return;
      }
      if (gen !== this.generation) {
        // truncated while this write was in flight: cut what it may have put back
        this.truncateBytes(this.truncatedTo * CQ_STORE_UNIT_SIZE);
      } else if (this.jobs[0] === job) {
        this.jobs.shift();
        if (job.from + job.count > this.writtenEnd) this.writtenEnd = job.from + job.count;
        this.settleDrains();
      }
    }
  }

  /** A flush waits for entries: write on without spacing. */
  private draining(): boolean {
    return this.drainWaiters.length > 0;
  }

  /** Replaces the leading run of contiguous jobs (up to MERGE_MAX_BYTES) by one. */
  private mergeLeadingJobs(): void {
    const jobs = this.jobs;
    let k = 1;
    let bytes = jobs[0]!.bytes.length;
    while (k < jobs.length && jobs[k]!.from === jobs[k - 1]!.from + jobs[k - 1]!.count && bytes + jobs[k]!.bytes.length <= MERGE_MAX_BYTES) {
      bytes += jobs[k]!.bytes.length;
      k++;
    }
    if (k === 1) return;
    const buf = Buffer.allocUnsafe(bytes);
    let o = 0;
    for (let i = 0; i < k; i++) o += jobs[i]!.bytes.copy(buf, o);
    jobs.splice(0, k, { from: jobs[0]!.from, count: bytes / CQ_STORE_UNIT_SIZE, bytes: buf });
  }

  /**
   * Resolves once every entry committed before the call is in the file; rejects when a write failed
   * (the entries stay queued and are retried) or the queue was closed first.
   */
  drain(): Promise<void> {
    const target = this.maxOffset;
    // a flush does not wait for the spacing, nor for the retry delay after a failed write (the space
    // may be back): it tries now, and fails if that write fails again
    if (this.cancelWake()) {
      this.lastWriteStart = 0;
      this.startWriter();
    }
    if (this.jobs.length === 0 || this.jobs[0]!.from >= target) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`consume queue ${this.topic}/${this.queueId} closed with unwritten entries`));
    return new Promise((resolve, reject) => this.drainWaiters.push({ target, resolve, reject }));
  }

  private settleDrains(err?: Error): void {
    if (this.drainWaiters.length === 0) return;
    const left: typeof this.drainWaiters = [];
    for (const w of this.drainWaiters) {
      if (err) w.reject(err);
      else if (this.jobs.length === 0 || this.jobs[0]!.from >= w.target) w.resolve();
      else left.push(w);
    }
    this.drainWaiters = left;
  }

  /** Forgets pending entries (a failed dispatch batch). */
  dropPending(): void {
    this.pendingLen = 0;
  }

  async flush(): Promise<void> {
    await this.drain();
    if (this.dirty.size === 0) return;
    const files = [...this.dirty];
    this.dirty.clear();
    for (const f of files) await this.io.fdatasync(f.fd);
  }

  // ---------------------------------------------------------------- read

  /**
   * Reads up to `count` entries from `offset` into `buf`; returns the number read (fewer at the end of
   * the queue, of a file, or where the memory tail begins).
   */
  readEntries(offset: number, count: number, buf: Buffer): number {
    const max = Math.min(count, this.maxOffset - offset, Math.floor(buf.length / CQ_STORE_UNIT_SIZE));
    if (max <= 0 || offset < 0) return 0;
    // the memory tail (a consumer that keeps up)
    if (this.tailLen > 0 && offset >= this.tailFrom) {
      const n = Math.min(max, this.tailFrom + this.tailLen - offset);
      if (n <= 0) return 0;
      this.tail!.copy(buf, 0, (offset - this.tailFrom) * CQ_STORE_UNIT_SIZE, (offset - this.tailFrom + n) * CQ_STORE_UNIT_SIZE);
      return n;
    }
    // committed but not yet written
    if (offset >= this.writtenEnd) {
      for (const j of this.jobs) {
        if (offset >= j.from && offset < j.from + j.count) {
          const n = Math.min(max, j.from + j.count - offset);
          j.bytes.copy(buf, 0, (offset - j.from) * CQ_STORE_UNIT_SIZE, (offset - j.from + n) * CQ_STORE_UNIT_SIZE);
          return n;
        }
      }
    }
    const bytePos = offset * CQ_STORE_UNIT_SIZE;
    const f = this.fileFor(bytePos);
    if (!f) return 0;
    let maxCount = Math.min(max, (f.start + this.fileSize - bytePos) / CQ_STORE_UNIT_SIZE);
    if (this.tailLen > 0 && this.tailFrom > offset) maxCount = Math.min(maxCount, this.tailFrom - offset);
    if (offset < this.writtenEnd) maxCount = Math.min(maxCount, this.writtenEnd - offset);
    if (maxCount <= 0) return 0;
    const n = this.io.pread(f.fd, buf, 0, maxCount * CQ_STORE_UNIT_SIZE, bytePos - f.start);
    return Math.floor(n / CQ_STORE_UNIT_SIZE);
  }

  readEntry(offset: number): CqEntry | null {
    if (offset < 0 || offset >= this.maxOffset) return null;
    const b = Buffer.allocUnsafe(CQ_STORE_UNIT_SIZE);
    if (this.readEntries(offset, 1, b) !== 1) return null;
    return { phys: readInt64BE(b, 0), size: readInt32BE(b, 8), tagsCode: readInt64BE(b, 12) };
  }

  /** Drops entries whose record ends past `phyEnd` (after the commit log was truncated). */
  truncateByPhysical(phyEnd: number): void {
    if (this.maxPhysicEnd <= phyEnd) return;
    let lo = this.minOffset;
    let hi = this.maxOffset;
    // entries are in physical order: find the first whose record ends past phyEnd
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = this.readEntry(mid);
      if (e && e.phys + e.size <= phyEnd) lo = mid + 1;
      else hi = mid;
    }
    this.log.warn({ topic: this.topic, queueId: this.queueId, from: lo, to: this.maxOffset }, 'consume-queue entries past the commit-log end dropped');
    this.dropFrom(lo);
    this.maxOffset = lo;
    this.truncateBytes(lo * CQ_STORE_UNIT_SIZE);
    this.maxPhysicEnd = 0;
    if (lo > 0) {
      const e = this.readEntry(lo - 1);
      if (e && isValidEntry(e.phys, e.size)) this.maxPhysicEnd = e.phys + e.size;
    }
    if (this.minOffset > this.maxOffset) this.minOffset = this.maxOffset;
  }

  /** Forgets entries from queue offset `end` on in memory (tail, queued writes) and in a write in flight. */
  private dropFrom(end: number): void {
    const kept: WriteJob[] = [];
    for (const j of this.jobs) {
      if (j.from >= end) continue;
      if (j.from + j.count > end) kept.push({ from: j.from, count: end - j.from, bytes: j.bytes.subarray(0, (end - j.from) * CQ_STORE_UNIT_SIZE) });
      else kept.push(j);
    }
    this.jobs = kept;
    if (this.tailLen > 0) {
      if (end <= this.tailFrom) this.tailLen = 0;
      else if (end < this.tailFrom + this.tailLen) this.tailLen = end - this.tailFrom;
    }
    if (this.writtenEnd > end) this.writtenEnd = end;
    this.generation++;
    this.truncatedTo = end;
  }

  /** Deletes files whose every entry points below `minPhys`; returns how many. Never the last file. */
  deleteExpired(minPhys: number): number {
    let deleted = 0;
    const b = Buffer.allocUnsafe(CQ_STORE_UNIT_SIZE);
    while (this.files.length > 1) {
      const f = this.files[0]!;
      const lastIdx = f.start + this.fileSize - CQ_STORE_UNIT_SIZE;
      const n = this.io.pread(f.fd, b, 0, CQ_STORE_UNIT_SIZE, lastIdx - f.start);
      if (n < CQ_STORE_UNIT_SIZE) break;
      const phys = readInt64BE(b, 0);
      const size = readInt32BE(b, 8);
      if (isValidEntry(phys, size) && phys + size > minPhys) break;
      this.io.close(f.fd);
      this.io.unlink(f.path);
      this.dirty.delete(f);
      this.files.shift();
      deleted++;
    }
    this.correctMinOffset(minPhys);
    return deleted;
  }

  fileCount(): number {
    return this.files.length;
  }

  close(): void {
    this.closed = true;
    this.cancelWake();
    if (this.jobs.length > 0) this.log.warn({ topic: this.topic, queueId: this.queueId, entries: this.jobs.reduce((n, j) => n + j.count, 0) }, 'consume queue closed with unwritten entries (rebuilt from the commit log at the next start)');
    this.settleDrains(new Error(`consume queue ${this.topic}/${this.queueId} closed`));
    for (const f of this.files) {
      try {
        this.io.close(f.fd);
      } catch {
        /* gone */
      }
    }
    this.files = [];
  }

  destroy(): void {
    this.close();
    this.io.rmrf(this.dir);
  }
}
