/**
 * Custom headers (RemotingCommand.extFields) declared once as field tables.
 *
 *   export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
 *     topic: required.string,
 *     queueId: required.int,
 *   });
 *   export type GetMaxOffsetRequestHeader = HeaderType<typeof GetMaxOffsetRequestHeader>;
 *
 *   GetMaxOffsetRequestHeader.encode({ topic: 'T', queueId: 0 })  // { topic: 'T', queueId: '0' }
 *   GetMaxOffsetRequestHeader.decodeCommand(req)                // { topic: 'T', queueId: 0 }
 *
 * Wire rules (remoting-protocol.md §2): Java sends every value as a string (decimal numbers,
 * "true"/"false"), parses them with Integer/Long.parseLong and Boolean.parseBoolean, and drops null
 * fields. ali-ons sends native JSON numbers and booleans, so decode coerces both forms. A missing
 * required field fails with Java's own message, "the custom field <name> is null".
 *
 * `long` maps to a JS number: offsets and timestamps stay far below 2^53 (see src/message/int64.ts).
 */
import { RmqError } from '../common/errors.js';
import { internedName, utf8Text } from '../message/string-cache.js';
import { DecodedCommand } from './decoded-command.js';
import { asciiInt } from './decimal-text.js';
import type { RemotingCommand } from './remoting-command.js';
import { readInt16BE, readInt32BE } from '../common/bytes.js';

export type FieldType = 'string' | 'int' | 'long' | 'boolean';

export interface FieldSpec {
  readonly type: FieldType;
  readonly required: boolean;
  /** Key on the wire when it differs from the property name (SEND_MESSAGE_V2's a..n). */
  readonly key?: string;
}

export type HeaderSpec = Readonly<Record<string, FieldSpec>>;

/** Field specs for required (`@CFNotNull`) fields. */
export const required = {
  string: { type: 'string', required: true },
  int: { type: 'int', required: true },
  long: { type: 'long', required: true },
  boolean: { type: 'boolean', required: true },
} as const;

/** Field specs for optional fields. */
export const optional = {
  string: { type: 'string', required: false },
  int: { type: 'int', required: false },
  long: { type: 'long', required: false },
  boolean: { type: 'boolean', required: false },
} as const;

/** The same field under another wire key. */
export function wireKey<F extends FieldSpec>(field: F, key: string): F & { readonly key: string } {
  return { ...field, key };
}

type TsOf<T extends FieldType> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded object type of a field table: required fields present, optional ones `?`. */
export type HeaderOf<S extends HeaderSpec> = Simplify<
  { -readonly [K in keyof S as S[K]['required'] extends true ? K : never]: TsOf<S[K]['type']> } & {
    -readonly [K in keyof S as S[K]['required'] extends true ? never : K]?: TsOf<S[K]['type']>;
  }
>;

/** The decoded object type of a header codec. */
export type HeaderType<C> = C extends HeaderCodec<infer S> ? HeaderOf<S> : never;

/** A header's extFields could not be decoded or do not validate. */
export class HeaderError extends RmqError {
  readonly header: string;
  readonly field: string;
  constructor(header: string, field: string, message: string) {
    super('INVALID_HEADER', message);
    this.name = 'HeaderError';
    this.header = header;
    this.field = field;
  }
}

/** Raw extFields as they arrive: strings from Java, native JSON values from ali-ons. */
export type RawExtFields = Readonly<Record<string, unknown>> | undefined | null;

export interface HeaderCodec<S extends HeaderSpec> {
  /** Java class name, for error messages. */
  readonly name: string;
  readonly fields: S;
  /** Typed object -> extFields strings. Undefined/null fields are dropped, as Java does. */
  encode(header: HeaderOf<S>, into?: Record<string, string>): Record<string, string>;
  /** extFields -> typed object; unknown keys are ignored. Throws HeaderError. */
  decode(extFields: RawExtFields): HeaderOf<S>;
  /**
   * The command's header as decode(cmd.extFields) would give it; read straight from the frame bytes
   * when they are still undecoded (DecodedCommand), without building the extFields object.
   */
  decodeCommand(cmd: RemotingCommand): HeaderOf<S>;
  /** Checks an object against the table (required present, types right); returns it typed. Throws HeaderError. */
  validate(header: unknown): HeaderOf<S>;
}

interface CompiledField {
  name: string;
  key: string;
  type: FieldType;
  required: boolean;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const DECIMAL = /^[+-]?\d+$/;

function coerce(header: string, f: CompiledField, raw: unknown): string | number | boolean {
  switch (f.type) {
    case 'string':
      // ali-ons may send a number where Java has a String field; keep its text.
      return typeof raw === 'string' ? raw : String(raw);
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      // Boolean.parseBoolean: only "true" (any case) is true.
      return String(raw).toLowerCase() === 'true';
    case 'int':
    case 'long': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && DECIMAL.test(raw)) n = Number(raw);
      else n = NaN;
      if (!Number.isInteger(n) || (f.type === 'int' && (n < INT_MIN || n > INT_MAX))) {
        throw new HeaderError(header, f.key, `the custom field ${f.key} has an invalid ${f.type} value: ${JSON.stringify(raw)}`);
      }
      return n;
    }
  }
}

