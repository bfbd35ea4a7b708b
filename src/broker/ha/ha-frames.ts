import { writeInt32BE } from '../../common/bytes.js';
/**
 * RocketMQ 4.x HA wire frames (store-format.md §12), plain TCP on the master's haListenPort.
 *
 * Slave -> master, "report offset" (8 bytes):
 *
 * | Size | Field                                            |
 * |------|--------------------------------------------------|
 * | 8    | slave's commit-log max offset (int64 big-endian) |
 *
 * Master -> slave, "transfer" (12-byte header + body):
 *
 * | Size | Field                                                      |
 * |------|------------------------------------------------------------|
 * | 8    | commit-log physical offset of the body's first byte        |
 * | 4    | body size N (int32 big-endian; 0 = heartbeat)              |
 * | N    | raw commit-log bytes (at most haTransferBatchSize, 32 KiB) |
 *
 * Records are not aligned to frames: a frame may end in the middle of a record; the slave appends bytes
 * at exactly its max offset and dispatches whole records only.
 */

export const REPORT_SIZE = 8;
export const TRANSFER_HEADER_SIZE = 12;

export function encodeReport(offset: number): Buffer {
  const b = Buffer.allocUnsafe(REPORT_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  return b;
}

export function encodeTransferHeader(offset: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(TRANSFER_HEADER_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  writeInt32BE(b, size, 8);
  return b;
}

/** Accumulates stream chunks and hands out whole frames without copying when a frame lies in one chunk. */
export class ChunkReader {
  private chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  get available(): number {
    return this.length;
  }

  /** Reads `n` bytes ahead without consuming (n <= available). */
  peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.compact(n);
    return this.chunks[0]!.subarray(0, n);
  }

  /** Consumes and returns `n` bytes (n <= available). */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      this.compact(n);
      const all = this.chunks[0]!;
      out = all.subarray(0, n);
      this.chunks[0] = all.subarray(n);
      if (this.chunks[0].length === 0) this.chunks.shift();
    }
    this.length -= n;
    return out;
  }

  /** Merges only the leading chunks needed to hold `n` bytes (never copies the whole backlog). */
  private compact(n: number): void {
    let k = 0;
    let len = 0;
    while (len < n) len += this.chunks[k++]!.length;
    if (k > 1) this.chunks.splice(0, k, Buffer.concat(this.chunks.slice(0, k), len));
  }
}

/** Parses int64 BE offsets as JS numbers (commit-log offsets stay far below 2^53). */
export function readOffset(b: Buffer, at = 0): number {
  return Number(b.readBigInt64BE(at));
}
