/**
 * 64-bit big-endian integers as JS numbers. Offsets and timestamps stay far below 2^53,
 * so numbers avoid BigInt's allocation on hot paths. Signed (two's complement) for tag codes.
 */
const TWO_32 = 4294967296;

export function writeInt64BE(buf: Buffer, value: number, offset: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi | 0, offset);
  buf.writeUInt32BE(value - hi * TWO_32, offset + 4);
}

export function readInt64BE(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}
