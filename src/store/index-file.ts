/**
 * Index files: look-up of commit-log offsets by message key (docs/formats/index-file.md,
 * store-format.md §4). `index/<yyyyMMddHHmmssSSS>`, big-endian, created sparse (never zero-filled):
 *
 * | Region  | Offset                        | Size                  |
 * |---------|-------------------------------|-----------------------|
 * | header  | 0                             | 40                    |
 * | slots   | 40                            | maxHashSlotNum × 4    |
 * | entries | 40 + maxHashSlotNum × 4       | maxIndexNum × 20      |
 *
 * Header: beginTimestamp int64 @0, endTimestamp int64 @8, beginPhyOffset int64 @16, endPhyOffset int64 @24,
 * hashSlotCount int32 @32, indexCount int32 @36 (starts at 1; entry #0 is never used).
 * Entry: keyHash int32 (abs of Java hashCode) @0, physical offset int64 @4, time diff in seconds since
 * beginTimestamp int32 @12, previous entry number in the slot chain int32 @16 (0 = end).
 *
 * The active file keeps its slot table in memory (as the big-endian bytes of the file) and writes only the
 * dirty 4 KiB pages at flush; entries are appended with one write per dispatch batch. Keys:
 * `topic#UNIQ_KEY` and `topic#<each KEYS token>`.
 */
import type { Logger } from '../common/logger.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { readInt64BE, writeInt64BE } from '../message/int64.js';
import type { FileIO } from './file-io.js';
import { readInt32BE, writeInt32BE } from '../common/bytes.js';

export const INDEX_HEADER_SIZE = 40;
export const HASH_SLOT_SIZE = 4;
export const INDEX_ENTRY_SIZE = 20;
const PAGE = 4096;

export function indexKeyHash(key: string): number {
  const h = Math.abs(javaStringHashCode(key));
  return h < 0 ? 0 : h;
}

/** indexKeyHash(`${topic}#${key}`) without building the string. */
export function indexKeyHashOf(topic: string, key: string, from = 0, to = key.length): number {
  return keyHashAfter(topicPrefixHash(topic), key, from, to);
}

/** Java's hashCode state after `${topic}#`: the part of a key's hash that every key of a topic shares. */
function topicPrefixHash(topic: string): number {
  let h = 0;
  for (let i = 0; i < topic.length; i++) h = (Math.imul(31, h) + topic.charCodeAt(i)) | 0;
  return (Math.imul(31, h) + 35) | 0; // '#'
}

