/**
 * The timer log: an append-only journal of timer events, in fixed-size segment files
 * `<storePathRootDir>/timerlog/<20-digit start offset>` (docs/formats/timer-log.md).
 *
 * Entry (big-endian, 48 + k bytes, never straddles a segment; a segment's unused tail is zeros):
 *
 * | off    | size | field                                                                 |
 * |--------|------|-----------------------------------------------------------------------|
 * | 0      | 4    | entry size (48 + k)                                                   |
 * | 4      | 2    | magic 0x544C ("TL")                                                   |
 * | 6      | 1    | type: 1 ADD (a parked message), 2 CANCEL (of the ADD with that queue offset) |
 * | 7      | 1    | k, length of the unique key (0..255)                                  |
 * | 8      | 8    | queue offset of the parked record in rmq_sys_wheel_timer queue 0     |
 * | 16     | 8    | delivery time, ms since the epoch (broker clock)                      |
 * | 24     | 8    | commit-log offset of the parked record                                |
 * | 32     | 4    | size of the parked record                                             |
 * | 36     | 8    | time the entry was written, ms                                        |
 * | 44     | k    | UNIQ_KEY of the message (UTF-8)                                       |
 * | 44 + k | 4    | CRC-32 (zlib) of bytes 0 .. 44 + k                                    |
 *
 * Reading stops at the first entry whose size is 0 (end of written data in the segment: go on with
 * the next segment) or whose magic / size / CRC is wrong (a torn write after a crash: the log is
 * truncated there). Appends are buffered and written with one write per batch.
 */
