/**
 * Latency-based broker avoidance for producers (MQFaultStrategy / LatencyFaultToleranceImpl).
 * After each send the producer reports the broker's latency; a slow or failing broker is kept out of
 * queue selection for a while, longer for worse latency. Isolation (a failed send) counts as 30 s.
 */
import type { MessageQueue } from './message-queue.js';
import type { TopicPublishInfo } from './route.js';

/** Latency thresholds (ms) and the matching not-available durations (ms), as RocketMQ's defaults. */
export const LATENCY_MAX_MS = [50, 100, 550, 1000, 2000, 3000, 15000];
export const NOT_AVAILABLE_DURATION_MS = [0, 0, 30000, 60000, 120000, 180000, 600000];

interface FaultItem {
  name: string;
  currentLatencyMs: number;
  /** The broker is available again from this time on (ms). */
  startTimestampMs: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();
  private whichItemWorst = 0;

  constructor(private readonly now: () => number = Date.now) {}

  updateFaultItem(name: string, currentLatencyMs: number, notAvailableDurationMs: number): void {
    const item = this.items.get(name);
    const startTimestampMs = this.now() + notAvailableDurationMs;
    if (item) {
      item.currentLatencyMs = currentLatencyMs;
      item.startTimestampMs = startTimestampMs;
    } else {
      this.items.set(name, { name, currentLatencyMs, startTimestampMs });
    }
  }

  isAvailable(name: string): boolean {
    const item = this.items.get(name);
    return !item || this.now() - item.startTimestampMs >= 0;
  }

  remove(name: string): void {
    this.items.delete(name);
  }

  /**
   * A broker to try when every broker is currently penalised: one of the better half
   * (available first, then lower latency, then sooner available), rotating between calls.
   */
  pickOneAtLeast(): string | undefined {
    if (this.items.size === 0) return undefined;
    const now = this.now();
    const list = [...this.items.values()].sort((a, b) => {
      const aa = now - a.startTimestampMs >= 0;
      const ba = now - b.startTimestampMs >= 0;
      if (aa !== ba) return aa ? -1 : 1;
      if (a.currentLatencyMs !== b.currentLatencyMs) return a.currentLatencyMs - b.currentLatencyMs;
      return a.startTimestampMs - b.startTimestampMs;
    });
    const half = Math.max(1, list.length >> 1);
    const i = this.whichItemWorst++ % half;
    return list[i]!.name;
  }
}

export class MQFaultStrategy {
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  sendLatencyFaultEnable = false;

  constructor(now: () => number = Date.now) {
    this.latencyFaultTolerance = new LatencyFaultTolerance(now);
  }

  /** Picks the queue for the next attempt; `lastBrokerName` is the broker of the failed previous attempt. */
  selectOneMessageQueue(tpInfo: TopicPublishInfo, lastBrokerName?: string): MessageQueue {
    if (!this.sendLatencyFaultEnable) return tpInfo.selectOneMessageQueue(lastBrokerName);
    const list = tpInfo.messageQueueList;
    let index = tpInfo.nextIndex();
    for (let i = 0; i < list.length; i++) {
      const mq = list[Math.abs(index++) % list.length]!;
      if (this.latencyFaultTolerance.isAvailable(mq.brokerName) && mq.brokerName !== lastBrokerName) return mq;
    }
    for (let i = 0; i < list.length; i++) {
      const mq = list[Math.abs(index++) % list.length]!;
      if (this.latencyFaultTolerance.isAvailable(mq.brokerName)) return mq;
    }
    // Everything is penalised: take the least bad broker that still has queues in this topic.
    const notBest = this.latencyFaultTolerance.pickOneAtLeast();
    if (notBest !== undefined) {
      const queues = list.filter((q) => q.brokerName === notBest);
      if (queues.length > 0) return queues[Math.abs(tpInfo.nextIndex()) % queues.length]!;
      this.latencyFaultTolerance.remove(notBest);
    }
    return tpInfo.selectOneMessageQueue();
  }

  /** Records the outcome of a send. `isolation` (a failure) penalises as if the latency were 30 s. */
  updateFaultItem(brokerName: string, currentLatencyMs: number, isolation: boolean): void {
    if (!this.sendLatencyFaultEnable) return;
    const duration = computeNotAvailableDuration(isolation ? 30000 : currentLatencyMs);
    this.latencyFaultTolerance.updateFaultItem(brokerName, currentLatencyMs, duration);
  }
}

export function computeNotAvailableDuration(currentLatencyMs: number): number {
  for (let i = LATENCY_MAX_MS.length - 1; i >= 0; i--) {
    if (currentLatencyMs >= LATENCY_MAX_MS[i]!) return NOT_AVAILABLE_DURATION_MS[i]!;
  }
  return 0;
}
