/**
 * A command decoded from a ROCKETMQ (binary) header, with its extFields left as bytes until someone
 * reads them (remoting-frame.md §2.2 for the layout of the region: repeated
 * [int16 key length][key][int32 value length][value]).
 *
 * Why: building the extFields object costs a string per field and an object per frame, and on the two
 * hottest requests (SEND_MESSAGE_V2 and PULL_MESSAGE) the processors want numbers, not strings. They read
 * the raw region (rawExtBuf/rawExtStart/rawExtEnd) while it is still undecoded; everything else reads
 * `extFields` as before and gets the object, decoded once. The frame decoder has already checked that
 * every length in the region is in bounds, so decoding it later cannot fail.
 */
import { internedName, utf8Text } from '../message/string-cache.js';
import type { RemotingCommand, SerializeType } from './remoting-command.js';
import { readInt16BE, readInt32BE } from '../common/bytes.js';

export class DecodedCommand implements RemotingCommand {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark: string | undefined;
  serializeType: SerializeType;
  declare body?: Buffer;
  #ext: Record<string, string> | undefined = undefined;
  #buf: Buffer;
  #start: number;
  #end: number;

  constructor(code: number, language: string, version: number, opaque: number, flag: number, remark: string | undefined, serializeType: SerializeType, buf: Buffer, extStart: number, extEnd: number) {
    this.code = code;
    this.language = language;
    this.version = version;
    this.opaque = opaque;
    this.flag = flag;
    this.remark = remark;
    this.serializeType = serializeType;
    this.#buf = buf;
    this.#start = extStart;
    this.#end = extEnd;
  }

  get extFields(): Record<string, string> {
    let e = this.#ext;
    if (e === undefined) {
      e = decodeExtRegion(this.#buf, this.#start, this.#end);
      this.#ext = e;
    }
    return e;
  }

  set extFields(v: Record<string, string>) {
    this.#ext = v;
  }

  /** The undecoded extFields region, or undefined once extFields was read or replaced. */
  get rawExtBuf(): Buffer | undefined {
    return this.#ext === undefined ? this.#buf : undefined;
  }

  get rawExtStart(): number {
    return this.#start;
  }

  get rawExtEnd(): number {
    return this.#end;
  }
}

/** Decodes a checked extFields region into the object. */
export function decodeExtRegion(buf: Buffer, start: number, end: number): Record<string, string> {
  const out: Record<string, string> = {};
  let o = start;
  while (o < end) {
    const kl = readInt16BE(buf, o);
    o += 2;
    const key = internedName(buf, o, o + kl);
    o += kl;
    const vl = readInt32BE(buf, o);
    o += 4;
    out[key] = utf8Text(buf, o, o + vl);
    o += vl;
  }
  return out;
}
