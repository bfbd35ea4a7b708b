/**
 * A remoting frame's header and body (RemotingCommand). Wire layout and both header
 * serializations are in src/remoting/frame-codec.ts and docs/formats/remoting-frame.md.
 */
export const SERIALIZE_JSON = 0;
export const SERIALIZE_ROCKETMQ = 1;
export type SerializeType = typeof SERIALIZE_JSON | typeof SERIALIZE_ROCKETMQ;

export const FLAG_RESPONSE = 0x1;
export const FLAG_ONEWAY = 0x2;

/** Version ordinal this server stamps into its frames (MQVersion V4_9_8). */
export const CURRENT_VERSION = 409;

export interface RemotingCommand {
  code: number;
  /** LanguageCode name, e.g. "JAVA", "NODE_JS". */
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  /** The per-command custom header; values are strings on the wire. */
  extFields: Record<string, string>;
  body?: Buffer;
  /** How the header was (or will be) serialized. */
  serializeType: SerializeType;
}

let nextOpaque = 0;

/** A fresh opaque (request id), from the same sequence createRequest uses. */
export function newOpaque(): number {
  nextOpaque = (nextOpaque + 1) | 0;
  return nextOpaque;
}

/** A new request with a fresh opaque. */
export function createRequest(code: number, extFields: Record<string, string> = {}, body?: Buffer): RemotingCommand {
  return { code, language: 'JAVA', version: CURRENT_VERSION, opaque: newOpaque(), flag: 0, extFields, body, serializeType: SERIALIZE_JSON };
}

/** A response to `req`: same opaque and serialize type, response flag set. */
export function createResponse(
  req: RemotingCommand,
  code: number,
  remark?: string,
  extFields: Record<string, string> = {},
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: CURRENT_VERSION,
    opaque: req.opaque,
    flag: FLAG_RESPONSE,
    remark,
    extFields,
    body,
    serializeType: req.serializeType,
  };
}

export function isResponse(cmd: RemotingCommand): boolean {
  return (cmd.flag & FLAG_RESPONSE) !== 0;
}

export function isOneway(cmd: RemotingCommand): boolean {
  return (cmd.flag & FLAG_ONEWAY) !== 0;
}

export function markOneway(cmd: RemotingCommand): RemotingCommand {
  cmd.flag |= FLAG_ONEWAY;
  return cmd;
}
