/**
 * Queue locks for orderly consumption (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): per consumer group and
 * message queue, owned by one clientId for a lease of rebalanceLockMaxLiveTime (60 s), renewed by
 * each lock request of the owner. An expired lock may be taken by another client.
 */
import type { MessageQueue } from '../protocol/body/types.js';

interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

const mqKey = (mq: MessageQueue): string => `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;

export class RebalanceLockManager {
  private readonly table = new Map<string, Map<string, LockEntry>>();

  constructor(
    private readonly maxLiveTimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private isExpired(e: LockEntry): boolean {
    return this.now() - e.lastUpdateTimestamp > this.maxLiveTimeMs;
  }

  isLocked(group: string, mq: MessageQueue, clientId: string): boolean {
    const e = this.table.get(group)?.get(mqKey(mq));
    return !!e && e.clientId === clientId && !this.isExpired(e);
  }

  /** Locks what it can for `clientId`; returns the queues now held by it. */
  tryLockBatch(group: string, mqs: MessageQueue[], clientId: string): MessageQueue[] {
    let g = this.table.get(group);
    if (!g) {
      g = new Map();
      this.table.set(group, g);
    }
    const out: MessageQueue[] = [];
    for (const mq of mqs) {
      const k = mqKey(mq);
      const e = g.get(k);
      if (!e || this.isExpired(e) || e.clientId === clientId) {
        g.set(k, { clientId, lastUpdateTimestamp: this.now() });
        out.push(mq);
      }
    }
    return out;
  }

  unlockBatch(group: string, mqs: MessageQueue[], clientId: string): void {
    const g = this.table.get(group);
    if (!g) return;
    for (const mq of mqs) {
      const k = mqKey(mq);
      if (g.get(k)?.clientId === clientId) g.delete(k);
    }
    if (g.size === 0) this.table.delete(group);
  }

  /** Whether any live lock of the group is held (a retry send then goes to the DLQ in Java). */
  hasLocks(group: string): boolean {
    const g = this.table.get(group);
    if (!g) return false;
    for (const e of g.values()) if (!this.isExpired(e)) return true;
    return false;
  }
}
