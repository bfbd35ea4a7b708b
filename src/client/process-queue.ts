/**
 * Messages pulled from one queue and not yet consumed (ProcessQueue). The committed offset of a
 * queue is the smallest offset still held here, or one past the largest pulled when empty, so a
 * crash never skips an unconsumed message (at-least-once).
 */
import type { MessageExt } from './message.js';

export class ProcessQueue {
  /** offset -> message, kept in increasing offset order (messages arrive in offset order). */
  private msgs = new Map<number, MessageExt>();
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
    for (const [off, m] of this.msgs) {
      if (out.length >= n) break;
      out.push(m);
      this.msgs.delete(off);
      this.consumingMsgs.set(off, m);
    }
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
    for (const m of list) {
      this.consumingMsgs.delete(m.queueOffset);
      this.msgs.set(m.queueOffset, m);
    }
    this.msgs = new Map([...this.msgs.entries()].sort((a, b) => a[0] - b[0]));
  }

  putMessage(list: MessageExt[]): void {
    let unordered = false;
    for (const m of list) {
      if (this.msgs.has(m.queueOffset) || this.consumingMsgs.has(m.queueOffset)) continue;
      if (m.queueOffset < this.lastPutOffset) unordered = true;
      this.msgs.set(m.queueOffset, m);
      this.lastPutOffset = m.queueOffset;
      this.msgCount++;
      this.msgSize += m.body.length;
      if (m.queueOffset > this.queueOffsetMax) this.queueOffsetMax = m.queueOffset;
    }
    if (unordered) this.msgs = new Map([...this.msgs.entries()].sort((a, b) => a[0] - b[0]));
  }

  /**
   * Removes consumed messages; returns the offset to commit (see class comment), or -1 when the
   * queue held nothing.
   */
  removeMessage(list: MessageExt[]): number {
    if (this.msgs.size === 0) return -1;
    this.lastConsumeTimestamp = Date.now();
    let result = this.queueOffsetMax + 1;
    for (const m of list) {
      const had = this.msgs.get(m.queueOffset);
      if (had && this.msgs.delete(m.queueOffset)) {
        this.msgCount--;
        this.msgSize -= had.body.length;
      }
    }
    const first = this.firstOffset();
    if (first !== undefined) result = first;
    return result;
  }

  /** Up to `n` held messages with the lowest offsets. */
  headMessages(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (const m of this.msgs.values()) {
      if (out.length >= n) break;
      out.push(m);
    }
    return out;
  }

  firstOffset(): number | undefined {
    const it = this.msgs.keys().next();
    return it.done ? undefined : it.value;
  }

  /** Distance between the smallest and largest held offsets (consume lag inside the client). */
  maxSpan(): number {
    const first = this.firstOffset();
    return first === undefined ? 0 : this.lastPutOffset - first;
  }

  clear(): void {
    this.msgs.clear();
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
