/**
 * Remoting frame codec: one RemotingCommand <-> bytes, and a streaming decoder for a TCP byte stream.
 * Big-endian throughout. Full description: docs/formats/remoting-frame.md.
 *
 * Frame (remoting-protocol.md §1):
 *
 * | Offset | Size | Type   | Field                                                        |
 * |--------|------|--------|--------------------------------------------------------------|
 * | 0      | 4    | int32  | length = 4 + H + B (bytes after this field)                  |
 * | 4      | 4    | int32  | headerWord: bits 31..24 serialize type, bits 23..0 H         |
 * | 8      | H    | bytes  | header: JSON (type 0) or ROCKETMQ binary (type 1)            |
 * | 8+H    | B    | bytes  | body, opaque; B = length - 4 - H (0 = no body)               |
 *
 * ROCKETMQ binary header (§4), H = 21 + R + E:
 *
 * | Offset | Size | Type   | Field                                                        |
 * |--------|------|--------|--------------------------------------------------------------|
 * | 0      | 2    | int16  | code                                                         |
 * | 2      | 1    | int8   | language (LanguageCode byte)                                 |
 * | 3      | 2    | int16  | version                                                      |
 * | 5      | 4    | int32  | opaque                                                       |
 * | 9      | 4    | int32  | flag                                                         |
 * | 13     | 4    | int32  | R = remark length (0 = no remark)                            |
 * | 17     | R    | utf8   | remark                                                       |
 * | 17+R   | 4    | int32  | E = extFields block length                                   |
 * | 21+R   | E    | entries| repeated: int16 key length, key, int32 value length, value   |
 *
 * JSON header: an object with `code, extFields, flag, language, opaque, remark, serializeTypeCurrentRPC,
 * version`. We write the keys in that (alphabetical) order, as Java's fastjson does, so a Java frame
 * decodes and re-encodes byte for byte. extFields values are strings on the wire from Java; ali-ons
 * sends JSON numbers and booleans, which decode turns into their string form (the RemotingCommand
 * contract is string values).
 *
 * Code and version are 16-bit in the binary header; a command whose code does not fit (the 2000xx pop
 * family) is written with a JSON header whatever its serializeType says.
 */
import { RmqError } from '../common/errors.js';
import { DecodedCommand } from '../protocol/decoded-command.js';
import { languageCodeOf, languageNameOf } from '../protocol/language-code.js';
import { CURRENT_VERSION, SERIALIZE_JSON, SERIALIZE_ROCKETMQ, type RemotingCommand, type SerializeType } from '../protocol/remoting-command.js';
import { readInt16BE, readInt32BE, readUInt32BE, readUInt8, utf8Length, writeInt16BE, writeInt32BE, writeString, writeUInt32BE } from '../common/bytes.js';

export { utf8Length };

export const LENGTH_FIELD_BYTES = 4;
export const HEADER_WORD_BYTES = 4;
/** Bytes before the header: length field + header word. */
export const FRAME_PREFIX_BYTES = LENGTH_FIELD_BYTES + HEADER_WORD_BYTES;
/** Largest header length the 24-bit field can carry. */
export const MAX_HEADER_BYTES = 0xffffff;
/** Java's com.rocketmq.remoting.frameMaxLength: largest whole frame (length field included). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const BIN_CODE = 2;
const BIN_LANGUAGE = 1;
const BIN_VERSION = 2;
const BIN_OPAQUE = 4;
const BIN_FLAG = 4;
const BIN_REMARK_LEN = 4;
const BIN_EXT_LEN = 4;
/** Fixed part of the binary header. */
export const BIN_HEADER_FIXED_BYTES = BIN_CODE + BIN_LANGUAGE + BIN_VERSION + BIN_OPAQUE + BIN_FLAG + BIN_REMARK_LEN + BIN_EXT_LEN;
if (BIN_HEADER_FIXED_BYTES !== 21) throw new Error('binary header layout changed');
const BIN_KEY_LEN = 2;
const BIN_VALUE_LEN = 4;

/** A frame that cannot be decoded; the connection that sent it is closed. */
export class FrameError extends RmqError {
  constructor(code: 'MALFORMED_FRAME' | 'FRAME_TOO_LARGE', message: string) {
    super(code, message);
    this.name = 'FrameError';
  }
}

