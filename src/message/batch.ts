import { readInt16BE, readInt32BE, writeInt16BE, writeInt32BE } from '../common/bytes.js';
/**
 * SEND_BATCH_MESSAGE body: per message
 * | size | field |
 * | 4 | TOTALSIZE of this block |
 * | 4 | MAGICCODE (client writes 0) |
 * | 4 | BODYCRC (client writes 0) |
 * | 4 | FLAG |
 * | 4 + n | BODYLENGTH + BODY |
 * | 2 + p | PROPERTIESLENGTH + PROPERTIES |
 */
export interface BatchEntry {
  flag: number;
  body: Buffer;
  /** Encoded properties string. */
  properties: string;
}

export function encodeBatch(entries: BatchEntry[]): Buffer {
  let total = 0;
  const pLens = entries.map((e) => Buffer.byteLength(e.properties));
  entries.forEach((e, i) => (total += 20 + e.body.length + 2 + pLens[i]!));
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  entries.forEach((e, i) => {
    const size = 20 + e.body.length + 2 + pLens[i]!;
    writeInt32BE(buf, size, p);
    writeInt32BE(buf, 0, p + 4);
    writeInt32BE(buf, 0, p + 8);
    writeInt32BE(buf, e.flag, p + 12);
    writeInt32BE(buf, e.body.length, p + 16);
    p += 20;
    p += e.body.copy(buf, p);
    writeInt16BE(buf, pLens[i]!, p);
    p += 2;
    p += buf.write(e.properties, p, 'utf8');
  });
  return buf;
}

export function decodeBatch(buf: Buffer): BatchEntry[] {
  const out: BatchEntry[] = [];
  let p = 0;
  while (p < buf.length) {
    if (p + 20 > buf.length) throw new Error('truncated batch entry');
    const size = readInt32BE(buf, p);
    if (size < 22 || p + size > buf.length) throw new Error(`bad batch entry size ${size}`);
    const flag = readInt32BE(buf, p + 12);
    const bodyLen = readInt32BE(buf, p + 16);
    if (bodyLen < 0 || 20 + bodyLen + 2 > size) throw new Error(`bad batch body length ${bodyLen}`);
    const body = buf.subarray(p + 20, p + 20 + bodyLen);
    const pl = readInt16BE(buf, p + 20 + bodyLen);
    if (pl < 0 || 20 + bodyLen + 2 + pl !== size) throw new Error(`bad batch properties length ${pl}`);
    const properties = buf.toString('utf8', p + 22 + bodyLen, p + 22 + bodyLen + pl);
    out.push({ flag, body, properties });
    p += size;
  }
  return out;
}
