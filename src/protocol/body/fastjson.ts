/**
 * Reading and writing the JSON dialect Java's fastjson produces (remoting-protocol.md §8).
 *
 * Input quirks handled by `parseFastjson`:
 *  - non-string map keys written unquoted: `{"brokerAddrs":{0:"10.0.0.1:10911"}}` -> key "0";
 *  - maps keyed by an object (MessageQueue): `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}}`.
 *    An object holding such keys is returned as a `Map` from the parsed key object to the value;
 *    every other object is a plain object, exactly as JSON.parse would return it.
 * Standard JSON takes the JSON.parse fast path; only text it rejects goes through the tolerant scanner.
 *
 * Output: `toFastjson` emits standard JSON (Java accepts quoted keys), except a `Map` whose keys are
 * objects, which is written in fastjson's object-key form with the key's fields sorted by name as
 * fastjson sorts them, so Java reads it back as a Map<MessageQueue, ...>.
 */
import { RmqError } from '../../common/errors.js';

export class FastjsonSyntaxError extends RmqError {
  readonly position: number;
  constructor(message: string, position: number) {
    super('BAD_JSON_BODY', `${message} at position ${position}`);
    this.name = 'FastjsonSyntaxError';
    this.position = position;
  }
}

/** Max nesting, so hostile input cannot blow the stack. */
const MAX_DEPTH = 512;

/** Parses fastjson output (or standard JSON). Throws FastjsonSyntaxError. */
export function parseFastjson(input: string | Buffer): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return new Scanner(text).parseDocument();
  }
}

class Scanner {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseDocument(): unknown {
    const v = this.value(0);
    this.ws();
    if (this.pos !== this.s.length) this.fail('unexpected trailing characters');
    return v;
  }

  private fail(msg: string): never {
    throw new FastjsonSyntaxError(msg, this.pos);
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.ws();
    const c = this.s.charCodeAt(this.pos);
    if (c === 0x7b /* { */) return this.object(depth);
    if (c === 0x5b /* [ */) return this.array(depth);
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x27 /* ' */) return this.singleQuoted();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.s.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (this.s.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (this.s.startsWith('null', this.pos)) return (this.pos += 4), null;
    if (Number.isNaN(c)) this.fail('unexpected end of input');
    return this.fail(`unexpected character ${JSON.stringify(this.s[this.pos])}`);
  }