/**
 * extFields maps that were absent in a decoded JSON header. Java writes `"extFields":{}` for a command
 * built from a (possibly all-null) custom header and leaves the key out otherwise; nothing reads the
 * difference, but keeping it makes decoded Java frames re-encode byte for byte. Commands we build
 * ourselves always carry the key, which is the safe choice (the Java client reads a send response's
 * extFields without a null check).
 */
const absentExtFields = new WeakSet<object>();

// ---------------------------------------------------------------- encode

/**
 * The JSON header text, keys in fastjson's (alphabetical) order. Built by concatenation rather than
 * JSON.stringify of a fresh object: same bytes, about a third less time on the send path.
 */
function jsonHeaderText(cmd: RemotingCommand): string {
  const ext = cmd.extFields;
  let omitExt = ext === undefined || ext === null;
  if (!omitExt && absentExtFields.has(ext)) {
    omitExt = true;
    for (const _ in ext) {
      omitExt = false;
      break;
    }
  }
  const remark = cmd.remark;
  return (
    '{"code":' +
    jsonInt(cmd.code, 'code') +
    (omitExt ? '' : ',"extFields":' + JSON.stringify(ext)) +
    ',"flag":' +
    jsonInt(cmd.flag, 'flag') +
    ',"language":' +
    JSON.stringify(cmd.language ?? 'JAVA') +
    ',"opaque":' +
    jsonInt(cmd.opaque, 'opaque') +
    (remark === undefined || remark === null ? '' : ',"remark":' + JSON.stringify(remark)) +
    ',"serializeTypeCurrentRPC":"JSON","version":' +
    jsonInt(cmd.version, 'version') +
    '}'
  );
}

function jsonInt(n: number, field: string): string {
  if (!Number.isInteger(n)) throw new FrameError('MALFORMED_FRAME', `header field ${field} is not an integer: ${n}`);
  return String(n);
}

function fitsInt16(n: number): boolean {
  return Number.isInteger(n) && n >= -32768 && n <= 32767;
}

/** The serialization actually used for `cmd` (binary falls back to JSON for codes/versions over 16 bits). */
export function effectiveSerializeType(cmd: RemotingCommand): SerializeType {
  return cmd.serializeType === SERIALIZE_ROCKETMQ && fitsInt16(cmd.code) && fitsInt16(cmd.version) ? SERIALIZE_ROCKETMQ : SERIALIZE_JSON;
}

const JAVA_LANGUAGE_CODE = languageCodeOf('JAVA');

/** Where the opaque sits in a binary frame: length field, header word, code, language, version. */
export const BIN_OPAQUE_OFFSET = FRAME_PREFIX_BYTES + BIN_CODE + BIN_LANGUAGE + BIN_VERSION;
/** Where the extFields of a binary frame without remark begin. */
export const BIN_EXT_FIELDS_OFFSET = FRAME_PREFIX_BYTES + BIN_HEADER_FIXED_BYTES;

/**
 * For encoders that write a binary frame's extFields themselves (client/send-frame.ts,
 * broker/processors/send-response.ts): a buffer for a frame whose extFields take `extLength` bytes,
 * with the length field, header word and fixed header written (language JAVA, the current version,
 * no remark); the extFields go at BIN_EXT_FIELDS_OFFSET, a body of `bodyLength` bytes after the buffer.
 */
export function allocBinaryFrameHead(code: number, opaque: number, flag: number, extLength: number, bodyLength: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + BIN_HEADER_FIXED_BYTES + extLength);
  writeBinaryFrameHead(buf, 0, code, opaque, flag, extLength, bodyLength);
  return buf;
}