import { closeSync, existsSync, fdatasync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, rmSync, fdatasyncSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../../common/logger.js';
import { readInt64BE, writeInt64BE } from '../../message/int64.js';
import { readInt32BE, readUInt16BE, writeInt32BE, writeUInt16BE } from '../../common/bytes.js';

export const TIMER_LOG_MAGIC = 0x544c;
export const ENTRY_FIXED = 48;
export const TYPE_ADD = 1;
export const TYPE_CANCEL = 2;

export interface TimerLogEntry {
  type: number;
  queueOffset: number;
  deliverMs: number;
  phyOffset: number;
  size: number;
  writeMs: number;
  uniqKey: string;
}

interface Segment {
  start: number;
  fd: number;
  /** Largest delivery time of an ADD in the segment (decides when the segment may go). */
  maxDeliverMs: number;
}

function segName(start: number): string {
  return String(start).padStart(20, '0');
}

/** Encodes one entry into `buf` at `off`; returns its size. */
export function encodeEntry(buf: Buffer, off: number, e: TimerLogEntry, key: Buffer): number {
  const size = ENTRY_FIXED + key.length;
  writeInt32BE(buf, size, off);
  writeUInt16BE(buf, TIMER_LOG_MAGIC, off + 4);
  buf[off + 6] = e.type;
  buf[off + 7] = key.length;
  writeInt64BE(buf, e.queueOffset, off + 8);
  writeInt64BE(buf, e.deliverMs, off + 16);
  writeInt64BE(buf, e.phyOffset, off + 24);
  writeInt32BE(buf, e.size, off + 32);
  writeInt64BE(buf, e.writeMs, off + 36);
  key.copy(buf, off + 44);
  writeInt32BE(buf, crc32(buf.subarray(off, off + 44 + key.length)) | 0, off + 44 + key.length);
  return size;
}

/** Decodes the entry at `off`: the entry, 'end' (zeros), or 'bad' (torn / corrupt). */
export function decodeEntry(buf: Buffer, off: number, limit: number): { entry: TimerLogEntry; size: number } | 'end' | 'bad' {
  if (off + 4 > limit) return 'end';
  const size = readInt32BE(buf, off);
  if (size === 0) return 'end';
  if (size < ENTRY_FIXED || size > ENTRY_FIXED + 255 || off + size > limit) return 'bad';
  if (readUInt16BE(buf, off + 4) !== TIMER_LOG_MAGIC) return 'bad';
  const k = buf[off + 7]!;
  if (ENTRY_FIXED + k !== size) return 'bad';
  if ((crc32(buf.subarray(off, off + 44 + k)) | 0) !== readInt32BE(buf, off + 44 + k)) return 'bad';
  const type = buf[off + 6]!;
  if (type !== TYPE_ADD && type !== TYPE_CANCEL) return 'bad';
  return {
    size,
    entry: {
      type,
      queueOffset: readInt64BE(buf, off + 8),
      deliverMs: readInt64BE(buf, off + 16),
      phyOffset: readInt64BE(buf, off + 24),
      size: readInt32BE(buf, off + 32),
      writeMs: readInt64BE(buf, off + 36),
      uniqKey: buf.toString('utf8', off + 44, off + 44 + k),
    },
  };
}

export class TimerLog {
  private readonly segments: Segment[] = [];
  /** Logical end of written data (offset of the next entry). */
  private writePos = 0;
  /** Log end covered by the last completed fdatasync. */
  private syncedPos = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private scratchPos = 0;

  constructor(
    readonly dir: string,
    readonly segmentSize: number,
    private readonly log?: Logger,
  ) {
    if (segmentSize < 4096) throw new RangeError('timer log segment size must be at least 4096 bytes');
  }

  get endOffset(): number {
    return this.writePos + this.pendingBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Opens the segments and replays every entry in order through `visit` (with its log offset).
   * A torn tail is cut off. Returns the number of entries read.
   */
  load(visit: (e: TimerLogEntry, pos: number) => void): number {
    mkdirSync(this.dir, { recursive: true });
    const names = readdirSync(this.dir)
      .filter((n) => /^\d{20}$/.test(n))
      .sort();
    let count = 0;
    let truncatedAt = -1;
    const buf = Buffer.allocUnsafe(this.segmentSize);
    for (let i = 0; i < names.length; i++) {
      const start = Number(names[i]);
      const path = join(this.dir, names[i]!);
      if (truncatedAt >= 0) {
        // Everything after a torn entry is unreachable: drop later segments.
        rmSync(path, { force: true });
        continue;
      }
      const fd = openSync(path, 'r+');
      const seg: Segment = { start, fd, maxDeliverMs: 0 };
      this.segments.push(seg);
      const len = Math.min(fstatSync(fd).size, this.segmentSize);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, got);
        if (n <= 0) break;
        got += n;
      }
      let off = 0;
      for (;;) {
        const r = decodeEntry(buf, off, got);
        if (r === 'end') break;
        if (r === 'bad') {
          truncatedAt = start + off;
          this.log?.warn({ segment: names[i], offset: off }, 'timer log: torn or corrupt entry, truncating the log there');
          buf.fill(0, off, got);
          ftruncateSync(fd, off);
          break;
        }
        if (r.entry.type === TYPE_ADD && r.entry.deliverMs > seg.maxDeliverMs) seg.maxDeliverMs = r.entry.deliverMs;
        visit(r.entry, start + off);
        count++;
        off += r.size;
      }
      this.writePos = start + off;
    }
    if (this.segments.length === 0) this.openSegment(0);
    return count;
  }

  private openSegment(start: number): Segment {
    const fd = openSync(join(this.dir, segName(start)), existsSync(join(this.dir, segName(start))) ? 'r+' : 'w+');
    const seg: Segment = { start, fd, maxDeliverMs: 0 };
    this.segments.push(seg);
    return seg;
  }

  /** Buffers one entry; returns its log offset. Call flush() to write. */
  append(e: TimerLogEntry): number {
    let keyBuf = Buffer.from(e.uniqKey, 'utf8');
    if (keyBuf.length > 255) keyBuf = keyBuf.subarray(0, 255);
    const size = ENTRY_FIXED + keyBuf.length;
    const S = this.segmentSize;
    let pos = this.endOffset;
    let segStart = Math.floor(pos / S) * S;
    if (pos + size > segStart + S) {
      // Does not fit: the rest of this segment stays zero, the entry starts the next one.
      this.flush();
      segStart += S;
      this.writePos = segStart;
      pos = segStart;
    }
    if (this.segments[this.segments.length - 1]?.start !== segStart) {
      this.flush();
      this.openSegment(segStart);
    }
    if (this.scratchPos + size > this.scratch.length) this.rollScratch();
    const off = this.scratchPos;
    encodeEntry(this.scratch, off, e, keyBuf);
    this.scratchPos += size;
    this.pendingBytes += size;
    const seg = this.segments[this.segments.length - 1]!;
    if (e.type === TYPE_ADD && e.deliverMs > seg.maxDeliverMs) seg.maxDeliverMs = e.deliverMs;
    return pos;
  }

  private rollScratch(): void {
    if (this.scratchPos > 0) this.pending.push(this.scratch.subarray(0, this.scratchPos));
    this.scratch = Buffer.allocUnsafe(64 * 1024);
    this.scratchPos = 0;
  }

  /** Writes buffered entries (one write per contiguous chunk). */
  flush(): void {
    if (this.pendingBytes === 0) return;
    this.rollScratch();
    const seg = this.segments[this.segments.length - 1]!;
    let filePos = this.writePos - seg.start;
    for (const chunk of this.pending) {
      let done = 0;
      while (done < chunk.length) {
        done += writeSync(seg.fd, chunk, done, chunk.length - done, filePos + done);
      }
      filePos += chunk.length;
    }
    this.writePos += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flushes and makes the written entries durable. */
  sync(): void {
    this.flush();
    if (this.writePos === this.syncedPos) return;
    const seg = this.segments[this.segments.length - 1];
    if (seg) fdatasyncSync(seg.fd);
    this.syncedPos = this.writePos;
  }

  /**
   * As sync, with the fdatasync on the thread pool (the periodic checkpoint must not stall the event
   * loop for a disk round trip); resolves with the log end it covers. Nothing new: no syscall at all.
   */
  syncAsync(): Promise<number> {
    this.flush();
    const end = this.writePos;
    const seg = this.segments[this.segments.length - 1];
    if (end === this.syncedPos || !seg) return Promise.resolve(end);
    return new Promise((resolve, reject) => {
      fdatasync(seg.fd, (err) => {
        if (err) return reject(err);
        if (end > this.syncedPos) this.syncedPos = end;
        resolve(end);
      });
    });
  }

  /**
   * Deletes the oldest segments that lie wholly before `beforePos` and hold no ADD due after
   * `deliveredUpToMs` (everything in them was delivered or cancelled). Returns how many went.
   */
  deleteDelivered(beforePos: number, deliveredUpToMs: number): number {
    let n = 0;
    while (this.segments.length > 1) {
      const s = this.segments[0]!;
      const next = this.segments[1]!;
      if (next.start > beforePos || s.maxDeliverMs > deliveredUpToMs) break;
      closeSync(s.fd);
      rmSync(join(this.dir, segName(s.start)), { force: true });
      this.segments.shift();
      n++;
    }
    return n;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      for (const s of this.segments) {
        try {
          closeSync(s.fd);
        } catch {
          /* already closed */
        }
      }
      this.segments.length = 0;
    }
  }
}
