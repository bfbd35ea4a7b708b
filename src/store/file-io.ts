/**
 * The file layer under the store. Everything the store does to disk goes through this interface so
 * that tests can inject faults (ENOSPC, EIO) and model power loss (fault-file-io.ts).
 *
 * Reads, commit-log writes (unless transientStorePoolEnable) and metadata calls are synchronous
 * (page-cache speed, no thread-pool hop); consume-queue writes, commit-log writes with the transient
 * store pool, and every fdatasync are asynchronous (thread pool) so the event loop keeps going while
 * the kernel syncs.
 */
import * as fs from 'node:fs';

export interface FileStat {
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

export interface DiskSpace {
  totalBytes: number;
  /**
   * Unallocated bytes, the blocks reserved for root included (statfs f_bfree): what Java's
   * File.getFreeSpace() gives RocketMQ's disk-usage ratio. Not f_bavail: a file system with a large
   * reservation (ext4's reserved blocks) would read as nearly full, and retention would delete live
   * segments well before the disk is.
   */
  freeBytes: number;
}

export type OpenFlags = 'r' | 'r+' | 'w+' | 'wx';

export interface FileIO {
  /** Opens a file; 'r+' must exist, 'w+' creates or truncates, 'wx' creates and fails if it exists. */
  open(path: string, flags: OpenFlags): number;
  /** Positional write, asynchronous; resolves with the bytes written. */
  pwrite(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  pwriteSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  /** Positional read; returns the bytes read (fewer at end of file). */
  pread(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  ftruncate(fd: number, length: number): void;
  close(fd: number): void;
  stat(path: string): FileStat | null;
  readdir(path: string): string[];
  unlink(path: string): void;
  /** Creates the directory and its parents. */
  mkdir(path: string): void;
  /** Removes a directory tree. */
  rmrf(path: string): void;
  rename(from: string, to: string): void;
  /** Whole-file helpers for small files (checkpoint, lock). */
  readFile(path: string): Buffer | null;
  statfs(path: string): DiskSpace | null;
}

/** FileIO on node:fs. */
export class NodeFileIO implements FileIO {
  open(path: string, flags: OpenFlags): number {
    return fs.openSync(path, flags);
  }
  pwrite(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.write(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }
  pwriteSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    return fs.writeSync(fd, buf, offset, length, position);
  }
  pread(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    return fs.readSync(fd, buf, offset, length, position);
  }
  fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }
  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd);
  }
  ftruncate(fd: number, length: number): void {
    fs.ftruncateSync(fd, length);
  }
  close(fd: number): void {
    fs.closeSync(fd);
  }
  stat(path: string): FileStat | null {
    try {
      const s = fs.statSync(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  readdir(path: string): string[] {
    try {
      return fs.readdirSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
  unlink(path: string): void {
    try {
      fs.unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  mkdir(path: string): void {
    fs.mkdirSync(path, { recursive: true });
  }
  rmrf(path: string): void {
    fs.rmSync(path, { recursive: true, force: true });
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  readFile(path: string): Buffer | null {
    try {
      return fs.readFileSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  statfs(path: string): DiskSpace | null {
    try {
      const s = fs.statfsSync(path);
      return { totalBytes: s.blocks * s.bsize, freeBytes: s.bfree * s.bsize };
    } catch {
      return null;
    }
  }
}

export function errnoError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall}${path ? ` '${path}'` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  if (path) e.path = path;
  return e;
}

/** 20-digit zero-padded decimal, RocketMQ's file name for an offset. */
export function offsetToFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}
