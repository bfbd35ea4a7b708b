/**
 * Messages pulled from one queue and not yet consumed (ProcessQueue). The committed offset of a
 * queue is the smallest offset still held here, or one past the largest pulled when empty, so a
 * crash never skips an unconsumed message (at-least-once).
 */
import type { MessageExt } from './message.js';

export class ProcessQueue {
  /**
   * Held messages in increasing offset order (they arrive in offset order): `held[head..]`, with
   * consumed ones set to undefined until the head passes them. Arrays, not a Map: see IntKeyTable for
   * what Map churn does to the young generation.
   */
  private held: (MessageExt | undefined)[] = [];
  private heldOffsets: number[] = [];
  private head = 0;
  private lastPutOffset = -1;
  msgCount = 0;
  msgSize = 0;
  /** Largest offset ever put. */
  queueOffsetMax = 0;
  dropped = false;
  lastPullTimestamp = Date.now();
  lastConsumeTimestamp = Date.now();
  /** Set while a lite-pull consumer has this queue paused. */
  paused = false;
  // Orderly consumption: the broker lock on this queue, and the messages handed to the listener
  // but not yet committed (consumingMsgOrderlyTreeMap).
  locked = false;
  lastLockTimestamp = 0;
  /** An orderly consume loop is running for this queue. */
  consuming = false;
  private consumingMsgs = new Map<number, MessageExt>();

  /** Lock older than this (ms) is not trusted for orderly consumption (REBALANCE_LOCK_MAX_LIVE_TIME). */
  static readonly LOCK_MAX_LIVE_TIME_MS = 30000;

  isLockExpired(now = Date.now()): boolean {
    return now - this.lastLockTimestamp > ProcessQueue.LOCK_MAX_LIVE_TIME_MS;
  }

  /** Orderly: moves up to `n` messages (lowest offsets first) to the consuming set and returns them. */
  takeMessages(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (let i = this.head; i < this.held.length && out.length < n; i++) {
      const m = this.held[i];
      if (m === undefined) continue;
      out.push(m);
      this.held[i] = undefined;
      this.consumingMsgs.set(this.heldOffsets[i]!, m);
    }
    this.advanceHead();
    if (out.length > 0) this.lastConsumeTimestamp = Date.now();
    return out;
  }

  /** Orderly: the consuming set is done; returns the offset to commit (last + 1), or -1 if none. */
  commit(): number {
    let last = -1;
    for (const [off, m] of this.consumingMsgs) {
      if (off > last) last = off;
      this.msgCount--;
      this.msgSize -= m.body.length;
    }
    this.consumingMsgs.clear();
    return last < 0 ? -1 : last + 1;
  }

  /** Orderly: puts the given consuming messages back in front to be consumed again. */
  makeMessageToConsumeAgain(list: MessageExt[]): void {
    const entries = this.liveEntries();
    for (const m of list) {
      this.consumingMsgs.delete(m.queueOffset);
      entries.push([m.queueOffset, m]);
    }
    this.rebuild(entries);
  }

  /** Held messages with their offsets, in order. */
  private liveEntries(): [number, MessageExt][] {
    const out: [number, MessageExt][] = [];
    for (let i = this.head; i < this.held.length; i++) {
      const m = this.held[i];
      if (m !== undefined) out.push([this.heldOffsets[i]!, m]);
    }
    return out;
  }

  private rebuild(entries: [number, MessageExt][]): void {
    entries.sort((a, b) => a[0] - b[0]);
    this.held = entries.map((e) => e[1]);
    this.heldOffsets = entries.map((e) => e[0]);
    this.head = 0;
  }

