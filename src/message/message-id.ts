import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { encodeSocketAddress } from './socket-address.js';
import { readInt64BE } from './int64.js';
import { readInt32BE, readUInt16BE, writeUInt16BE, writeUInt32BE } from '../common/bytes.js';

/**
 * Offset message id: store host (IPv4 4 bytes or IPv6 16 bytes) + port (int32) + commit-log
 * offset (int64), as uppercase hex (32 or 56 chars). This is the SEND response `msgId`.
 */
export function createOffsetMessageId(storeHost: Buffer, physicalOffset: number): string {
  return storeHostHex(storeHost, 0, storeHost.length) + offsetHex(physicalOffset);
}

/** createOffsetMessageId of the store host bytes buf[hostStart, hostEnd), without a view of them. */
export function createOffsetMessageIdAt(buf: Buffer, hostStart: number, hostEnd: number, physicalOffset: number): string {
  return storeHostHex(buf, hostStart, hostEnd) + offsetHex(physicalOffset);
}

/** Uppercase hex of the last store host seen (records of one pull share it). */
let lastHostBytes: Buffer | null = null;
let lastHostHex = '';

function storeHostHex(buf: Buffer, start: number, end: number): string {
  const prev = lastHostBytes;
  const n = end - start;
  if (prev !== null && prev.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (prev[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return lastHostHex;
  }
  lastHostBytes = Buffer.from(buf.subarray(start, end));
  lastHostHex = buf.toString('hex', start, end).toUpperCase();
  return lastHostHex;
}

/** "00".."FF" by byte value. */
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16).toUpperCase());

/** Uppercase hex of a uint32, 8 digits. */
function hex32(v: number): string {
  return HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 0xff]! + HEX_BYTE[(v >>> 8) & 0xff]! + HEX_BYTE[v & 0xff]!;
}

/** Uppercase hex of the int64 commit-log offset, 16 digits. */
function offsetHex(n: number): string {
  const hi = Math.floor(n / 4294967296);
  return hex32(hi >>> 0) + hex32(n - hi * 4294967296);
}

export interface DecodedOffsetMessageId {
  address: string;
  port: number;
  physicalOffset: number;
}

export function decodeOffsetMessageId(id: string): DecodedOffsetMessageId {
  if (!/^[0-9A-Fa-f]+$/.test(id) || (id.length !== 32 && id.length !== 56)) {
    throw new Error(`not an offset message id: ${id}`);
  }
  const b = Buffer.from(id, 'hex');
  const ipLen = b.length === 16 ? 4 : 16;
  let address: string;
  if (ipLen === 4) address = `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  else {
    const g: string[] = [];
    for (let i = 0; i < 8; i++) g.push(readUInt16BE(b, i * 2).toString(16));
    address = g.join(':');
  }
  return { address, port: readInt32BE(b, ipLen), physicalOffset: readInt64BE(b, ipLen + 4) };
}

function localIPv4(): Buffer {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family === 'IPv4' && !i.internal) return encodeSocketAddress(i.address, 0).subarray(0, 4);
    }
  }
  return Buffer.from([127, 0, 0, 1]);
}

/**
 * UNIQ_KEY generator, layout of MessageClientIDSetter: ip (4) + pid low 16 bits (2) +
 * random "class loader" hash (4) | ms since start of the current month (4) + counter (2).
 */
export class UniqueKeyGenerator {
  private readonly prefix: string;
  private counter = 0;
  private monthStartMs = 0;
  private nextMonthStartMs = 0;

  constructor() {
    const fix = Buffer.allocUnsafe(10);
    localIPv4().copy(fix, 0);
    writeUInt16BE(fix, process.pid & 0xffff, 4);
    randomBytes(4).copy(fix, 6);
    this.prefix = fix.toString('hex').toUpperCase();
  }

  next(nowMs = Date.now()): string {
    if (nowMs >= this.nextMonthStartMs) {
      const d = new Date(nowMs);
      this.monthStartMs = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
      this.nextMonthStartMs = new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
    }
    const b = Buffer.allocUnsafe(6);
    writeUInt32BE(b, (nowMs - this.monthStartMs) >>> 0, 0);
    writeUInt16BE(b, this.counter, 4);
    this.counter = (this.counter + 1) & 0xffff;
    return this.prefix + b.toString('hex').toUpperCase();
  }
}

export const uniqueKeyGenerator = new UniqueKeyGenerator();
