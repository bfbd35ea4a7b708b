/**
 * Java's String.hashCode() over UTF-16 code units, as RocketMQ uses for tag codes
 * (consume queue tagsCode) and index keys. Returns a signed 32-bit integer.
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