function typeMatches(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'int':
      return Number.isInteger(v) && (v as number) >= INT_MIN && (v as number) <= INT_MAX;
    case 'long':
      return Number.isInteger(v);
  }
}

/** A field's value from its bytes in a binary header, as coerce() would read its string. */
function rawValue(header: string, f: CompiledField, buf: Buffer, s: number, e: number): string | number | boolean {
  switch (f.type) {
    case 'string':
      return internedName(buf, s, e);
    case 'boolean':
      // Boolean.parseBoolean: only "true" (any case) is true.
      return e - s === 4 && (buf[s]! | 0x20) === 116 && (buf[s + 1]! | 0x20) === 114 && (buf[s + 2]! | 0x20) === 117 && (buf[s + 3]! | 0x20) === 101;
    case 'int':
    case 'long': {
      const v = asciiInt(buf, s, e);
      if (!Number.isNaN(v) && (f.type === 'long' || (v >= INT_MIN && v <= INT_MAX))) return v;
      return coerce(header, f, utf8Text(buf, s, e));
    }
  }
}

/** Builds the codec of one header class from its field table. */
export function defineHeader<const S extends HeaderSpec>(name: string, spec: S): HeaderCodec<S> {
  const fields: CompiledField[] = Object.entries(spec).map(([prop, f]) => ({
    name: prop,
    key: f.key ?? prop,
    type: f.type,
    required: f.required,
  }));
  const n = fields.length;
  const indexByKey = new Map<string, number>(fields.map((f, i) => [f.key, i]));
  const scratch = new Int32Array(2 * n);
  const decode = (extFields: RawExtFields): HeaderOf<S> => {
    const out: Record<string, unknown> = {};
    const ext = (extFields ?? {}) as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      const raw = ext[f.key];
      if (raw === undefined || raw === null) {
        if (f.required) throw new HeaderError(name, f.key, `the custom field ${f.key} is null`);
        continue;
      }
      out[f.name] = coerce(name, f, raw);
    }
    return out as HeaderOf<S>;
  };
  return {
    name,
    fields: spec,
    decodeCommand(cmd) {
      const buf = cmd instanceof DecodedCommand ? cmd.rawExtBuf : undefined;
      if (buf === undefined) return decode(cmd.extFields);
      // where each field's value is (the last occurrence wins, as in an object), then decode's order
      const at = scratch;
      at.fill(-1);
      const end = (cmd as DecodedCommand).rawExtEnd;
      let o = (cmd as DecodedCommand).rawExtStart;
      while (o < end) {
        const kl = readInt16BE(buf, o);
        const key = internedName(buf, o + 2, o + 2 + kl);
        const vs = o + 6 + kl;
        const ve = vs + readInt32BE(buf, o + 2 + kl);
        o = ve;
        const i = indexByKey.get(key);
        if (i === undefined) continue;
        at[2 * i] = vs;
        at[2 * i + 1] = ve;
      }
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        const vs = at[2 * i]!;
        if (vs < 0) {
          if (f.required) throw new HeaderError(name, f.key, `the custom field ${f.key} is null`);
          continue;
        }
        out[f.name] = rawValue(name, f, buf, vs, at[2 * i + 1]!);
      }
      return out as HeaderOf<S>;
    },
    encode(header, into = {}) {
      const h = header as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        const v = h[f.name];
        if (v === undefined || v === null) continue;
        into[f.key] = typeof v === 'string' ? v : String(v);
      }
      return into;
    },
    decode,
    validate(header) {
      if (header === null || typeof header !== 'object') throw new HeaderError(name, '', `${name}: not an object`);
      const h = header as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        const v = h[f.name];
        if (v === undefined || v === null) {
          if (f.required) throw new HeaderError(name, f.name, `the custom field ${f.name} is null`);
          continue;
        }
        if (!typeMatches(f.type, v)) throw new HeaderError(name, f.name, `${name}.${f.name} must be ${f.type}, got ${JSON.stringify(v)}`);
      }
      return header as HeaderOf<S>;
    },
  };
}

/** The same table with some fields renamed on the wire (used for SEND_MESSAGE_V2's a..n keys). */
export function withWireKeys<const S extends HeaderSpec>(spec: S, keys: { readonly [K in keyof S]?: string }): S {
  const out: Record<string, FieldSpec> = {};
  for (const [prop, f] of Object.entries(spec)) {
    const k = (keys as Record<string, string | undefined>)[prop];
    out[prop] = k === undefined ? f : { ...f, key: k };
  }
  return out as unknown as S;
}

/**
 * Optional fields 5.x clients add to most request headers (RpcRequestHeader / TopicRequestHeader):
 * namespace, namespaced flag, target broker name, oneway flag, and logical (static topic) flag.
 */
export const rpcRequestFields = {
  ns: optional.string,
  nsd: optional.boolean,
  bname: optional.string,
  oway: optional.boolean,
} as const;

export const topicRequestFields = { ...rpcRequestFields, lo: optional.boolean } as const;