/** allocBinaryFrameHead's fields written at `at` of a caller's buffer; returns where the extFields go. */
export function writeBinaryFrameHead(buf: Buffer, at: number, code: number, opaque: number, flag: number, extLength: number, bodyLength: number): number {
  const headerLength = BIN_HEADER_FIXED_BYTES + extLength;
  writeInt32BE(buf, HEADER_WORD_BYTES + headerLength + bodyLength, at);
  writeUInt32BE(buf, ((SERIALIZE_ROCKETMQ << 24) | headerLength) >>> 0, at + LENGTH_FIELD_BYTES);
  let o = at + FRAME_PREFIX_BYTES;
  writeInt16BE(buf, code, o);
  buf[o + BIN_CODE] = JAVA_LANGUAGE_CODE;
  writeInt16BE(buf, CURRENT_VERSION, o + BIN_CODE + BIN_LANGUAGE);
  o = at + BIN_OPAQUE_OFFSET;
  writeInt32BE(buf, opaque | 0, o);
  writeInt32BE(buf, flag | 0, o + BIN_OPAQUE);
  writeInt32BE(buf, 0, o + BIN_OPAQUE + BIN_FLAG); // no remark
  writeInt32BE(buf, extLength, o + BIN_OPAQUE + BIN_FLAG + BIN_REMARK_LEN);
  return at + BIN_EXT_FIELDS_OFFSET;
}


/**
 * One binary extFields entry ([int16 key length][key][int32 value length][value]), for encoders that
 * write a frame's constant fields once (client/send-frame.ts, broker/processors/send-response.ts).
 */
export function encodeBinaryExtField(key: string, value: string): Buffer {
  const kl = utf8Length(key);
  const vl = utf8Length(value);
  const b = Buffer.allocUnsafe(BIN_KEY_LEN + kl + BIN_VALUE_LEN + vl);
  writeInt16BE(b, kl, 0);
  const o = writeString(b, key, kl, BIN_KEY_LEN);
  writeInt32BE(b, vl, o);
  writeString(b, value, vl, o + BIN_VALUE_LEN);
  return b;
}

/** Size of the binary header of `cmd`; its strings' UTF-8 lengths go to `lens` (remark first, then key/value pairs). */
function binaryHeaderSize(cmd: RemotingCommand, lens: number[]): number {
  const remark = cmd.remark;
  let size = BIN_HEADER_FIXED_BYTES;
  if (remark !== undefined && remark !== null) {
    const rl = utf8Length(remark);
    lens.push(rl);
    size += rl;
  } else {
    lens.push(-1);
  }
  const fields = cmd.extFields;
  if (fields === undefined || fields === null) return size;
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined || v === null) continue;
    const kl = utf8Length(k);
    if (kl > 0x7fff) throw new FrameError('MALFORMED_FRAME', `extFields key too long (${kl} bytes)`);
    const vl = utf8Length(typeof v === 'string' ? v : String(v));
    lens.push(kl, vl);
    size += BIN_KEY_LEN + kl + BIN_VALUE_LEN + vl;
  }
  return size;
}

function writeBinaryHeader(cmd: RemotingCommand, lens: number[], buf: Buffer, at: number): number {
  let o = at;
  writeInt16BE(buf, cmd.code, o);
  buf[o + 2] = languageCodeOf(cmd.language);
  writeInt16BE(buf, cmd.version, o + 3);
  writeInt32BE(buf, cmd.opaque | 0, o + 5);
  writeInt32BE(buf, cmd.flag | 0, o + 9);
  o += 13;
  const rl = lens[0]!;
  if (rl < 0) {
    writeInt32BE(buf, 0, o);
    o += BIN_REMARK_LEN;
  } else {
    writeInt32BE(buf, rl, o);
    o = writeString(buf, cmd.remark!, rl, o + BIN_REMARK_LEN);
  }
  const extLenAt = o;
  o += BIN_EXT_LEN;
  const fields = cmd.extFields;
  if (fields !== undefined && fields !== null) {
    let i = 1;
    for (const k in fields) {
      const v = fields[k];
      if (v === undefined || v === null) continue;
      const kl = lens[i++]!;
      const vl = lens[i++]!;
      writeInt16BE(buf, kl, o);
      o = writeString(buf, k, kl, o + BIN_KEY_LEN);
      writeInt32BE(buf, vl, o);
      o = writeString(buf, typeof v === 'string' ? v : String(v), vl, o + BIN_VALUE_LEN);
    }
  }
  writeInt32BE(buf, o - extLenAt - BIN_EXT_LEN, extLenAt);
  return o;
}