  /** Index of `offset` among the held slots, or -1. */
  private indexOf(offset: number): number {
    let lo = this.head;
    let hi = this.heldOffsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.heldOffsets[mid]!;
      if (v === offset) return mid;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private holds(offset: number): boolean {
    const i = this.indexOf(offset);
    return i >= 0 && this.held[i] !== undefined;
  }

  /** Skips consumed slots at the head; drops them from the arrays once they are the larger part. */
  private advanceHead(): void {
    const n = this.held.length;
    while (this.head < n && this.held[this.head] === undefined) this.head++;
    if (this.head === n) {
      this.held.length = 0;
      this.heldOffsets.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= n) {
      this.held = this.held.slice(this.head);
      this.heldOffsets = this.heldOffsets.slice(this.head);
      this.head = 0;
    }
  }

  putMessage(list: MessageExt[]): void {
    let unordered = false;
    for (const m of list) {
      const off = m.queueOffset;
      const last = this.heldOffsets.length > this.head ? this.heldOffsets[this.heldOffsets.length - 1]! : -1;
      if (off <= last ? this.holds(off) : false) continue;
      if (this.consumingMsgs.size > 0 && this.consumingMsgs.has(off)) continue;
      if (off <= last) unordered = true;
      if (off < this.lastPutOffset) unordered = true;
      this.held.push(m);
      this.heldOffsets.push(off);
      this.lastPutOffset = off;
      this.msgCount++;
      this.msgSize += m.body.length;
      if (m.queueOffset > this.queueOffsetMax) this.queueOffsetMax = m.queueOffset;
    }
    if (unordered) this.rebuild(this.liveEntries());
  }

  /**
   * Removes consumed messages; returns the offset to commit (see class comment), or -1 when the
   * queue held nothing.
   */
  removeMessage(list: MessageExt[]): number {
    if (this.head >= this.held.length) return -1;
    this.lastConsumeTimestamp = Date.now();
    let result = this.queueOffsetMax + 1;
    for (const m of list) {
      const i = this.indexOf(m.queueOffset);
      const had = i >= 0 ? this.held[i] : undefined;
      if (had !== undefined) {
        this.held[i] = undefined;
        this.msgCount--;
        this.msgSize -= had.body.length;
      }
    }
    this.advanceHead();
    const first = this.firstOffset();
    if (first !== undefined) result = first;
    return result;
  }

  /** Up to `n` held messages with the lowest offsets. */
  headMessages(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (let i = this.head; i < this.held.length && out.length < n; i++) {
      const m = this.held[i];
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  firstOffset(): number | undefined {
    // The head slot is always held (advanceHead), or there is none.
    return this.head < this.held.length ? this.heldOffsets[this.head] : undefined;
  }

  /** Distance between the smallest and largest held offsets (consume lag inside the client). */
  maxSpan(): number {
    const first = this.firstOffset();
    return first === undefined ? 0 : this.lastPutOffset - first;
  }

  clear(): void {
    this.held = [];
    this.heldOffsets = [];
    this.head = 0;
    this.consumingMsgs.clear();
    this.msgCount = 0;
    this.msgSize = 0;
    this.lastPutOffset = -1;
    this.queueOffsetMax = 0;
  }

  /** ProcessQueueInfo, as consumer running info reports it (field names are Java's, `droped` included). */
  info(commitOffset = 0): Record<string, unknown> {
    return {
      commitOffset,
      cachedMsgMinOffset: this.firstOffset() ?? 0,
      cachedMsgMaxOffset: this.lastPutOffset < 0 ? 0 : this.lastPutOffset,
      cachedMsgCount: this.msgCount,
      cachedMsgSizeInMiB: Math.round(this.msgSize / 1048576),
      transactionMsgMinOffset: 0,
      transactionMsgMaxOffset: 0,
      transactionMsgCount: this.consumingMsgs.size,
      locked: this.locked,
      tryUnlockTimes: 0,
      lastLockTimestamp: this.lastLockTimestamp,
      droped: this.dropped,
      lastPullTimestamp: this.lastPullTimestamp,
      lastConsumeTimestamp: this.lastConsumeTimestamp,
    };
  }
}
