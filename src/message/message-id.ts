import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { encodeSocketAddress } from './socket-address.js';
import { readInt64BE } from './int64.js';

/**
 * Offset message id: store host (IPv4 4 bytes or IPv6 16 bytes) + port (int32) + commit-log
 * offset (int64), as uppercase hex (32 or 56 chars). This is the SEND response `msgId`.
 */
export function createOffsetMessageId(storeHost: Buffer, physicalOffset: number): string {
  return storeHostHex(storeHost) + offsetHex(physicalOffset);
}

/** Uppercase hex of the last store host seen (records of one pull share it). */
let lastHostBytes: Buffer | null = null;
let lastHostHex = '';

function storeHostHex(storeHost: Buffer): string {
  const prev = lastHostBytes;
  if (prev !== null && prev.length === storeHost.length) {
    let same = true;
    for (let i = 0; i < prev.length; i++) {
      if (prev[i] !== storeHost[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastHostHex;
  }
  lastHostBytes = Buffer.from(storeHost);
  lastHostHex = storeHost.toString('hex').toUpperCase();
  return lastHostHex;
}

const HEX8_PAD = '00000000';

/** Uppercase hex of the int64 commit-log offset, 16 digits. */
function offsetHex(n: number): string {
  const hi = Math.floor(n / 4294967296);
  const lo = n - hi * 4294967296;
  const h = (hi >>> 0).toString(16);
  const l = lo.toString(16);
  return (HEX8_PAD.slice(h.length) + h + HEX8_PAD.slice(l.length) + l).toUpperCase();
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
    for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(i * 2).toString(16));
    address = g.join(':');
  }
  return { address, port: b.readInt32BE(ipLen), physicalOffset: readInt64BE(b, ipLen + 4) };
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
    fix.writeUInt16BE(process.pid & 0xffff, 4);
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
    b.writeUInt32BE((nowMs - this.monthStartMs) >>> 0, 0);
    b.writeUInt16BE(this.counter, 4);
    this.counter = (this.counter + 1) & 0xffff;
    return this.prefix + b.toString('hex').toUpperCase();
  }
}

export const uniqueKeyGenerator = new UniqueKeyGenerator();