/** The index hash of `${topic}#${key.slice(from, to)}` from topicPrefixHash(topic). */
function keyHashAfter(prefix: number, key: string, from: number, to: number): number {
  let h = prefix;
  for (let i = from; i < to; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  h = Math.abs(h);
  return h < 0 ? 0 : h;
}

function indexFileName(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${p(d.getMilliseconds(), 3)}`;
}

/** Slot-page flush runs: clean gaps up to this many pages are written along; a run spans at most FLUSH_RUN_PAGES. */
const FLUSH_GAP_PAGES = 8;
const FLUSH_RUN_PAGES = 256;

export class IndexFile {
  readonly path: string;
  readonly fd: number;
  private readonly io: FileIO;
  readonly slotNum: number;
  readonly indexNum: number;
  beginTimestamp = 0;
  endTimestamp = 0;
  beginPhyOffset = 0;
  endPhyOffset = 0;
  hashSlotCount = 0;
  indexCount = 1;
  /** Slot table bytes while this is the active file. */
  private slots: Buffer | null = null;
  private dirtyPages: Uint8Array | null = null;
  private dirtyList: number[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private pendingLen = 0;
  private pendingFrom = 1;
  private headerDirty = false;

  constructor(io: FileIO, path: string, fd: number, slotNum: number, indexNum: number) {
    this.io = io;
    this.path = path;
    this.fd = fd;
    this.slotNum = slotNum;
    this.indexNum = indexNum;
  }

  fileSize(): number {
    return INDEX_HEADER_SIZE + this.slotNum * HASH_SLOT_SIZE + this.indexNum * INDEX_ENTRY_SIZE;
  }

  static create(io: FileIO, dir: string, nowMs: number, slotNum: number, indexNum: number): IndexFile {
    let name = indexFileName(nowMs);
    while (io.stat(`${dir}/${name}`)) name = indexFileName(++nowMs);
    const path = `${dir}/${name}`;
    const fd = io.open(path, 'w+');
    const f = new IndexFile(io, path, fd, slotNum, indexNum);
    io.ftruncate(fd, f.fileSize());
    f.headerDirty = true;
    return f;
  }

  static open(io: FileIO, path: string, slotNum: number, indexNum: number): IndexFile {
    const fd = io.open(path, 'r+');
    const f = new IndexFile(io, path, fd, slotNum, indexNum);
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    io.pread(fd, h, 0, INDEX_HEADER_SIZE, 0);
    f.beginTimestamp = readInt64BE(h, 0);
    f.endTimestamp = readInt64BE(h, 8);
    f.beginPhyOffset = readInt64BE(h, 16);
    f.endPhyOffset = readInt64BE(h, 24);
    f.hashSlotCount = readInt32BE(h, 32);
    f.indexCount = Math.max(1, Math.min(readInt32BE(h, 36), indexNum));
    return f;
  }

  /** Loads the slot table so this file can take new entries. */
  activate(): void {
    if (this.slots) return;
    const bytes = this.slotNum * HASH_SLOT_SIZE;
    const s = Buffer.allocUnsafeSlow(bytes);
    let got = 0;
    while (got < bytes) {
      const n = this.io.pread(this.fd, s, got, bytes - got, INDEX_HEADER_SIZE + got);
      if (n <= 0) break;
      got += n;
    }
    s.fill(0, got);
    // slots pointing at entries not covered by the header were written after it: drop them
    for (let i = 0; i < this.slotNum; i++) {
      const v = readInt32BE(s, i * 4);
      if (v !== 0 && (v < 0 || v >= this.indexCount)) writeInt32BE(s, 0, i * 4);
    }
    this.slots = s;
    this.dirtyPages = new Uint8Array(Math.ceil(bytes / PAGE));
  }

  isFull(): boolean {
    return this.indexCount >= this.indexNum;
  }

  /** Adds one key (already hashed) for a record. The file must be active and not full. */
  put(keyHash: number, phys: number, storeTimestamp: number): void {
    const slots = this.slots!;
    const slot = keyHash % this.slotNum;
    const slotPos = slot * HASH_SLOT_SIZE;
    let prev = readInt32BE(slots, slotPos);
    if (prev <= 0 || prev >= this.indexCount) prev = 0;
    if (this.indexCount <= 1) {
      this.beginTimestamp = storeTimestamp;
      this.beginPhyOffset = phys;
    }
    let diff = this.beginTimestamp > 0 ? Math.floor((storeTimestamp - this.beginTimestamp) / 1000) : 0;
    if (diff < 0) diff = 0;
    else if (diff > 0x7fffffff) diff = 0x7fffffff;
    if (this.pendingLen === 0) this.pendingFrom = this.indexCount;
    const need = (this.pendingLen + 1) * INDEX_ENTRY_SIZE;
    if (need > this.pending.length) {
      const nb = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2, 4096));
      this.pending.copy(nb, 0, 0, this.pendingLen * INDEX_ENTRY_SIZE);
      this.pending = nb;
    }
    const p = this.pendingLen * INDEX_ENTRY_SIZE;
    writeInt32BE(this.pending, keyHash, p);
    writeInt64BE(this.pending, phys, p + 4);
    writeInt32BE(this.pending, diff, p + 12);
    writeInt32BE(this.pending, prev, p + 16);
    this.pendingLen++;
    writeInt32BE(slots, this.indexCount, slotPos);
    const page = (slotPos / PAGE) | 0;
    if (this.dirtyPages![page] === 0) {
      this.dirtyPages![page] = 1;
      this.dirtyList.push(page);
    }
    if (prev === 0) this.hashSlotCount++;
    this.indexCount++;
    this.endTimestamp = storeTimestamp;
    this.endPhyOffset = phys;
    this.headerDirty = true;
  }

  /** Writes buffered entries (one write). */
  commitEntries(): void {
    if (this.pendingLen === 0) return;
    const pos = INDEX_HEADER_SIZE + this.slotNum * HASH_SLOT_SIZE + this.pendingFrom * INDEX_ENTRY_SIZE;
    const len = this.pendingLen * INDEX_ENTRY_SIZE;
    let done = 0;
    while (done < len) done += this.io.pwriteSync(this.fd, this.pending, done, len - done, pos + done);
    this.pendingLen = 0;
  }

  /**
   * Writes dirty slot pages and the header, then fdatasync. The page writes go to the thread pool, one
   * at a time, in runs of up to 1 MiB (gaps of a few clean pages are written along, cheaper than another
   * call): at 10,000 keyed messages a second most of the 20 MB slot table is dirty each second, and
   * writing it on the event loop stalled every request for milliseconds. Slots changed while a run is
   * being written mark their page dirty again, so the next flush writes them.
   */
  async flush(): Promise<void> {
    this.commitEntries();
    if (this.slots && this.dirtyList.length) {
      const slots = this.slots;
      const pages = this.dirtyList.sort((a, b) => a - b);
      this.dirtyList = [];
      for (const pg of pages) this.dirtyPages![pg] = 0;
      const slotBytes = slots.length;
      for (let i = 0; i < pages.length; ) {
        let j = i;
        while (j + 1 < pages.length && pages[j + 1]! - pages[j]! <= FLUSH_GAP_PAGES && pages[j + 1]! - pages[i]! < FLUSH_RUN_PAGES) j++;
        const from = pages[i]! * PAGE;
        const to = Math.min(slotBytes, (pages[j]! + 1) * PAGE);
        let done = 0;
        while (done < to - from) done += await this.io.pwrite(this.fd, slots, from + done, to - from - done, INDEX_HEADER_SIZE + from + done);
        i = j + 1;
      }
    }
    if (this.headerDirty) {
      const h = Buffer.alloc(INDEX_HEADER_SIZE);
      writeInt64BE(h, this.beginTimestamp, 0);
      writeInt64BE(h, this.endTimestamp, 8);
      writeInt64BE(h, this.beginPhyOffset, 16);
      writeInt64BE(h, this.endPhyOffset, 24);
      writeInt32BE(h, this.hashSlotCount, 32);
      writeInt32BE(h, this.indexCount, 36);
      this.headerDirty = false;
      await this.io.pwrite(this.fd, h, 0, INDEX_HEADER_SIZE, 0);
    }
    await this.io.fdatasync(this.fd);
  }

  /** Releases the in-memory slot table (the file is no longer written). */
  deactivate(): void {
    this.slots = null;
    this.dirtyPages = null;
  }

  isTimeMatched(begin: number, end: number): boolean {
    return (begin < this.beginTimestamp && end > this.endTimestamp) ||
      (begin >= this.beginTimestamp && begin <= this.endTimestamp) ||
      (end >= this.beginTimestamp && end <= this.endTimestamp);
  }

  /** Physical offsets of entries whose key hash matches and whose time is in [begin, end], newest first. */
  select(keyHash: number, maxNum: number, begin: number, end: number, out: number[]): void {
    this.commitEntries();
    const slot = keyHash % this.slotNum;
    let cur: number;
    if (this.slots) cur = readInt32BE(this.slots, slot * HASH_SLOT_SIZE);
    else {
      const b = Buffer.alloc(4);
      this.io.pread(this.fd, b, 0, 4, INDEX_HEADER_SIZE + slot * HASH_SLOT_SIZE);
      cur = readInt32BE(b, 0);
    }
    const e = Buffer.alloc(INDEX_ENTRY_SIZE);
    const entriesAt = INDEX_HEADER_SIZE + this.slotNum * HASH_SLOT_SIZE;
    let steps = 0;
    while (cur > 0 && cur < this.indexCount && out.length < maxNum && steps++ < this.indexNum) {
      if (this.io.pread(this.fd, e, 0, INDEX_ENTRY_SIZE, entriesAt + cur * INDEX_ENTRY_SIZE) < INDEX_ENTRY_SIZE) break;
      const h = readInt32BE(e, 0);
      const phys = readInt64BE(e, 4);
      const t = this.beginTimestamp + readInt32BE(e, 12) * 1000;
      const prev = readInt32BE(e, 16);
      if (h === keyHash && t >= begin && t <= end) out.push(phys);
      if (prev >= cur) break; // chains only point backwards
      cur = prev;
    }
  }

  close(): void {
    try {
      this.io.close(this.fd);
    } catch {
      /* gone */
    }
  }
}

/** The set of index files: the last one is active. */
export class IndexService {
  private readonly io: FileIO;
  private readonly dir: string;
  private readonly slotNum: number;
  private readonly indexNum: number;
  private readonly log: Logger;
  files: IndexFile[] = [];

  constructor(io: FileIO, dir: string, slotNum: number, indexNum: number, log: Logger) {
    this.io = io;
    this.dir = dir;
    this.slotNum = slotNum;
    this.indexNum = indexNum;
    this.log = log;
  }

  /**
   * Opens the index files. After a crash (`lastExitOk` false) files written after the checkpoint's
   * index timestamp are deleted; they are rebuilt from the commit log. Files ending past `phyEnd` too.
   */
  load(lastExitOk: boolean, checkpointIndexTimestamp: number, phyEnd: number): void {
    this.io.mkdir(this.dir);
    const names = this.io.readdir(this.dir).filter((n) => /^\d{17}$/.test(n)).sort();
    for (const name of names) {
      const path = `${this.dir}/${name}`;
      let f: IndexFile;
      try {
        f = IndexFile.open(this.io, path, this.slotNum, this.indexNum);
      } catch (e) {
        this.log.error({ err: e, path }, 'index file unreadable; deleted');
        this.io.unlink(path);
        continue;
      }
      const st = this.io.stat(path);
      // Kept after a crash too: header and slots are written together at each flush and slots that point
      // past the header's indexCount are dropped on activation, so the file is consistent with its header;
      // indexing resumes after the header's endPhyOffset (RocketMQ deletes files newer than the checkpoint,
      // which makes every crash re-index a whole file, up to 20 million records). A file that indexes
      // records past the recovered log end is rebuilt: new records at those offsets must be indexed.
      void lastExitOk;
      void checkpointIndexTimestamp;
      const stale = (f.endPhyOffset >= phyEnd && f.indexCount > 1) || (st !== null && st.size < INDEX_HEADER_SIZE);
      if (stale) {
        this.log.warn({ path, endPhyOffset: f.endPhyOffset, endTimestamp: f.endTimestamp, phyEnd }, 'index file reaches past the commit-log end; rebuilding it');
        f.close();
        this.io.unlink(path);
        continue;
      }
      this.files.push(f);
    }
  }

  /** Records below this offset are already indexed. */
  indexedEnd(): number {
    const last = this.files.at(-1);
    return last && last.indexCount > 1 ? last.endPhyOffset + 1 : 0;
  }

  private active(clock: () => number): IndexFile {
    let f = this.files.at(-1);
    if (f && f.isFull()) {
      f.commitEntries();
      void f.flush().catch((e) => this.log.error({ err: e }, 'index flush failed'));
      f.deactivate();
      f = undefined;
    }
    if (!f) {
      f = IndexFile.create(this.io, this.dir, clock(), this.slotNum, this.indexNum);
      this.files.push(f);
    }
    f.activate();
    return f;
  }

  /** Indexes one record's keys (UNIQ_KEY and every KEYS token). Skips records already indexed. */
  /**
   * Indexes one record's keys, read in place from its properties string `props`: the UNIQ_KEY value at
   * [uniqFrom, uniqTo) and every space-separated token of the KEYS value at [keysFrom, keysTo) (an empty
   * range: none). Skips records already indexed.
   */
  build(topic: string, props: string, uniqFrom: number, uniqTo: number, keysFrom: number, keysTo: number, phys: number, storeTimestamp: number, clock: () => number): void {
    const last = this.files.at(-1);
    if (last && last.indexCount > 1 && phys <= last.endPhyOffset) return;
    if (topic !== this.prefixTopic) {
      this.prefixTopic = topic;
      this.prefixHash = topicPrefixHash(topic);
    }
    const prefix = this.prefixHash;
    if (uniqTo > uniqFrom) this.active(clock).put(keyHashAfter(prefix, props, uniqFrom, uniqTo), phys, storeTimestamp);
    let from = keysFrom;
    while (from < keysTo) {
      let sp = props.indexOf(' ', from);
      if (sp < 0 || sp > keysTo) sp = keysTo;
      if (sp > from) this.active(clock).put(keyHashAfter(prefix, props, from, sp), phys, storeTimestamp);
      from = sp + 1;
    }
  }

  /** The last topic indexed, and its key-hash prefix (records come in runs of one topic). */
  private prefixTopic = '';
  private prefixHash = topicPrefixHash('');

  commit(): void {
    this.files.at(-1)?.commitEntries();
  }

  async flush(): Promise<number> {
    const last = this.files.at(-1);
    if (!last) return 0;
    const ts = last.endTimestamp;
    await last.flush();
    return ts;
  }

  query(topic: string, key: string, maxNum: number, begin: number, end: number): number[] {
    const out: number[] = [];
    const h = indexKeyHash(`${topic}#${key}`);
    for (let i = this.files.length - 1; i >= 0 && out.length < maxNum; i--) {
      const f = this.files[i]!;
      if (f.indexCount <= 1) continue;
      if (!f.isTimeMatched(begin, end)) continue;
      f.select(h, maxNum, begin, end, out);
    }
    return out;
  }

  lastUpdate(): { timestamp: number; phyOffset: number } {
    const last = this.files.at(-1);
    return { timestamp: last?.endTimestamp ?? 0, phyOffset: last?.endPhyOffset ?? 0 };
  }

  /** Deletes files whose every entry points below `minPhys` (never the active one). */
  deleteExpired(minPhys: number): number {
    let n = 0;
    while (this.files.length > 1 && this.files[0]!.endPhyOffset < minPhys) {
      const f = this.files.shift()!;
      f.close();
      this.io.unlink(f.path);
      n++;
    }
    return n;
  }

  close(): void {
    for (const f of this.files) f.close();
    this.files = [];
  }
}
