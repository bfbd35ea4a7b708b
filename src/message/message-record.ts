/**
 * The stored message record: the commit-log layout, also the body of PULL / QUERY_MESSAGE /
 * VIEW_MESSAGE_BY_ID responses (records concatenated). Big-endian. See docs/formats/message-record.md.
 *
 * | #  | field                     | size            | offset (IPv4 hosts) |
 * |----|---------------------------|-----------------|---------------------|
 * | 1  | TOTALSIZE                 | 4               | 0                   |
 * | 2  | MAGICCODE                 | 4               | 4                   |
 * | 3  | BODYCRC                   | 4               | 8                   |
 * | 4  | QUEUEID                   | 4               | 12                  |
 * | 5  | FLAG                      | 4               | 16                  |
 * | 6  | QUEUEOFFSET               | 8               | 20                  |
 * | 7  | PHYSICALOFFSET            | 8               | 28                  |
 * | 8  | SYSFLAG                   | 4               | 36                  |
 * | 9  | BORNTIMESTAMP             | 8               | 40                  |
 * | 10 | BORNHOST                  | 8 (v6: 20)      | 48                  |
 * | 11 | STORETIMESTAMP            | 8               | 56                  |
 * | 12 | STOREHOST                 | 8 (v6: 20)      | 64                  |
 * | 13 | RECONSUMETIMES            | 4               | 72                  |
 * | 14 | PREPAREDTRANSACTIONOFFSET | 8               | 76                  |
 * | 15 | BODYLENGTH + BODY         | 4 + n           | 84                  |
 * | 16 | TOPICLENGTH + TOPIC       | 1 + t (v2: 2+t) |                     |
 * | 17 | PROPERTIESLENGTH + PROPS  | 2 + p           |                     |
 *
 * BODYCRC is CRC-32 (zlib) of the body & 0x7FFFFFFF. Size (v1, IPv4) = 91 + n + t + p.
 */
import { crc32 } from 'node:zlib';
import { MAGIC, SYS_FLAG } from './message-const.js';
import { readInt64BE, writeInt64BE } from './int64.js';
import { decodeProperties, type Properties } from './properties.js';
import { decodeSocketAddress, type SocketAddress } from './socket-address.js';
import { createOffsetMessageIdAt } from './message-id.js';
import { copyBytes, readInt16BE, readInt32BE, writeInt16BE, writeInt32BE, writeString } from '../common/bytes.js';

export const RECORD_FIXED_BYTES_V1_IPV4 = 91;
export const MAX_PROPERTIES_BYTES = 32767;
export const MAX_TOPIC_BYTES_V1 = 127;

export const POS = {
  TOTALSIZE: 0,
  MAGICCODE: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
} as const;

export function bodyCrc(body: Buffer): number {
  return crc32(body) & 0x7fffffff;
}

/** Everything needed to write one record. Hosts are pre-encoded (ip bytes + int32 port, 8 or 20 bytes). */
export interface RecordFields {
  topic: string;
  queueId: number;
  flag: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: Buffer;
  storeTimestamp: number;
  storeHost: Buffer;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  /** Encoded properties string (name\x01value\x02...). */
  properties: string;
  /** Precomputed CRC of body; computed when absent. */
  bodyCrc?: number;
}

/** Size of the record for these fields; topic and properties byte lengths may be passed to avoid recounting. */
export function recordSize(
  bodyBytes: number,
  topicBytes: number,
  propertiesBytes: number,
  bornHostBytes = 8,
  storeHostBytes = 8,
): number {
  const topicLenBytes = topicBytes > MAX_TOPIC_BYTES_V1 ? 2 : 1;
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHostBytes + 8 + storeHostBytes + 4 + 8 + 4 + bodyBytes + topicLenBytes + topicBytes + 2 + propertiesBytes;
}

/**
 * Writes one record at `offset` of `buf` and returns its size. The caller guarantees room
 * (use recordSize). Host IPv6 flags in sysFlag are set from the host buffer lengths.
 */
