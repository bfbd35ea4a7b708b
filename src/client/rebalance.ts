/**
 * Rebalance (RebalanceImpl): decides which queues this client consumes and keeps one ProcessQueue
 * per owned queue. Clustering: every member sorts the topic's queues and the group's client ids
 * and runs the same allocation strategy, so ownership is agreed without coordination. Broadcasting:
 * every member takes every queue. Runs every 20 s, at start, and when the broker notifies a change.
 */
import { componentLogger } from '../common/logger.js';
import type { MessageModel } from '../protocol/body/types.js';
import type { AllocateMessageQueueStrategy } from './allocate.js';
import { isRetryTopic } from './client-config.js';
import { compareMessageQueue, type MessageQueue } from './message-queue.js';
import type { MQClientInstance } from './mq-client-instance.js';
import { ProcessQueue } from './process-queue.js';
import type { SubscriptionData } from './subscription.js';

const log = componentLogger('client');

export interface OwnedQueue {
  mq: MessageQueue;
  pq: ProcessQueue;
}

export abstract class RebalanceImpl {
  readonly processQueueTable = new Map<string, OwnedQueue>();
  readonly topicSubscribeInfoTable = new Map<string, MessageQueue[]>();
  readonly subscriptionInner = new Map<string, SubscriptionData>();

  constructor(
    readonly consumerGroup: string,
    public messageModel: MessageModel,
    public allocateMessageQueueStrategy: AllocateMessageQueueStrategy,
    public instance: MQClientInstance | undefined,
  ) {}

  /** Offset to start a newly owned queue from, or < 0 when it cannot be determined now. */
  protected abstract computePullFromWhere(mq: MessageQueue): Promise<number>;
  /** Releases a queue this client no longer owns (persist its offset); false keeps it for now. */
  protected abstract removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean>;
  /** Starts consuming newly owned queues. */
  protected abstract dispatchPullRequest(list: Array<{ mq: MessageQueue; pq: ProcessQueue; nextOffset: number }>): void;
  protected abstract removeDirtyOffset(mq: MessageQueue): void;
  /** Last check before taking a queue (orderly consumers lock it here); false skips it this round. */
  protected async beforeAddQueue(_mq: MessageQueue, _pq: ProcessQueue): Promise<boolean> {
    return true;
  }
  protected messageQueueChanged(_topic: string, _mqAll: MessageQueue[], _mqDivided: MessageQueue[]): void {}

  async doRebalance(): Promise<void> {
    for (const topic of this.subscriptionInner.keys()) {
      try {
        await this.rebalanceByTopic(topic);
      } catch (e) {
        if (!isRetryTopic(topic)) log.warn({ err: e, topic, group: this.consumerGroup }, 'rebalance by topic failed');
      }
    }
    await this.truncateMessageQueueNotMyTopic();
  }

  ownedQueues(topic?: string): MessageQueue[] {
    const out: MessageQueue[] = [];
    for (const o of this.processQueueTable.values()) if (topic === undefined || o.mq.topic === topic) out.push(o.mq);
    return out;
  }

  private async rebalanceByTopic(topic: string): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    let mqSet = this.topicSubscribeInfoTable.get(topic);
    if (!mqSet || mqSet.length === 0) {
      // Route not known yet (e.g. a retry topic the broker just created): ask once more now.
      await instance.updateTopicRouteInfoFromNameServer(topic).catch(() => false);
      mqSet = this.topicSubscribeInfoTable.get(topic);
    }
    if (this.messageModel === 'BROADCASTING') {
      if (!mqSet) return;
      const changed = await this.updateProcessQueueTableInRebalance(topic, mqSet);
      if (changed) this.messageQueueChanged(topic, mqSet, mqSet);
      return;
    }
    if (!mqSet || mqSet.length === 0) {
      // Normal right after a topic is auto-created: the route is looked up again every second.
      if (!isRetryTopic(topic)) log.info({ topic, group: this.consumerGroup }, 'doRebalance: the topic has no route yet');
      return;
    }
    let cidAll: string[];
    try {
      cidAll = await instance.findConsumerIdList(topic, this.consumerGroup);
    } catch (e) {
      instance.heartbeatSoon();
      throw e;
    }
    if (cidAll.length === 0) {
      log.warn({ topic, group: this.consumerGroup }, 'doRebalance: no consumer id list for the group');
      return;
    }
    if (!cidAll.includes(instance.clientId)) {
      // The broker does not list us (it restarted or dropped our channel): heartbeat now.
      instance.heartbeatSoon();
    }
    const mqAll = [...mqSet].sort(compareMessageQueue);
    const cids = [...cidAll].sort();
    let allocated: MessageQueue[];
    try {
      allocated = this.allocateMessageQueueStrategy.allocate(this.consumerGroup, instance.clientId, mqAll, cids);
    } catch (e) {
      log.error({ err: e, strategy: this.allocateMessageQueueStrategy.name }, 'allocate message queue failed');
      return;
    }
    const changed = await this.updateProcessQueueTableInRebalance(topic, allocated);
    if (changed) {
      log.info({ group: this.consumerGroup, topic, clientId: instance.clientId, queues: allocated.map((q) => `${q.brokerName}:${q.queueId}`), cids: cids.length }, 'rebalance result changed');
      this.messageQueueChanged(topic, mqAll, allocated);
    }
  }

  private async updateProcessQueueTableInRebalance(topic: string, mqSet: MessageQueue[]): Promise<boolean> {
    let changed = false;
    const wanted = new Set(mqSet.map((m) => m.key));
    for (const [key, o] of [...this.processQueueTable]) {
      if (o.mq.topic !== topic) continue;
      // A queue whose release was put off (an orderly batch was running) and that is ours again:
      // release it now and take it afresh below.
      if (wanted.has(key) && !o.pq.dropped) continue;
      o.pq.dropped = true;
      if (await this.removeUnnecessaryMessageQueue(o.mq, o.pq)) {
        this.processQueueTable.delete(key);
        changed = true;
      }
    }
    const pulls: Array<{ mq: MessageQueue; pq: ProcessQueue; nextOffset: number }> = [];
    for (const mq of mqSet) {
      if (this.processQueueTable.has(mq.key)) continue;
      const pq = new ProcessQueue();
      if (!(await this.beforeAddQueue(mq, pq))) continue;
      this.removeDirtyOffset(mq);
      const nextOffset = await this.computePullFromWhere(mq);
      if (nextOffset < 0) {
        log.warn({ mq: mq.key, group: this.consumerGroup }, 'doRebalance: cannot determine the start offset, will retry');
        continue;
      }
      if (this.processQueueTable.has(mq.key)) continue;
      this.processQueueTable.set(mq.key, { mq, pq });
      pulls.push({ mq, pq, nextOffset });
      changed = true;
    }
    if (pulls.length > 0) this.dispatchPullRequest(pulls);
    return changed;
  }

  private async truncateMessageQueueNotMyTopic(): Promise<void> {
    for (const [key, o] of [...this.processQueueTable]) {
      if (this.subscriptionInner.has(o.mq.topic)) continue;
      o.pq.dropped = true;
      this.processQueueTable.delete(key);
    }
  }

  /** Drops every queue (shutdown). */
  dropAll(): void {
    for (const o of this.processQueueTable.values()) o.pq.dropped = true;
  }
}
