/**
 * Integers as decimal text in header bytes, both ways: the remoting headers carry numbers as strings
 * ("1700000000123"), and the hot paths read and write them in place rather than through String/Number.
 */

/**
 * The decimal integer in buf[start, end) (an optional '-' then digits), or NaN. Header numbers travel
 * as text; reading them here skips the string.
 */
export function asciiInt(buf: Buffer, start: number, end: number): number {
  if (start >= end) return NaN;
  let i = start;
  let neg = false;
  if (buf[i] === 45 /* - */) {
    neg = true;
    i++;
    if (i === end) return NaN;
  }
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Characters of integer `n` (|n| < 2^53) in decimal, sign included. */
export function decimalLength(n: number): number {
  let len = n < 0 ? 2 : 1;
  let v = n < 0 ? -n : n;
  while (v >= 10) {
    v = Math.floor(v / 10);
    len++;
  }
  return len;
}

/** Writes integer `n` as decimal text in buf[at, at + len) (len = decimalLength(n)); returns at + len. */
export function writeDecimal(buf: Buffer, n: number, at: number, len: number): number {
  let v = n < 0 ? -n : n;
  for (let i = at + len - 1; i >= at; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  if (n < 0) buf[at] = 45;
  return at + len;
}