export function encodeRecordInto(buf: Buffer, offset: number, f: RecordFields, topicBytes?: number, propertiesBytes?: number): number {
  const tLen = topicBytes ?? Buffer.byteLength(f.topic);
  const pLen = propertiesBytes ?? Buffer.byteLength(f.properties);
  const size = recordSize(f.body.length, tLen, pLen, f.bornHost.length, f.storeHost.length);
  let sysFlag = f.sysFlag & ~(SYS_FLAG.BORNHOST_V6 | SYS_FLAG.STOREHOST_V6);
  if (f.bornHost.length === 20) sysFlag |= SYS_FLAG.BORNHOST_V6;
  if (f.storeHost.length === 20) sysFlag |= SYS_FLAG.STOREHOST_V6;
  let p = offset;
  writeInt32BE(buf, size, p); p += 4;
  writeInt32BE(buf, tLen > MAX_TOPIC_BYTES_V1 ? MAGIC.MESSAGE_V2 : MAGIC.MESSAGE_V1, p); p += 4;
  writeInt32BE(buf, f.bodyCrc ?? bodyCrc(f.body), p); p += 4;
  writeInt32BE(buf, f.queueId, p); p += 4;
  writeInt32BE(buf, f.flag, p); p += 4;
  writeInt64BE(buf, f.queueOffset, p); p += 8;
  writeInt64BE(buf, f.physicalOffset, p); p += 8;
  writeInt32BE(buf, sysFlag, p); p += 4;
  writeInt64BE(buf, f.bornTimestamp, p); p += 8;
  p += copyBytes(f.bornHost, buf, p);
  writeInt64BE(buf, f.storeTimestamp, p); p += 8;
  p += copyBytes(f.storeHost, buf, p);
  writeInt32BE(buf, f.reconsumeTimes, p); p += 4;
  writeInt64BE(buf, f.preparedTransactionOffset, p); p += 8;
  writeInt32BE(buf, f.body.length, p); p += 4;
  p += copyBytes(f.body, buf, p);
  if (tLen > MAX_TOPIC_BYTES_V1) { writeInt16BE(buf, tLen, p); p += 2; } else { buf[p++] = tLen; }
  p = writeString(buf, f.topic, tLen, p);
  writeInt16BE(buf, pLen, p); p += 2;
  if (pLen > 0) p = writeString(buf, f.properties, pLen, p);
  if (p - offset !== size) throw new Error(`record size mismatch ${p - offset} != ${size}`);
  return size;
}

export function encodeRecord(f: RecordFields): Buffer {
  const tLen = Buffer.byteLength(f.topic);
  const pLen = Buffer.byteLength(f.properties);
  const buf = Buffer.allocUnsafe(recordSize(f.body.length, tLen, pLen, f.bornHost.length, f.storeHost.length));
  encodeRecordInto(buf, 0, f, tLen, pLen);
  return buf;
}

/** A record's fixed-size fields, as both the decoded record and the allocation-free scan carry them. */
export interface RecordFixedFields {
  storeSize: number;
  magic: number;
  bodyCrc: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
}

/** A decoded record (MessageExt). */
export interface MessageExt extends RecordFixedFields {
  bornHost: SocketAddress;
  storeHost: SocketAddress;
  body: Buffer;
  topic: string;
  /** Encoded properties string as stored. */
  propertiesString: string;
  properties: Properties;
  /** Offset message id (store host + commit-log offset). */
  offsetMsgId: string;
}

export class RecordFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordFormatError';
  }
}

/**
 * A record's fixed fields and where its variable parts lie, read without allocating anything
 * (scanRecord fills one). Decoders that build their own message object (the client's pull path)
 * start from this, so bounds checks live in one place.
 */
export interface RecordScan extends RecordFixedFields {
  bornHostAt: number;
  storeHostAt: number;
  bodyStart: number;
  bodyEnd: number;
  topicStart: number;
  topicEnd: number;
  propertiesStart: number;
  propertiesEnd: number;
}

export function newRecordScan(): RecordScan {
  return {
    storeSize: 0, magic: 0, bodyCrc: 0, queueId: 0, flag: 0, queueOffset: 0, commitLogOffset: 0, sysFlag: 0, bornTimestamp: 0,
    bornHostAt: 0, storeTimestamp: 0, storeHostAt: 0, reconsumeTimes: 0, preparedTransactionOffset: 0,
    bodyStart: 0, bodyEnd: 0, topicStart: 0, topicEnd: 0, propertiesStart: 0, propertiesEnd: 0,
  };
}

/**
 * Reads the record at `offset` into `out`. Bounds-checks every length; throws RecordFormatError on a
 * truncated or malformed record.
 */
