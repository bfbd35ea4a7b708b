/**
 * Parsing of mqadmin-style option values: booleans, integers, timestamps and topic/group
 * attribute modifications (`+key=value,-key`), with clear errors instead of NaN or crashes.
 */
import { RmqError } from '../common/errors.js';

/** Bad command-line input: printed as one line, exit code 2 (usage). */
export class UsageError extends RmqError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

export function parseIntArg(name: string, value: string | undefined, dflt?: number): number {
  if (value === undefined || value === '') {
    if (dflt === undefined) throw new UsageError(`option ${name} is required`);
    return dflt;
  }
  const v = String(value).trim();
  if (!/^-?\d+$/.test(v)) throw new UsageError(`option ${name} must be an integer, got "${value}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new UsageError(`option ${name} is out of range: ${value}`);
  return n;
}

/** Java's Boolean.parseBoolean is lenient (anything but "true" is false); be strict instead. */
export function parseBoolArg(name: string, value: string | boolean | undefined, dflt: boolean): boolean {
  if (value === undefined || value === '') return dflt;
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`option ${name} must be true or false, got "${value}"`);
}

export function requireArg(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`option ${name} is required`);
  return value.trim();
}

/**
 * A timestamp as RocketMQ's tools accept it: `now`, milliseconds since the epoch, or
 * `yyyy-MM-dd#HH:mm:ss:SSS` in local time (UtilAll.YYYY_MM_DD_HH_MM_SS_SSS).
 */
export function parseTimestampArg(name: string, value: string | undefined, nowMs = Date.now()): number {
  const v = requireArg(name, value);
  if (v === 'now') return nowMs;
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(v);
  if (m) {
    const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
    const t = new Date(y, mo - 1, d, h, mi, s, ms);
    if (t.getMonth() === mo - 1 && t.getDate() === d) return t.getTime();
  }
  throw new UsageError(`option ${name} must be now, milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS, got "${value}"`);
}

/**
 * Attribute modifications as AttributeParser reads them: comma-separated `+key=value` (add or
 * alter) and `-key` (delete). Returns the map keyed with the sign ("+message.type" -> "FIFO",
 * "-x" -> "").
 */
export function parseAttributes(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (text === undefined || text === '') return out;
  for (const raw of text.split(',')) {
    const kv = raw.trim();
    let key: string;
    let value: string;
    const eq = kv.indexOf('=');
    if (eq >= 0) {
      key = kv.slice(0, eq);
      value = kv.slice(eq + 1);
      if (!key.startsWith('+') || key.length < 2 || value === '') throw new UsageError(`add/alter attribute format is wrong: ${kv}`);
    } else {
      key = kv;
      value = '';
      if (!key.startsWith('-') || key.length < 2) throw new UsageError(`delete attribute format is wrong: ${kv}`);
    }
    if (out.has(key)) throw new UsageError(`key duplication: ${key}`);
    out.set(key, value);
  }
  return out;
}

/** The header form of attribute modifications (AttributeParser.parseToString). */
export function formatAttributes(attrs: Map<string, string>): string {
  return [...attrs].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',');
}

/** Permission bits as text, as PermName.perm2String prints them: 6 -> "RW-". */
export function permToString(perm: number): string {
  let s = '';
  s += perm & 4 ? 'R' : '-';
  s += perm & 2 ? 'W' : '-';
  s += perm & 1 ? 'X' : '-';
  return s;
}
