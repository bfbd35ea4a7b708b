/**
 * 64-bit big-endian integers as JS numbers. Offsets and timestamps stay far below 2^53,
 * so numbers avoid BigInt's allocation on hot paths. Signed (two's complement) for tag codes.
 * Bytes are moved directly (no Buffer.writeInt32BE argument checks): these run several times per
 * record on the append and pull paths.
 */
const TWO_32 = 4294967296;

export function writeInt64BE(buf: Buffer, value: number, offset: number): void {
  if (!(offset >= 0 && offset + 8 <= buf.length)) throw new RangeError(`int64 at ${offset} is outside a buffer of ${buf.length} bytes`);
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = hi >>> 16;
  buf[offset + 2] = hi >>> 8;
  buf[offset + 3] = hi;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = lo >>> 16;
  buf[offset + 6] = lo >>> 8;
  buf[offset + 7] = lo;
}

export function readInt64BE(buf: Buffer, offset: number): number {
  if (!(offset >= 0 && offset + 8 <= buf.length)) throw new RangeError(`int64 at ${offset} is outside a buffer of ${buf.length} bytes`);
  const hi = (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
  const lo = ((buf[offset + 4]! << 24) | (buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!) >>> 0;
  return hi * TWO_32 + lo;
}
