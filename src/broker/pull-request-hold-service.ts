/**
 * Long polling (PullRequestHoldService + NotifyMessageArrivingListener in Java). A pull that finds
 * nothing and carries the suspend flag is parked here per topic/queue until a message lands in that
 * queue (the store's MessageArrivingListener, called after the consume-queue entry is visible) or until
 * its hold time runs out; either way the pull is re-run once without suspension and answered.
 */
import type { Logger } from '../common/logger.js';

export interface HeldPullRequest {
  topic: string;
  queueId: number;
  /** The queue offset the client asked for; any entry at or beyond it wakes the request. */
  pullFromThisOffset: number;
  /** Tag-code filter of the subscription; undefined = everything matches. */
  matches?: (tagsCode: number) => boolean;
  /** Re-runs the pull (without suspension) and sends the response. */
  wake: () => void;
  timer?: NodeJS.Timeout;
}

export class PullRequestHoldService {
  private readonly table = new Map<string, Set<HeldPullRequest>>();
  private count = 0;

  constructor(private readonly log?: Logger) {}

  get heldCount(): number {
    return this.count;
  }

  private static key(topic: string, queueId: number): string {
    return topic + '@' + queueId;
  }

  suspend(req: HeldPullRequest, holdMs: number): void {
    const key = PullRequestHoldService.key(req.topic, req.queueId);
    let set = this.table.get(key);
    if (!set) {
      set = new Set();
      this.table.set(key, set);
    }
    set.add(req);
    this.count++;
    req.timer = setTimeout(() => this.release(key, req), Math.max(0, holdMs));
  }

  private release(key: string, req: HeldPullRequest): void {
    const set = this.table.get(key);
    if (!set || !set.delete(req)) return;
    this.count--;
    if (set.size === 0) this.table.delete(key);
    if (req.timer) clearTimeout(req.timer);
    try {
      req.wake();
    } catch (e) {
      this.log?.error({ topic: req.topic, queueId: req.queueId, err: (e as Error).message }, 'waking a held pull failed');
    }
  }

  /** MessageArrivingListener: `logicOffset` is the queue offset of the entry just made visible. */
  notifyMessageArriving(topic: string, queueId: number, logicOffset: number, tagsCode: number): void {
    if (this.count === 0) return;
    const key = PullRequestHoldService.key(topic, queueId);
    const set = this.table.get(key);
    if (!set) return;
    for (const req of [...set]) {
      if (logicOffset < req.pullFromThisOffset) continue;
      if (req.matches && !req.matches(tagsCode)) continue;
      this.release(key, req);
    }
  }

  /** Answers every held request now (shutdown). */
  releaseAll(): void {
    for (const [key, set] of [...this.table]) for (const req of [...set]) this.release(key, req);
  }
}
