/** A binary min-heap ordered by `less`; used for pending timers (earliest delivery first). */
export class MinHeap<T> {
  private readonly a: T[] = [];

  constructor(private readonly less: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  /** Visits every element (in no particular order). */
  forEach(fn: (v: T) => void): void {
    for (const v of this.a) fn(v);
  }

  peek(): T | undefined {
    return this.a[0];
  }

  push(v: T): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(v, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }

  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(a[r]!, a[l]!) ? r : l;
        if (!this.less(a[c]!, last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }

  /** Builds the heap from an unordered list in O(n). */
  static from<T>(items: T[], less: (x: T, y: T) => boolean): MinHeap<T> {
    const h = new MinHeap<T>(less);
    const a = h.a;
    for (const it of items) a.push(it);
    for (let i = (a.length >> 1) - 1; i >= 0; i--) {
      const v = a[i]!;
      let j = i;
      const n = a.length;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(a[r]!, a[l]!) ? r : l;
        if (!less(a[c]!, v)) break;
        a[j] = a[c]!;
        j = c;
      }
      a[j] = v;
    }
    return h;
  }
}
