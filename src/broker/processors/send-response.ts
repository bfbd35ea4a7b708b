/**
 * The SUCCESS answer to a single send, encoded straight to a binary frame (docs/formats/remoting-frame.md)
 * when the request came in the binary serialization: the extFields are msgId (the offset message id,
 * 32 hex digits for an IPv4 store host), queueId, queueOffset, MSG_REGION and TRACE_ON, as Java's
 * SendMessageProcessor answers. msgId is written from the store host and offset without building its
 * string, the constant fields are encoded once.
 *
 * The object still reads as an ordinary RemotingCommand (extFields built on demand), so anything that
 * inspects the answer sees the same fields. When the request was binary and nobody touched the fields,
 * Connection has it encode itself straight into the connection's output buffer (encodeInto, with the
 * request's opaque): no buffer of its own per answer. Otherwise it is encoded the ordinary way.
 */
import { CURRENT_VERSION, FLAG_RESPONSE, type RemotingCommand, type SerializeType } from '../../protocol/remoting-command.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { BIN_EXT_FIELDS_OFFSET, encodeBinaryExtField, writeBinaryFrameHead } from '../../remoting/frame-codec.js';
import type { PreEncodedResponse } from '../../remoting/types.js';
import { decimalLength, writeDecimal } from '../../protocol/decimal-text.js';
import { copyBytes, writeInt16BE, writeInt32BE, writeString } from '../../common/bytes.js';

const TRAILER = Buffer.concat([encodeBinaryExtField('MSG_REGION', 'DefaultRegion'), encodeBinaryExtField('TRACE_ON', 'true')]);
const KEY_MSG_ID = Buffer.from('msgId', 'latin1');
const KEY_QUEUE_ID = Buffer.from('queueId', 'latin1');
const KEY_QUEUE_OFFSET = Buffer.from('queueOffset', 'latin1');
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
const FIXED_EXT_BYTES = 6 + KEY_MSG_ID.length + 16 + 6 + KEY_QUEUE_ID.length + 6 + KEY_QUEUE_OFFSET.length + TRAILER.length;

function writeKey(buf: Buffer, key: Buffer, o: number, valueLen: number): number {
  writeInt16BE(buf, key.length, o);
  copyBytes(key, buf, o + 2);
  writeInt32BE(buf, valueLen, o + 2 + key.length);
  return o + 6 + key.length;
}

export class SendOkResponse implements RemotingCommand, PreEncodedResponse {
  code: number = ResponseCode.SUCCESS;
  language = 'JAVA';
  version = CURRENT_VERSION;
  opaque: number;
  flag = FLAG_RESPONSE;
  remark: string | undefined = undefined;
  serializeType: SerializeType;
  /** Bytes of the whole binary frame. */
  readonly encodedLength: number;
  #ext: Record<string, string> | undefined;

  constructor(
    req: RemotingCommand,
    /** Upper-case hex of the store host (ip + port), as the offset message id starts. */
    readonly hostHex: string,
    readonly phys: number,
    readonly queueId: number,
    readonly queueOffset: number,
  ) {
    this.opaque = req.opaque;
    this.serializeType = req.serializeType;
    this.encodedLength = BIN_EXT_FIELDS_OFFSET + this.extLength();
  }

  private extLength(): number {
    return FIXED_EXT_BYTES + this.hostHex.length + decimalLength(this.queueId) + decimalLength(this.queueOffset);
  }

  /** Writes the whole frame (encodedLength bytes) at `at`, with `opaque`. */
  encodeInto(buf: Buffer, at: number, opaque: number): void {
    const { hostHex, phys, queueId, queueOffset } = this;
    const idLen = hostHex.length + 16;
    const qLen = decimalLength(queueId);
    const oLen = decimalLength(queueOffset);
    let o = writeBinaryFrameHead(buf, at, ResponseCode.SUCCESS, opaque, FLAG_RESPONSE, this.encodedLength - BIN_EXT_FIELDS_OFFSET, 0);
    o = writeKey(buf, KEY_MSG_ID, o, idLen);
    o = writeString(buf, hostHex, hostHex.length, o);
    // 16 hex digits of the offset (below 2^53: split in two 32-bit halves)
    const hi = Math.floor(phys / 4294967296);
    const lo = phys - hi * 4294967296;
    for (let i = 7; i >= 0; i--) buf[o + 7 - i] = HEX[(hi >>> (i * 4)) & 0xf]!;
    for (let i = 7; i >= 0; i--) buf[o + 15 - i] = HEX[(lo >>> (i * 4)) & 0xf]!;
    o += 16;
    o = writeDecimal(buf, queueId, writeKey(buf, KEY_QUEUE_ID, o, qLen), qLen);
    o = writeDecimal(buf, queueOffset, writeKey(buf, KEY_QUEUE_OFFSET, o, oLen), oLen);
    o += copyBytes(TRAILER, buf, o);
    if (o !== at + this.encodedLength) throw new Error(`send answer size mismatch (${o - at} != ${this.encodedLength})`);
  }

  /** The whole frame in a buffer of its own, with this object's opaque. */
  get encoded(): Buffer {
    const buf = Buffer.allocUnsafe(this.encodedLength);
    this.encodeInto(buf, 0, this.opaque);
    return buf;
  }

  /** Nobody read or replaced extFields: the encoding is still the whole answer. */
  get pristine(): boolean {
    return this.#ext === undefined;
  }

  get msgId(): string {
    const hex = this.phys.toString(16).toUpperCase();
    return this.hostHex + '0'.repeat(16 - hex.length) + hex;
  }

  get extFields(): Record<string, string> {
    this.#ext ??= { msgId: this.msgId, queueId: String(this.queueId), queueOffset: String(this.queueOffset), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' };
    return this.#ext;
  }

  set extFields(v: Record<string, string>) {
    this.#ext = v;
  }
}
