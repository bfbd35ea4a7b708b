/**
 * An in-memory FileIO for tests that models what a disk promises and what it does not:
 *
 * - Power loss: every file keeps the bytes written since its last fdatasync apart from its durable
 *   image; `powerLoss()` throws the undurable bytes away (and invalidates every open fd, as if the
 *   process died with the machine). Directory changes (create, unlink, rename) count as durable at once.
 * - Process crash (SIGKILL): `processCrash()` keeps everything written (it is in the page cache) and only
 *   invalidates the open fds.
 * - Faults: `capacityBytes` makes writes past that much allocated data fail with ENOSPC (after a short
 *   write, as Linux does); `inject` may fail any call with an errno code of its choosing.
 *
 * Files are sparse: ftruncate() to a larger size allocates nothing; reads of never-written ranges are zeros.
 */
import { errnoError, type DiskSpace, type FileIO, type FileStat, type OpenFlags } from './file-io.js';

interface MemFile {
  cur: Buffer;
  curSize: number;
  dur: Buffer;
  durSize: number;
  /** Dirty byte range since the last fdatasync, [lo, hi). */
  dirtyLo: number;
  dirtyHi: number;
  /** Highest byte ever written (allocation model for ENOSPC). */
  allocated: number;
  mtimeMs: number;
}

export type FaultOp = 'open' | 'pwrite' | 'pread' | 'fdatasync' | 'ftruncate' | 'unlink' | 'mkdir' | 'rename' | 'readdir';

function norm(p: string): string {
  return p.replace(/\/+$/, '').replace(/\/+/g, '/');
}

function ensureCap(b: Buffer, need: number): Buffer {
  if (b.length >= need) return b;
  let n = Math.max(4096, b.length);
  while (n < need) n *= 2;
  const nb = Buffer.alloc(n);
  b.copy(nb);
  return nb;
}

export class FaultFileIO implements FileIO {
  private files = new Map<string, MemFile>();
  private dirs = new Set<string>(['/']);
  private fds = new Map<number, { path: string; file: MemFile; gen: number }>();
  private nextFd = 3;
  private generation = 0;
  /** Allocated bytes above which writes fail with ENOSPC (short write first). */
  capacityBytes = Number.POSITIVE_INFINITY;
  /** Return an errno code ('EIO', 'ENOSPC', ...) to make this call fail. */
  inject: ((op: FaultOp, path: string) => string | undefined) | undefined;
  /** Milliseconds clock for mtimes. */
  now: () => number = Date.now;
  counters = { pwrite: 0, fdatasync: 0, pread: 0 };

  private fault(op: FaultOp, path: string): void {
    const code = this.inject?.(op, path);
    if (code) throw errnoError(code, op, path);
  }

  private file(fd: number): { path: string; file: MemFile } {
    const f = this.fds.get(fd);
    if (!f || f.gen !== this.generation) throw errnoError('EBADF', 'fd', String(fd));
    return f;
  }