export function scanRecord(buf: Buffer, offset: number, out: RecordScan): void {
  const avail = buf.length - offset;
  if (avail < 4 + 4) throw new RecordFormatError('truncated record header');
  const storeSize = readInt32BE(buf, offset);
  const magic = readInt32BE(buf, offset + 4);
  if (magic !== MAGIC.MESSAGE_V1 && magic !== MAGIC.MESSAGE_V2) {
    throw new RecordFormatError(`bad magic code 0x${(magic >>> 0).toString(16)} at ${offset}`);
  }
  if (storeSize < RECORD_FIXED_BYTES_V1_IPV4 || storeSize > avail) {
    throw new RecordFormatError(`bad record size ${storeSize} at ${offset} (available ${avail})`);
  }
  const end = offset + storeSize;
  let p = offset + 8;
  out.storeSize = storeSize;
  out.magic = magic;
  out.bodyCrc = readInt32BE(buf, p); p += 4;
  out.queueId = readInt32BE(buf, p); p += 4;
  out.flag = readInt32BE(buf, p); p += 4;
  out.queueOffset = readInt64BE(buf, p); p += 8;
  out.commitLogOffset = readInt64BE(buf, p); p += 8;
  const sysFlag = readInt32BE(buf, p); p += 4;
  out.sysFlag = sysFlag;
  out.bornTimestamp = readInt64BE(buf, p); p += 8;
  const bornV6 = (sysFlag & SYS_FLAG.BORNHOST_V6) !== 0;
  const storeV6 = (sysFlag & SYS_FLAG.STOREHOST_V6) !== 0;
  const need = storeSize - RECORD_FIXED_BYTES_V1_IPV4 + 0;
  if (need < (bornV6 ? 12 : 0) + (storeV6 ? 12 : 0)) throw new RecordFormatError('record too small for its hosts');
  out.bornHostAt = p; p += bornV6 ? 20 : 8;
  out.storeTimestamp = readInt64BE(buf, p); p += 8;
  out.storeHostAt = p; p += storeV6 ? 20 : 8;
  out.reconsumeTimes = readInt32BE(buf, p); p += 4;
  out.preparedTransactionOffset = readInt64BE(buf, p); p += 8;
  const bodyLen = readInt32BE(buf, p); p += 4;
  if (bodyLen < 0 || p + bodyLen > end) throw new RecordFormatError(`bad body length ${bodyLen}`);
  out.bodyStart = p;
  p += bodyLen;
  out.bodyEnd = p;
  let topicLen: number;
  if (magic === MAGIC.MESSAGE_V2) {
    if (p + 2 > end) throw new RecordFormatError('truncated topic length');
    topicLen = readInt16BE(buf, p); p += 2;
  } else {
    if (p + 1 > end) throw new RecordFormatError('truncated topic length');
    topicLen = buf[p]!; p += 1;
  }
  if (topicLen < 0 || p + topicLen > end) throw new RecordFormatError(`bad topic length ${topicLen}`);
  out.topicStart = p;
  p += topicLen;
  out.topicEnd = p;
  if (p + 2 > end) throw new RecordFormatError('truncated properties length');
  const propLen = readInt16BE(buf, p); p += 2;
  if (propLen < 0 || p + propLen !== end) throw new RecordFormatError(`bad properties length ${propLen}`);
  out.propertiesStart = p;
  out.propertiesEnd = end;
}

const scratch = newRecordScan();

/**
 * Decodes the record at `offset`. Bounds-checks every length; throws RecordFormatError on a
 * truncated or malformed record. The body is a view into `buf` (no copy) unless `copyBody`.
 */
export function decodeRecord(buf: Buffer, offset = 0, copyBody = false): MessageExt {
  const r = scratch;
  scanRecord(buf, offset, r);
  const sysFlag = r.sysFlag;
  const storeV6 = (sysFlag & SYS_FLAG.STOREHOST_V6) !== 0;
  const body = copyBody ? Buffer.from(buf.subarray(r.bodyStart, r.bodyEnd)) : buf.subarray(r.bodyStart, r.bodyEnd);
  const propertiesString = buf.toString('utf8', r.propertiesStart, r.propertiesEnd);
  return {
    storeSize: r.storeSize,
    magic: r.magic,
    bodyCrc: r.bodyCrc,
    queueId: r.queueId,
    flag: r.flag,
    queueOffset: r.queueOffset,
    commitLogOffset: r.commitLogOffset,
    sysFlag,
    bornTimestamp: r.bornTimestamp,
    bornHost: decodeSocketAddress(buf, r.bornHostAt, (sysFlag & SYS_FLAG.BORNHOST_V6) !== 0),
    storeTimestamp: r.storeTimestamp,
    storeHost: decodeSocketAddress(buf, r.storeHostAt, storeV6),
    reconsumeTimes: r.reconsumeTimes,
    preparedTransactionOffset: r.preparedTransactionOffset,
    body,
    topic: decodeTopic(buf, r.topicStart, r.topicEnd),
    propertiesString,
    properties: decodeProperties(propertiesString),
    offsetMsgId: createOffsetMessageIdAt(buf, r.storeHostAt, r.storeHostAt + (storeV6 ? 20 : 8), r.commitLogOffset),
  };
}

/** The last topic decoded: records read together (a pull, a dispatch run) mostly share one. */
let lastTopic = '';

/** Topic text of buf[start, end), reusing the last one decoded when its (ASCII) bytes match. */
export function decodeTopic(buf: Buffer, start: number, end: number): string {
  const t = lastTopic;
  const n = end - start;
  if (t.length === n && n > 0) {
    let same = true;
    for (let i = 0; i < n; i++) {
      const c = t.charCodeAt(i);
      // Equal code units and bytes mean equal text only for ASCII.
      if (c !== buf[start + i] || c >= 0x80) {
        same = false;
        break;
      }
    }
    if (same) return t;
  }
  const topic = buf.toString('utf8', start, end);
  lastTopic = topic;
  return topic;
}

/** Decodes concatenated records (a PULL or QUERY_MESSAGE body). */
export function decodeRecords(buf: Buffer, copyBody = false): MessageExt[] {
  const out: MessageExt[] = [];
  let off = 0;
  while (off < buf.length) {
    const m = decodeRecord(buf, off, copyBody);
    out.push(m);
    off += m.storeSize;
  }
  return out;
}