/**
 * Length field, header word and header in one buffer; the body (if any) as a second element,
 * uncopied, so a socket can write both with writev.
 */
export function encodeFrameParts(cmd: RemotingCommand, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer[] {
  const bodyLength = cmd.body === undefined || cmd.body === null ? 0 : cmd.body.length;
  const type = effectiveSerializeType(cmd);
  let head: Buffer;
  let headerLength: number;
  if (type === SERIALIZE_JSON) {
    const text = jsonHeaderText(cmd);
    headerLength = Buffer.byteLength(text, 'utf8');
    head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headerLength);
    head.write(text, FRAME_PREFIX_BYTES, 'utf8');
  } else {
    const lens: number[] = [];
    headerLength = binaryHeaderSize(cmd, lens);
    head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headerLength);
    const end = writeBinaryHeader(cmd, lens, head, FRAME_PREFIX_BYTES);
    if (end !== head.length) throw new FrameError('MALFORMED_FRAME', 'binary header size mismatch');
  }
  if (headerLength > MAX_HEADER_BYTES) throw new FrameError('FRAME_TOO_LARGE', `header of ${headerLength} bytes exceeds ${MAX_HEADER_BYTES}`);
  const total = FRAME_PREFIX_BYTES + headerLength + bodyLength;
  if (total > maxFrameBytes) throw new FrameError('FRAME_TOO_LARGE', `frame of ${total} bytes exceeds the ${maxFrameBytes}-byte limit`);
  writeInt32BE(head, total - LENGTH_FIELD_BYTES, 0);
  writeUInt32BE(head, ((type << 24) | headerLength) >>> 0, LENGTH_FIELD_BYTES);
  return bodyLength === 0 ? [head] : [head, cmd.body!];
}

