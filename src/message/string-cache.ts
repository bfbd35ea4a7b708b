/**
 * Strings read from bytes on hot decode paths (remoting header keys, property names and values).
 * Node's Buffer#toString is a native call costing tens of ns even for a 4-byte string; short ASCII
 * strings are cheaper built in JS, and names that repeat in every frame or record are interned: found
 * by a hash of their bytes (checked byte for byte), so they are neither allocated nor re-hashed when
 * used as object keys.
 */

/** Buffer's direct string methods, without the argument checks of toString (stable since Node 0.x). */
interface NativeBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const NAME_CACHE_SLOTS = 1024;
const nameCache: (string | undefined)[] = new Array<string | undefined>(NAME_CACHE_SLOTS);
/** Longest name interned; longer ones are decoded each time. */
const MAX_INTERNED_BYTES = 40;
/** Longest value built in JS; longer ones go to the native UTF-8 decoder. */
const MAX_JS_VALUE_BYTES = 8;

/** The UTF-8 text of buf[start, end), interned when short ASCII (names: header keys, property keys). */
export function internedName(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n > MAX_INTERNED_BYTES) return (buf as NativeBuffer).utf8Slice(start, end);
  // The slot comes from the length and at most the first and last 8 bytes (names that differ only in
  // the middle share a slot and take turns in it); the hit is then compared byte for byte.
  let h = n;
  if (n <= 16) {
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  } else {
    for (let i = start; i < start + 8; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
    for (let i = end - 8; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  }
  const slot = (h ^ (h >>> 10)) & (NAME_CACHE_SLOTS - 1);
  const hit = nameCache[slot];
  if (hit !== undefined && hit.length === n) {
    // a cached name is ASCII, so equal bytes are ASCII too
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return (buf as NativeBuffer).utf8Slice(start, end);
  const name = (buf as NativeBuffer).latin1Slice(start, end);
  nameCache[slot] = name;
  return name;
}

/** The UTF-8 text of buf[start, end): short ASCII built in JS, the rest by the native decoder. */
export function utf8Text(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n > MAX_JS_VALUE_BYTES) return (buf as NativeBuffer).utf8Slice(start, end);
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return (buf as NativeBuffer).utf8Slice(start, end);
    s += String.fromCharCode(c);
  }
  return s;
}
