/**
 * Byte-level reads and writes in buffers: big-endian 8/16/32-bit integers as free functions with
 * Buffer's names, argument order, return values and range errors (a NaN value is written as 0, as
 * Buffer does), and a copy for short byte strings.
 *
 * Why not the Buffer methods: on Node 20 a call like `buf.readInt32BE(o)` or `src.copy(buf, o)` in
 * optimized code goes through a generic property-load stub and an un-inlined call (about 3 ns more per
 * call, and copy adds layers of argument handling); these functions are inlined to plain byte loads and
 * stores. The frame codec, the send path and the record encoder make dozens of such calls per message.
 */

function outside(offset: number, width: number, buf: Uint8Array): RangeError {
  return new RangeError(`offset ${offset} with ${width} bytes is outside a buffer of ${buf.length} bytes`);
}

function notInRange(value: number, lo: number, hi: number): RangeError {
  return new RangeError(`value ${value} is outside [${lo}, ${hi}]`);
}

export function readUInt8(buf: Uint8Array, offset: number): number {
  if (!((offset >>> 0) === offset && offset < buf.length)) throw outside(offset, 1, buf);
  return buf[offset]!;
}

export function readInt16BE(buf: Uint8Array, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 2 <= buf.length)) throw outside(offset, 2, buf);
  return (((buf[offset]! << 8) | buf[offset + 1]!) << 16) >> 16;
}

export function readUInt16BE(buf: Uint8Array, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 2 <= buf.length)) throw outside(offset, 2, buf);
  return (buf[offset]! << 8) | buf[offset + 1]!;
}

export function readInt32BE(buf: Uint8Array, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 4 <= buf.length)) throw outside(offset, 4, buf);
  return (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
}

export function readUInt32BE(buf: Uint8Array, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 4 <= buf.length)) throw outside(offset, 4, buf);
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Returns offset + 2, as Buffer's does. */
export function writeInt16BE(buf: Uint8Array, value: number, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 2 <= buf.length)) throw outside(offset, 2, buf);
  if (value < -0x8000 || value > 0x7fff) throw notInRange(value, -0x8000, 0x7fff);
  buf[offset] = value >>> 8;
  buf[offset + 1] = value;
  return offset + 2;
}

export function writeUInt16BE(buf: Uint8Array, value: number, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 2 <= buf.length)) throw outside(offset, 2, buf);
  if (value < 0 || value > 0xffff) throw notInRange(value, 0, 0xffff);
  buf[offset] = value >>> 8;
  buf[offset + 1] = value;
  return offset + 2;
}

export function writeInt32BE(buf: Uint8Array, value: number, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 4 <= buf.length)) throw outside(offset, 4, buf);
  if (value < -0x80000000 || value > 0x7fffffff) throw notInRange(value, -0x80000000, 0x7fffffff);
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
  return offset + 4;
}

export function writeUInt32BE(buf: Uint8Array, value: number, offset: number): number {
  if (!((offset >>> 0) === offset && offset + 4 <= buf.length)) throw outside(offset, 4, buf);
  if (value < 0 || value > 0xffffffff) throw notInRange(value, 0, 0xffffffff);
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
  return offset + 4;
}

/**
 * Copies all of `src` into `dst` at `at`; returns src.length. Short sources (addresses, header keys)
 * are copied in a loop, longer ones with TypedArray#set; both throw RangeError when `src` does not fit.
 */
export function copyBytes(src: Uint8Array, dst: Uint8Array, at: number): number {
  const n = src.length;
  if (n > 32) {
    dst.set(src, at);
    return n;
  }
  if (!((at >>> 0) === at && at + n <= dst.length)) throw outside(at, n, dst);
  for (let i = 0; i < n; i++) dst[at + i] = src[i]!;
  return n;
}

/** Buffer's undocumented (but long-stable) direct string write, without the argument checks of write. */
interface NativeBuffer extends Buffer {
  latin1Write(s: string, offset: number, length: number): number;
}

/**
 * UTF-8 byte length of `s`, counted in JS: header keys and values are short and almost always ASCII,
 * where this beats a native Buffer.byteLength call per string.
 */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > 24) return Buffer.byteLength(s, 'utf8'); // a fast native call, cheaper than the loop past ~24 characters
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

/** Writes `s` (whose UTF-8 length is `len`) at `o`; returns the offset after it. */
export function writeString(buf: Buffer, s: string, len: number, o: number): number {
  const n = s.length;
  if (!((o >>> 0) === o && o + len <= buf.length)) throw outside(o, len, buf);
  if (len !== n) return o + buf.write(s, o, len, 'utf8');
  // the native write costs about 35 ns a call, a JS loop about 1 ns a character (more on a concatenated string)
  if (n > 24) return o + (buf as NativeBuffer).latin1Write(s, o, n);
  for (let i = 0; i < n; i++) buf[o + i] = s.charCodeAt(i);
  return o + n;
}
