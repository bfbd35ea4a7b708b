import { isIPv4, isIPv6 } from 'node:net';
import { readInt32BE, readUInt16BE, writeInt32BE, writeUInt16BE } from '../common/bytes.js';

/**
 * Host encoding used in message records and message ids: IPv4 (4 bytes) or IPv6 (16 bytes),
 * followed by the port as int32. IPv4-mapped IPv6 addresses ("::ffff:a.b.c.d") are stored as IPv4.
 */
export interface SocketAddress {
  address: string;
  port: number;
}

export function normalizeAddress(address: string): string {
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  return address;
}

export function encodeSocketAddress(address: string, port: number): Buffer {
  const a = normalizeAddress(address);
  if (isIPv4(a)) {
    const b = Buffer.allocUnsafe(8);
    const parts = a.split('.');
    for (let i = 0; i < 4; i++) b[i] = Number(parts[i]);
    writeInt32BE(b, port, 4);
    return b;
  }
  if (!isIPv6(a)) throw new Error(`not an IP address: ${address}`);
  const b = Buffer.alloc(20);
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  for (let i = 0; i < 8; i++) writeUInt16BE(b, parseInt(groups[i] || '0', 16), i * 2);
  writeInt32BE(b, port, 16);
  return b;
}

/**
 * The last IPv4 addresses formatted, by their 32-bit value: a pull response's records carry the same
 * few hosts, and formatting dotted text per record is a measurable part of decoding them.
 */
const IPV4_CACHE_SLOTS = 64;
const ipv4CacheKeys = new Int32Array(IPV4_CACHE_SLOTS);
const ipv4CacheText: (string | undefined)[] = new Array<string | undefined>(IPV4_CACHE_SLOTS);

function ipv4Text(buf: Buffer, offset: number): string {
  const v = readInt32BE(buf, offset);
  const slot = (v ^ (v >>> 7) ^ (v >>> 17)) & (IPV4_CACHE_SLOTS - 1);
  const hit = ipv4CacheText[slot];
  if (hit !== undefined && ipv4CacheKeys[slot] === v) return hit;
  const text = `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  ipv4CacheKeys[slot] = v;
  ipv4CacheText[slot] = text;
  return text;
}

export function decodeSocketAddress(buf: Buffer, offset: number, ipv6: boolean): SocketAddress {
  if (!ipv6) return { address: ipv4Text(buf, offset), port: readInt32BE(buf, offset + 4) };
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(readUInt16BE(buf, offset + i * 2).toString(16));
  return { address: groups.join(':'), port: readInt32BE(buf, offset + 16) };
}

export function formatSocketAddress(a: SocketAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Parses "ip:port" or "[v6]:port". */
export function parseSocketAddress(s: string): SocketAddress {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`bad address "${s}", expected ip:port`);
  return { address: m[1]!, port: Number(m[2]) };
}
