/**
 * `checkpoint`: one 4 KiB page of big-endian int64 fields (docs/formats/checkpoint.md, store-format.md §5).
 *
 * | Offset | Size | Field                                                        |
 * |--------|------|--------------------------------------------------------------|
 * | 0      | 8    | physicMsgTimestamp: store time of the last flushed commit-log record |
 * | 8      | 8    | logicsMsgTimestamp: same for consume queues                  |
 * | 16     | 8    | indexMsgTimestamp: same for index files                      |
 * | 24     | 8    | masterFlushedOffset (5.x; kept, not used)                    |
 * | 32     | 8    | confirmPhyOffset (5.x; kept, not used)                       |
 *
 * Each timestamp only moves after the fdatasync that made its data durable, so after a crash recovery
 * can start from the segment whose first record is older than min(physic, logics) - 3 s.
 */
import { readInt64BE, writeInt64BE } from '../message/int64.js';
import type { FileIO } from './file-io.js';

export const CHECKPOINT_FILE_SIZE = 4096;

export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  masterFlushedOffset = 0;
  confirmPhyOffset = 0;
  private fd = -1;
  private readonly buf = Buffer.alloc(CHECKPOINT_FILE_SIZE);

  constructor(private readonly io: FileIO, readonly path: string) {}

  load(): void {
    const exists = this.io.stat(this.path) !== null;
    this.fd = this.io.open(this.path, exists ? 'r+' : 'w+');
    if (!exists) return;
    const b = Buffer.alloc(40);
    const n = this.io.pread(this.fd, b, 0, 40, 0);
    if (n < 24) return;
    this.physicMsgTimestamp = readInt64BE(b, 0);
    this.logicsMsgTimestamp = readInt64BE(b, 8);
    this.indexMsgTimestamp = readInt64BE(b, 16);
    if (n >= 40) {
      this.masterFlushedOffset = readInt64BE(b, 24);
      this.confirmPhyOffset = readInt64BE(b, 32);
    }
  }

  /** The earliest of the timestamps recovery may trust (index included when it must be rebuilt safely). */
  minTimestamp(includeIndex: boolean): number {
    let m = Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp);
    if (includeIndex && this.indexMsgTimestamp > 0) m = Math.min(m, this.indexMsgTimestamp);
    return Math.max(0, m);
  }

  async flush(): Promise<void> {
    this.fill();
    this.io.pwriteSync(this.fd, this.buf, 0, CHECKPOINT_FILE_SIZE, 0);
    await this.io.fdatasync(this.fd);
  }

  flushSync(): void {
    this.fill();
    this.io.pwriteSync(this.fd, this.buf, 0, CHECKPOINT_FILE_SIZE, 0);
    this.io.fdatasyncSync(this.fd);
  }

  private fill(): void {
    writeInt64BE(this.buf, this.physicMsgTimestamp, 0);
    writeInt64BE(this.buf, this.logicsMsgTimestamp, 8);
    writeInt64BE(this.buf, this.indexMsgTimestamp, 16);
    writeInt64BE(this.buf, this.masterFlushedOffset, 24);
    writeInt64BE(this.buf, this.confirmPhyOffset, 32);
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        this.io.close(this.fd);
      } catch {
        /* gone */
      }
      this.fd = -1;
    }
  }
}