  private object(depth: number): unknown {
    this.pos++; // {
    const plain: Record<string, unknown> = {};
    let map: Map<unknown, unknown> | undefined;
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return plain;
    }
    for (;;) {
      this.ws();
      const c = this.s.charCodeAt(this.pos);
      let key: unknown;
      if (c === 0x22) key = this.string();
      else if (c === 0x27) key = this.singleQuoted();
      else if (c === 0x7b || c === 0x5b) key = this.value(depth + 1);
      else key = this.bareKey();
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x3a /* : */) this.fail('expected ":"');
      this.pos++;
      const v = this.value(depth + 1);
      if (typeof key === 'object' && key !== null) {
        if (map === undefined) {
          map = new Map();
          for (const [k, pv] of Object.entries(plain)) map.set(k, pv);
        }
        map.set(key, v);
      } else if (map !== undefined) {
        map.set(String(key), v);
      } else if (key === '__proto__') {
        // As JSON.parse does: an own property, never the object's prototype.
        Object.defineProperty(plain, key, { value: v, enumerable: true, writable: true, configurable: true });
      } else {
        plain[String(key)] = v;
      }
      this.ws();
      const d = this.s.charCodeAt(this.pos);
      if (d === 0x2c /* , */) {
        this.pos++;
        continue;
      }
      if (d === 0x7d /* } */) {
        this.pos++;
        return map ?? plain;
      }
      this.fail('expected "," or "}"');
    }
  }

  /** Unquoted key: a number (map keyed by Integer/Long) or an identifier. */
  private bareKey(): string {
    const s = this.s;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      const ok =
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c === 0x2d || c === 0x2e;
      if (!ok) break;
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a key');
    return s.slice(start, this.pos);
  }

  private array(depth: number): unknown[] {
    this.pos++; // [
    const out: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const d = this.s.charCodeAt(this.pos);
      if (d === 0x2c) {
        this.pos++;
        continue;
      }
      if (d === 0x5d) {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    this.pos++;
    let escaped = false;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x5c) {
        escaped = true;
        this.pos += 2;
        continue;
      }
      if (c === 0x22) {
        this.pos++;
        const raw = s.slice(start, this.pos);
        if (!escaped) return raw.slice(1, -1);
        try {
          return JSON.parse(raw) as string;
        } catch {
          this.pos = start;
          this.fail('bad string escape');
        }
      }
      this.pos++;
    }
    return this.fail('unterminated string');
  }

  /** fastjson accepts single-quoted strings; be as lenient. */
  private singleQuoted(): string {
    const s = this.s;
    this.pos++;
    let out = '';
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === '\\') {
        const n = s[this.pos + 1];
        if (n === 'u') {
          const hex = s.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        const simple: Record<string, string> = { "'": "'", '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        const v = n === undefined ? undefined : simple[n];
        if (v === undefined) this.fail('bad escape');
        out += v;
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    return this.fail('unterminated string');
  }

  private number(): number {
    const s = this.s;
    const start = this.pos;
    if (s.charCodeAt(this.pos) === 0x2d) this.pos++;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) this.pos++;
      else break;
    }
    // fastjson may suffix longs/floats with L/F/D in some modes; skip them.
    const suffix = s.charCodeAt(this.pos);
    const text = s.slice(start, this.pos);
    if (suffix === 0x4c || suffix === 0x46 || suffix === 0x44) this.pos++;
    const n = Number(text);
    if (text === '' || text === '-' || Number.isNaN(n)) {
      this.pos = start;
      this.fail('bad number');
    }
    return n;
  }
}

/** Sorted-key JSON of a map key object, in the shape fastjson writes (fields in name order). */
function sortedKeyJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedKeyJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${sortedKeyJson(x)}`).join(',')}}`;
}

/**
 * Serialises a body for a Java peer: standard JSON, plus fastjson object keys for `Map`s keyed by
 * objects (e.g. Map<MessageQueue, ...>). A `Map` with primitive keys becomes an ordinary object.
 * `undefined` fields are dropped, as fastjson drops nulls. Bigints are written as plain integers.
 */
export function toFastjson(value: unknown): string {
  return write(value, false);
}

const INT_KEY = /^-?\d+$/;

function keyText(k: string, unquoteIntKeys: boolean): string {
  return unquoteIntKeys && INT_KEY.test(k) ? k : JSON.stringify(k);
}

function write(v: unknown, legacy: boolean): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : write(x, legacy))).join(',')}]`;
  if (v instanceof Set) return write([...v], legacy);
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) {
      if (x === undefined) continue;
      const key = k !== null && typeof k === 'object' ? sortedKeyJson(k) : keyText(String(k), legacy);
      parts.push(`${key}:${write(x, legacy)}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  const obj = v as Record<string, unknown>;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return write((obj as { toJSON(): unknown }).toJSON(), legacy);
  const parts: string[] = [];
  for (const k of Object.keys(obj)) {
    const x = obj[k];
    if (x === undefined || typeof x === 'function') continue;
    parts.push(`${keyText(k, legacy)}:${write(x, legacy)}`);
  }
  return `{${parts.join(',')}}`;
}

/** `toFastjson` as a UTF-8 buffer, ready to be a frame body. */
export function fastjsonBody(value: unknown): Buffer {
  return Buffer.from(toFastjson(value), 'utf8');
}

/**
 * Map keys as fastjson writes them for Map<Integer/Long, V> in old-style output (unquoted numbers),
 * used where a pre-4.9.4 Java client expects the fastjson default (GET_ROUTEINFO_BY_TOPIC, §6.8).
 * Same as `toFastjson` except that object keys that look like integers are written unquoted.
 */
export function toFastjsonLegacy(value: unknown): string {
  return write(value, true);
}