/** The whole frame in one buffer (copies the body; prefer encodeFrameParts for sockets). */
export function encodeFrame(cmd: RemotingCommand, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const parts = encodeFrameParts(cmd, maxFrameBytes);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

// ---------------------------------------------------------------- decode

function malformed(message: string): FrameError {
  return new FrameError('MALFORMED_FRAME', message);
}

/** extFields as the contract wants them: string values, nulls dropped. Reuses the object when it already is. */
function stringExtFields(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) {
    const empty: Record<string, string> = {};
    absentExtFields.add(empty);
    return empty;
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw malformed('extFields is not an object');
  const obj = raw as Record<string, unknown>;
  let clean = true;
  for (const k in obj) {
    if (typeof obj[k] !== 'string') {
      clean = false;
      break;
    }
  }
  if (clean) return obj as Record<string, string>;
  const out: Record<string, string> = {};
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function int32Field(h: Record<string, unknown>, name: string, fallback?: number): number {
  const v = h[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw malformed(`JSON header lacks "${name}"`);
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw malformed(`JSON header "${name}" is not an integer`);
  return v;
}

function decodeJsonHeader(buf: Buffer, start: number, end: number): Omit<RemotingCommand, 'body' | 'serializeType'> {
  let h: unknown;
  try {
    h = JSON.parse(buf.toString('utf8', start, end));
  } catch (e) {
    throw malformed(`JSON header does not parse: ${(e as Error).message}`);
  }
  if (h === null || typeof h !== 'object' || Array.isArray(h)) throw malformed('JSON header is not an object');
  const o = h as Record<string, unknown>;
  const remark = o['remark'];
  if (remark !== undefined && remark !== null && typeof remark !== 'string') throw malformed('JSON header "remark" is not a string');
  const language = o['language'];
  return {
    code: int32Field(o, 'code'),
    language: typeof language === 'string' ? language : 'JAVA',
    version: int32Field(o, 'version', 0),
    opaque: int32Field(o, 'opaque', 0),
    flag: int32Field(o, 'flag', 0),
    remark: typeof remark === 'string' ? remark : undefined,
    extFields: stringExtFields(o['extFields']),
  };
}

function decodeBinaryHeader(buf: Buffer, start: number, end: number): RemotingCommand {
  if (end - start < BIN_HEADER_FIXED_BYTES) throw malformed(`binary header of ${end - start} bytes is shorter than ${BIN_HEADER_FIXED_BYTES}`);
  let o = start;
  const code = readInt16BE(buf, o);
  o += BIN_CODE;
  const language = languageNameOf(readUInt8(buf, o));
  o += BIN_LANGUAGE;
  const version = readInt16BE(buf, o);
  o += BIN_VERSION;
  const opaque = readInt32BE(buf, o);
  o += BIN_OPAQUE;
  const flag = readInt32BE(buf, o);
  o += BIN_FLAG;
  const remarkLength = readInt32BE(buf, o);
  o += BIN_REMARK_LEN;
  if (remarkLength < 0 || remarkLength > end - o - BIN_EXT_LEN) throw malformed(`binary header remark length ${remarkLength} out of bounds`);
  const remark = remarkLength === 0 ? undefined : buf.toString('utf8', o, o + remarkLength);
  o += remarkLength;
  const extLength = readInt32BE(buf, o);
  o += BIN_EXT_LEN;
  if (extLength < 0 || extLength !== end - o) throw malformed(`binary header extFields length ${extLength} does not match the ${end - o} bytes left`);
  // Lengths are checked now (a malformed frame closes the connection here, not in a handler later);
  // the strings are built only if someone reads extFields (DecodedCommand).
  const extStart = o;
  while (o < end) {
    if (end - o < BIN_KEY_LEN) throw malformed('truncated extFields key length');
    const kl = readInt16BE(buf, o);
    o += BIN_KEY_LEN;
    if (kl < 0 || kl > end - o - BIN_VALUE_LEN) throw malformed(`extFields key length ${kl} out of bounds`);
    o += kl;
    const vl = readInt32BE(buf, o);
    o += BIN_VALUE_LEN;
    if (vl < 0 || vl > end - o) throw malformed(`extFields value length ${vl} out of bounds`);
    o += vl;
  }
  return new DecodedCommand(code, language, version, opaque, flag, remark, SERIALIZE_ROCKETMQ, buf, extStart, end);
}

/**
 * Decodes one frame occupying buf[start, end) (length field included). The body is a view into
 * `buf`, not a copy.
 */
export function decodeFrame(buf: Buffer, start = 0, end = buf.length): RemotingCommand {
  if (end - start < FRAME_PREFIX_BYTES) throw malformed(`frame of ${end - start} bytes is shorter than ${FRAME_PREFIX_BYTES}`);
  const length = readInt32BE(buf, start);
  if (length !== end - start - LENGTH_FIELD_BYTES) throw malformed(`length field ${length} does not match the ${end - start - LENGTH_FIELD_BYTES} bytes that follow`);
  const headerWord = readUInt32BE(buf, start + LENGTH_FIELD_BYTES);
  const type = headerWord >>> 24;
  const headerLength = headerWord & MAX_HEADER_BYTES;
  const headerStart = start + FRAME_PREFIX_BYTES;
  const headerEnd = headerStart + headerLength;
  if (headerEnd > end) throw malformed(`header length ${headerLength} exceeds the frame`);
  let cmd: RemotingCommand;
  if (type === SERIALIZE_JSON) {
    cmd = decodeJsonHeader(buf, headerStart, headerEnd) as RemotingCommand;
    cmd.serializeType = type;
  } else if (type === SERIALIZE_ROCKETMQ) cmd = decodeBinaryHeader(buf, headerStart, headerEnd);
  else throw malformed(`unknown serialize type ${type}`);
  if (headerEnd < end) cmd.body = buf.subarray(headerEnd, end);
  return cmd;
}

/** Frames up to this size are assembled in one exact-size buffer; larger ones grow geometrically. */
const PARTIAL_INITIAL_CAPACITY_BYTES = 1024 * 1024;

/**
 * Splits a TCP byte stream into frames. Frames may be split at any byte and many may share a chunk.
 * A frame that lies wholly inside one chunk is decoded in place (its body is a view of the chunk);
 * a frame spanning chunks is copied into an assembly buffer: of its exact size for frames up to 1 MiB
 * (one copy), else starting at 1 MiB and doubling, so a peer that announces 16 MiB and sends little
 * costs little, whatever the size of its TCP segments.
 * After an error the decoder is unusable: the stream has lost framing, close the connection.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Frame being assembled across chunks, bytes filled, and the frame's full size (0 = none). */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private partialTotal = 0;
  /** Length field split across chunks. */
  private readonly lengthBytes = Buffer.alloc(LENGTH_FIELD_BYTES);
  private lengthFilled = 0;
  private failed: FrameError | null = null;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.partialTotal !== 0 ? this.partialFilled : this.lengthFilled;
  }

  /** Bytes allocated for the frame being assembled. */
  get bufferedCapacityBytes(): number {
    return this.partial?.length ?? 0;
  }

  private checkLength(length: number): number {
    if (length < HEADER_WORD_BYTES) throw this.fail(malformed(`length field ${length} is smaller than ${HEADER_WORD_BYTES}`));
    const total = length + LENGTH_FIELD_BYTES;
    if (total > this.maxFrameBytes) {
      throw this.fail(new FrameError('FRAME_TOO_LARGE', `frame of ${total} bytes exceeds the ${this.maxFrameBytes}-byte limit`));
    }
    return total;
  }

  private fail(e: FrameError): FrameError {
    this.failed = e;
    this.partial = null;
    this.partialFilled = 0;
    this.partialTotal = 0;
    return e;
  }

  /** Starts assembling a frame of `total` bytes. */
  private begin(total: number): void {
    this.partialTotal = total;
    this.partialFilled = 0;
    this.partial = Buffer.allocUnsafe(Math.min(total, PARTIAL_INITIAL_CAPACITY_BYTES));
  }

  /** Appends src[start, end) to the frame being assembled, growing the buffer if needed. */
  private append(src: Buffer, start: number, end: number): void {
    const need = this.partialFilled + (end - start);
    let buf = this.partial!;
    if (need > buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.partialTotal, Math.max(need, buf.length * 2)));
      buf.copy(grown, 0, 0, this.partialFilled);
      buf = grown;
      this.partial = grown;
    }
    src.copy(buf, this.partialFilled, start, end);
    this.partialFilled = need;
  }

  /**
   * Feeds a chunk; calls `onFrame` for each complete frame in order. Throws FrameError.
   * Frames decoded in place keep views of `chunk`: do not reuse it afterwards.
   */
  push(chunk: Buffer, onFrame: (cmd: RemotingCommand) => void): void {
    if (this.failed !== null) throw this.failed;
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.partialTotal !== 0) {
        const take = Math.min(this.partialTotal - this.partialFilled, n - pos);
        this.append(chunk, pos, pos + take);
        pos += take;
        if (this.partialFilled < this.partialTotal) return;
        const frame = this.partial!;
        this.partial = null;
        this.partialFilled = 0;
        this.partialTotal = 0;
        this.emit(frame, 0, frame.length, onFrame);
        continue;
      }
      if (this.lengthFilled > 0 || n - pos < LENGTH_FIELD_BYTES) {
        const take = Math.min(LENGTH_FIELD_BYTES - this.lengthFilled, n - pos);
        chunk.copy(this.lengthBytes, this.lengthFilled, pos, pos + take);
        this.lengthFilled += take;
        pos += take;
        if (this.lengthFilled < LENGTH_FIELD_BYTES) return;
        this.lengthFilled = 0;
        this.begin(this.checkLength(readInt32BE(this.lengthBytes, 0)));
        this.append(this.lengthBytes, 0, LENGTH_FIELD_BYTES);
        continue;
      }
      const total = this.checkLength(readInt32BE(chunk, pos));
      if (n - pos >= total) {
        this.emit(chunk, pos, pos + total, onFrame);
        pos += total;
        continue;
      }
      this.begin(total);
      this.append(chunk, pos, n);
      return;
    }
  }

  private emit(buf: Buffer, start: number, end: number, onFrame: (cmd: RemotingCommand) => void): void {
    let cmd: RemotingCommand;
    try {
      cmd = decodeFrame(buf, start, end);
    } catch (e) {
      throw this.fail(e instanceof FrameError ? e : malformed(String(e)));
    }
    onFrame(cmd);
  }
}
