/**
 * Message properties on the wire and on disk: `name 0x01 value 0x02` repeated (UTF-8).
 * Empty names or values are dropped on decode; a missing final 0x02 is tolerated.
 */
import { internedName, utf8Text } from './string-cache.js';

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

export type Properties = Record<string, string>;

export function encodeProperties(props: Properties): string {
  let s = '';
  for (const k in props) {
    const v = props[k];
    if (v === undefined || v === null) continue;
    s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  }
  return s;
}

export function decodeProperties(s: string): Properties {
  const out: Properties = {};
  let start = 0;
  const n = s.length;
  while (start < n) {
    let end = s.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = n;
    const sep = s.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep > start && sep < end - 1) out[s.slice(start, sep)] = s.slice(sep + 1, end);
    start = end + 1;
  }
  return out;
}

/**
 * decodeProperties of the UTF-8 bytes buf[start, end), without building the whole string first:
 * names are interned, short values built in JS. Same result as decodeProperties(buf.toString(...)):
 * 0x01 and 0x02 never occur inside a multi-byte UTF-8 sequence, so splitting bytes splits the text.
 */
export function decodePropertiesBytes(buf: Buffer, start: number, end: number): Properties {
  const out: Properties = {};
  let p = start;
  while (p < end) {
    let sep = -1;
    let stop = p;
    for (; stop < end; stop++) {
      const c = buf[stop]!;
      if (c === 2) break;
      if (c === 1 && sep < 0) sep = stop;
    }
    if (sep > p && sep < stop - 1) out[internedName(buf, p, sep)] = utf8Text(buf, sep + 1, stop);
    p = stop + 1;
  }
  return out;
}

/** Reads one property from an encoded string without decoding them all (hot paths: TAGS, KEYS, UNIQ_KEY). */
export function getEncodedProperty(s: string, name: string): string | undefined {
  let from = 0;
  const needle = name + NAME_VALUE_SEPARATOR;
  for (;;) {
    const i = s.indexOf(needle, from);
    if (i < 0) return undefined;
    if (i === 0 || s.charCodeAt(i - 1) === 2) {
      const vStart = i + needle.length;
      let vEnd = s.indexOf(PROPERTY_SEPARATOR, vStart);
      if (vEnd < 0) vEnd = s.length;
      return vEnd > vStart ? s.slice(vStart, vEnd) : undefined;
    }
    from = i + 1;
  }
}