  /** Bytes allocated by all files (the ENOSPC model). */
  usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.allocated;
    return n;
  }

  open(path: string, flags: OpenFlags): number {
    path = norm(path);
    this.fault('open', path);
    let f = this.files.get(path);
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (!f) {
      if (flags === 'r' || flags === 'r+') throw errnoError('ENOENT', 'open', path);
      if (!this.dirs.has(parent)) throw errnoError('ENOENT', 'open', path);
      f = { cur: Buffer.alloc(0), curSize: 0, dur: Buffer.alloc(0), durSize: 0, dirtyLo: Infinity, dirtyHi: 0, allocated: 0, mtimeMs: this.now() };
      this.files.set(path, f);
    } else if (flags === 'wx') {
      throw errnoError('EEXIST', 'open', path);
    } else if (flags === 'w+') {
      f.curSize = 0;
      f.allocated = 0;
      f.cur.fill(0);
      f.dirtyLo = 0;
      f.dirtyHi = Math.max(f.dirtyHi, f.durSize);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { path, file: f, gen: this.generation });
    return fd;
  }

  pwriteSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    const { path, file } = this.file(fd);
    this.fault('pwrite', path);
    this.counters.pwrite++;
    const end = position + length;
    if (end > file.allocated) {
      const room = this.capacityBytes - this.usedBytes();
      const grow = end - file.allocated;
      if (grow > room) {
        const fit = Math.max(0, Math.min(length, file.allocated + room - position));
        if (fit <= 0) throw errnoError('ENOSPC', 'write', path);
        length = fit; // short write, the next call fails
      }
    }
    const e = position + length;
    file.cur = ensureCap(file.cur, e);
    buf.copy(file.cur, position, offset, offset + length);
    if (e > file.curSize) file.curSize = e;
    if (e > file.allocated) file.allocated = e;
    file.dirtyLo = Math.min(file.dirtyLo, position);
    file.dirtyHi = Math.max(file.dirtyHi, e);
    file.mtimeMs = this.now();
    return length;
  }

  pwrite(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    try {
      return Promise.resolve(this.pwriteSync(fd, buf, offset, length, position));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  pread(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    const { path, file } = this.file(fd);
    this.fault('pread', path);
    this.counters.pread++;
    if (position >= file.curSize) return 0;
    const n = Math.min(length, file.curSize - position);
    const avail = Math.max(0, Math.min(n, file.cur.length - position));
    if (avail > 0) file.cur.copy(buf, offset, position, position + avail);
    if (avail < n) buf.fill(0, offset + avail, offset + n);
    return n;
  }

  fdatasyncSync(fd: number): void {
    const { path, file } = this.file(fd);
    this.fault('fdatasync', path);
    this.counters.fdatasync++;
    file.dur = ensureCap(file.dur, file.curSize);
    if (file.curSize < file.durSize) file.dur.fill(0, file.curSize);
    if (file.dirtyHi > file.dirtyLo) {
      const hi = Math.min(file.dirtyHi, file.cur.length);
      if (hi > file.dirtyLo) file.cur.copy(file.dur, file.dirtyLo, file.dirtyLo, hi);
      if (file.dirtyHi > hi) file.dur.fill(0, Math.max(hi, file.dirtyLo), Math.min(file.dirtyHi, file.dur.length));
    }
    file.durSize = file.curSize;
    file.dirtyLo = Infinity;
    file.dirtyHi = 0;
  }

  fdatasync(fd: number): Promise<void> {
    try {
      this.fdatasyncSync(fd);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  ftruncate(fd: number, length: number): void {
    const { path, file } = this.file(fd);
    this.fault('ftruncate', path);
    if (length < file.curSize) {
      if (file.cur.length > length) file.cur.fill(0, length);
      file.allocated = Math.min(file.allocated, length);
      file.dirtyLo = Math.min(file.dirtyLo, length);
      file.dirtyHi = Math.max(file.dirtyHi, file.curSize);
    }
    file.curSize = length;
    // a size change is metadata the next fdatasync commits
    file.dirtyLo = Math.min(file.dirtyLo, length);
    file.dirtyHi = Math.max(file.dirtyHi, length);
  }

  close(fd: number): void {
    this.fds.delete(fd);
  }

  stat(path: string): FileStat | null {
    path = norm(path);
    if (this.dirs.has(path)) return { size: 0, mtimeMs: 0, isDirectory: true };
    const f = this.files.get(path);
    return f ? { size: f.curSize, mtimeMs: f.mtimeMs, isDirectory: false } : null;
  }

  readdir(path: string): string[] {
    path = norm(path);
    this.fault('readdir', path);
    const out = new Set<string>();
    const prefix = path === '/' ? '/' : path + '/';
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) out.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...out].sort();
  }

  unlink(path: string): void {
    path = norm(path);
    this.fault('unlink', path);
    this.files.delete(path);
  }

  mkdir(path: string): void {
    path = norm(path);
    this.fault('mkdir', path);
    const parts = path.split('/').filter(Boolean);
    let p = '';
    for (const part of parts) {
      p += '/' + part;
      this.dirs.add(p);
    }
  }

  rmrf(path: string): void {
    path = norm(path);
    const prefix = path + '/';
    for (const p of [...this.files.keys()]) if (p === path || p.startsWith(prefix)) this.files.delete(p);
    for (const d of [...this.dirs]) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
  }

  rename(from: string, to: string): void {
    from = norm(from);
    to = norm(to);
    this.fault('rename', from);
    const f = this.files.get(from);
    if (!f) throw errnoError('ENOENT', 'rename', from);
    this.files.delete(from);
    this.files.set(to, f);
  }

  readFile(path: string): Buffer | null {
    const f = this.files.get(norm(path));
    return f ? Buffer.from(f.cur.subarray(0, f.curSize)) : null;
  }

  statfs(): DiskSpace | null {
    if (!Number.isFinite(this.capacityBytes)) return null;
    return { totalBytes: this.capacityBytes, freeBytes: Math.max(0, this.capacityBytes - this.usedBytes()) };
  }

  /** Power loss: every byte not covered by an fdatasync is gone; open fds are dead. */
  powerLoss(): void {
    for (const f of this.files.values()) {
      f.cur = Buffer.from(f.dur.subarray(0, f.durSize));
      f.curSize = f.durSize;
      f.allocated = Math.min(f.allocated, f.durSize);
      f.dirtyLo = Infinity;
      f.dirtyHi = 0;
    }
    this.generation++;
  }

  /** Process killed: the page cache survives, open fds are dead. */
  processCrash(): void {
    this.generation++;
  }

  /** Direct access for tests (corrupting bytes, checking content). */
  fileContent(path: string): Buffer | null {
    return this.readFile(path);
  }
}
