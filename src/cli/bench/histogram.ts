/**
 * Latency histogram with bounded memory and about 0.4 % relative precision (log-linear buckets,
 * as HdrHistogram does): values below 256 are exact, above that each power of two is split into
 * 256 sub-buckets. Recording is O(1) with no allocation, so it can sit on a send-ack path.
 * Values are non-negative integers in whatever unit the caller picks (the bench records µs).
 */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // 256
/** Largest recordable value is 2^MAX_EXP (larger values are clamped). */
const MAX_EXP = 40;

export class Histogram {
  private readonly counts: Float64Array;
  private total = 0;
  private maxValue = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private sum = 0;

  constructor() {
    this.counts = new Float64Array(SUB_COUNT * (MAX_EXP - SUB_BITS + 2));
  }

  private static indexOf(v: number): number {
    if (v < SUB_COUNT) return v;
    if (v < 2 ** 31) {
      // integer fast path: floor(log2 v) from clz32, the sub-bucket from a shift
      const shift = 31 - Math.clz32(v) - SUB_BITS;
      return SUB_COUNT * (shift + 1) + ((v >>> shift) - SUB_COUNT);
    }
    let e = Math.floor(Math.log2(v));
    if (2 ** e > v) e--;
    else if (2 ** (e + 1) <= v) e++;
    const shift = e - SUB_BITS;
    return SUB_COUNT * (shift + 1) + (Math.floor(v / 2 ** shift) - SUB_COUNT);
  }

  /** The smallest value that maps to bucket `i` (what percentiles report). */
  private static lowerBound(i: number): number {
    if (i < SUB_COUNT) return i;
    const shift = Math.floor(i / SUB_COUNT) - 1;
    const sub = i % SUB_COUNT;
    return (SUB_COUNT + sub) * 2 ** shift;
  }

  record(value: number): void {
    let v = Math.round(value);
    if (!(v >= 0)) v = 0;
    if (v > 2 ** MAX_EXP) v = 2 ** MAX_EXP;
    this.counts[Histogram.indexOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v > this.maxValue) this.maxValue = v;
    if (v < this.minValue) this.minValue = v;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.total === 0 ? 0 : this.maxValue;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** Value at quantile q (0..1]: the lower bound of the bucket holding the ceil(q*n)-th sample, capped by max. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(Histogram.lowerBound(i), this.maxValue);
    }
    return this.maxValue;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.maxValue = Math.max(this.maxValue, other.maxValue);
    this.minValue = Math.min(this.minValue, other.minValue);
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.maxValue = 0;
    this.minValue = Number.POSITIVE_INFINITY;
  }
}
