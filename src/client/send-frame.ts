/**
 * SEND_MESSAGE_V2 (310) requests encoded straight to frame bytes, for the producer's hot path.
 *
 * The frame is the ROCKETMQ binary serialization (docs/formats/remoting-frame.md): int32 length,
 * int32 (serialize type << 24 | header length), then the header: int16 code, uint8 language, int16
 * version, int32 opaque, int32 flag, int32 remark length (0), int32 extFields length, and the extFields
 * as [int16 key length][key][int32 value length][value]; the body follows the header. The header fields
 * are SendMessageRequestHeaderV2's one-letter keys, values in decimal text as Java writes them:
 *
 * | key | field                 | key | field          |
 * |-----|-----------------------|-----|----------------|
 * | a   | producerGroup         | h   | flag           |
 * | b   | topic                 | i   | properties     |
 * | c   | defaultTopic          | j   | reconsumeTimes |
 * | d   | defaultTopicQueueNums | k   | unitMode       |
 * | e   | queueId               | m   | batch          |
 * | f   | sysFlag               | n   | brokerName     |
 * | g   | bornTimestamp         |     |                |
 *
 * Why not RemotingCommand + SendMessageRequestHeaderV2.encode: that builds an object of thirteen strings
 * and a properties string per message, only to measure and copy them again; here the fields that are
 * the same for every send to a queue's broker (a, b, c, d, n, k, m) are encoded once, and numbers and
 * properties are written in place. The opaque is left 0 for the connection to fill in
 * (OPAQUE_OFFSET_IN_FRAME).
 */
import { RequestCode } from '../protocol/request-code.js';
import type { Properties } from '../message/properties.js';
import { decimalLength, writeDecimal } from '../protocol/decimal-text.js';
import { allocBinaryFrameHead, BIN_EXT_FIELDS_OFFSET, BIN_OPAQUE_OFFSET, encodeBinaryExtField, utf8Length } from '../remoting/frame-codec.js';
import { copyBytes, writeInt16BE, writeInt32BE } from '../common/bytes.js';

/** Where the connection writes the opaque. */
export const OPAQUE_OFFSET_IN_FRAME = BIN_OPAQUE_OFFSET;

/**
 * Writes `s` as UTF-8 at `o` (its length was counted already, so the room is there); returns the offset
 * after it. Short ASCII in one JS pass, anything else by the native encoder (which rewrites from `o`).
 */
function writeText(buf: Buffer, s: string, o: number): number {
  const n = s.length;
  if (n > 24) return o + buf.write(s, o, 'utf8'); // a native call beats a JS loop past ~24 characters
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return o + buf.write(s, o, 'utf8');
    buf[o + i] = c;
  }
  return o + n;
}

/** The fields that repeat on every send to one broker of one topic, encoded once. */
export function encodeSendStaticFields(producerGroup: string, topic: string, defaultTopic: string, defaultTopicQueueNums: number, brokerName: string): Buffer {
  return Buffer.concat([
    encodeBinaryExtField('a', producerGroup),
    encodeBinaryExtField('b', topic),
    encodeBinaryExtField('c', defaultTopic),
    encodeBinaryExtField('d', String(defaultTopicQueueNums)),
    encodeBinaryExtField('k', 'false'),
    encodeBinaryExtField('m', 'false'),
    encodeBinaryExtField('n', brokerName),
  ]);
}

/** Byte length of the encoded properties (name \u0001 value \u0002 ...), as encodeProperties would give. */
export function propertiesByteLength(props: Properties): number {
  let n = 0;
  for (const k in props) {
    const v = props[k];
    if (v === undefined || v === null) continue;
    n += utf8Length(k) + utf8Length(typeof v === 'string' ? v : String(v)) + 2;
  }
  return n;
}

function writeProperties(buf: Buffer, props: Properties, o: number): number {
  for (const k in props) {
    const v = props[k];
    if (v === undefined || v === null) continue;
    o = writeText(buf, k, o);
    buf[o++] = 1;
    o = writeText(buf, typeof v === 'string' ? v : String(v), o);
    buf[o++] = 2;
  }
  return o;
}

/** Numeric fields written per message: e queueId, f sysFlag, g bornTimestamp, h flag, j reconsumeTimes. */
const NUMERIC_KEYS = [101, 102, 103, 104, 106] as const;

/**
 * The frame head (length field through extFields) of one send; the body goes out after it unchanged.
 * `propsBytes` is propertiesByteLength(props).
 */
export function encodeSendFrameHead(
  staticFields: Buffer,
  queueId: number,
  sysFlag: number,
  bornTimestamp: number,
  flag: number,
  reconsumeTimes: number,
  props: Properties,
  propsBytes: number,
  bodyLength: number,
): Buffer {
  const nums = [queueId, sysFlag, bornTimestamp, flag, reconsumeTimes];
  let numBytes = 0;
  const lens = [0, 0, 0, 0, 0];
  for (let i = 0; i < 5; i++) {
    lens[i] = decimalLength(nums[i]!);
    numBytes += 7 + lens[i]!;
  }
  const extLen = staticFields.length + numBytes + 7 + propsBytes;
  // opaque 0: the connection sets it
  const buf = allocBinaryFrameHead(RequestCode.SEND_MESSAGE_V2, 0, 0, extLen, bodyLength);
  let o = BIN_EXT_FIELDS_OFFSET;
  o += copyBytes(staticFields, buf, o);
  for (let i = 0; i < 5; i++) {
    writeInt16BE(buf, 1, o);
    buf[o + 2] = NUMERIC_KEYS[i]!;
    writeInt32BE(buf, lens[i]!, o + 3);
    writeDecimal(buf, nums[i]!, o + 7, lens[i]!);
    o += 7 + lens[i]!;
  }
  writeInt16BE(buf, 1, o);
  buf[o + 2] = 105; // i: properties
  writeInt32BE(buf, propsBytes, o + 3);
  o = writeProperties(buf, props, o + 7);
  if (o !== buf.length) throw new Error(`send frame size mismatch (${o} != ${buf.length})`);
  return buf;
}
