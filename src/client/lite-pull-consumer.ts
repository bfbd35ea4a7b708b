/**
 * DefaultLitePullConsumer: the application pulls at its own pace.
 *
 *   const c = new DefaultLitePullConsumer({ consumerGroup: 'CG', namesrvAddr: '127.0.0.1:9876' });
 *   c.subscribe('TopicTest', '*');           // or c.assign(queues) to pick queues yourself
 *   await c.start();
 *   for await (const msgs of c) { ... }      // or: const msgs = await c.poll(1000)
 *
 * A background pull loop per owned/assigned queue (long polling, 20 s hold) fills a local cache of
 * batches up to pullThresholdForAll / pullThresholdForQueue messages. poll() hands out one batch;
 * its messages count as consumed. Consumed offsets are committed every autoCommitIntervalMillis
 * (on poll) when autoCommit is on, or by commitSync(). seek/seekToBegin/seekToEnd move a queue.
 */
import { MQAdminClient } from './mq-admin.js';
import { componentLogger } from '../common/logger.js';
import { PROPERTY } from '../message/message-const.js';
import type { ConsumeFromWhere, ConsumerData, MessageModel } from '../protocol/body/types.js';
import { AllocateMessageQueueAveragely, type AllocateMessageQueueStrategy } from './allocate.js';
import { checkGroup, checkTopic, MixAll, resolveClientConfig, retryTopic, type ClientConfig } from './client-config.js';
import { brokerAddrFor, computePullFromWhere, formatConsumeTimestamp, pullKernel, PullStatus } from './consumer-common.js';
import { isUnknownConsumerError, MQClientError } from './errors.js';
import type { MessageExt } from './message.js';
import { compareMessageQueue, type MessageQueue } from './message-queue.js';
import { MQClientManager, type ConsumerInner, type MQClientInstance } from './mq-client-instance.js';
import { LocalFileOffsetStore, ReadOffsetType, RemoteBrokerOffsetStore, type OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { RebalanceImpl } from './rebalance.js';
import { topicRouteToSubscribeInfo } from './route.js';
import { buildSubscriptionData, type SubscriptionData } from './subscription.js';
import { subscriptionDataOf, type MessageSelector } from './message-selector.js';
import type { ClientTransport } from './transport.js';

const log = componentLogger('client');

export interface LitePullConsumerOptions extends ClientConfig {
  consumerGroup: string;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  consumeTimestamp?: string;
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy;
  /** Commit consumed offsets automatically from poll() (default true). */
  autoCommit?: boolean;
  autoCommitIntervalMillis?: number;
  /** Messages per pull (default 10). */
  pullBatchSize?: number;
  /** Cached messages over all queues before pulling pauses (default 10000). */
  pullThresholdForAll?: number;
  pullThresholdForQueue?: number;
  /** MiB per queue (default 100). */
  pullThresholdSizeForQueue?: number;
  consumeMaxSpan?: number;
  /** Default poll() timeout, ms (default 5000). */
  pollTimeoutMillis?: number;
  /** Pause between pulls of one queue, ms (default 0). */
  pullDelayTimeMills?: number;
  brokerSuspendMaxTimeMillis?: number;
  consumerTimeoutMillisWhenSuspend?: number;
  offsetStoreDir?: string;
  transport?: ClientTransport;
}

const PULL_DELAY_WHEN_EXCEPTION_MS = 1000;
const PULL_DELAY_WHEN_FLOW_CONTROL_MS = 50;
const PULL_DELAY_WHEN_PAUSE_MS = 1000;

interface Assigned {
  mq: MessageQueue;
  pq: ProcessQueue;
  /** Next offset to pull; -1 = not known yet. */
  pullOffset: number;
  /** Offset after the last message handed out by poll(); -1 = nothing consumed yet. */
  consumeOffset: number;
  /** Bumped by seek so an in-flight pull's result is discarded. */
  generation: number;
  paused: boolean;
}

interface ConsumeRequest {
  msgs: MessageExt[];
  a: Assigned;
  generation: number;
}

export class DefaultLitePullConsumer extends MQAdminClient implements ConsumerInner, AsyncIterable<MessageExt[]> {
  consumerGroup: string;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  consumeTimestamp: string;
  allocateMessageQueueStrategy: AllocateMessageQueueStrategy;
  autoCommit: boolean;
  autoCommitIntervalMillis: number;
  pullBatchSize: number;
  pullThresholdForAll: number;
  pullThresholdForQueue: number;
  pullThresholdSizeForQueue: number;
  consumeMaxSpan: number;
  pollTimeoutMillis: number;
  pullDelayTimeMills: number;
  brokerSuspendMaxTimeMillis: number;
  consumerTimeoutMillisWhenSuspend: number;
  offsetStoreDir?: string;
  readonly clientConfig: ClientConfig;

  private subscriptionType: 'NONE' | 'SUBSCRIBE' | 'ASSIGN' = 'NONE';
  private readonly subscriptionExprs = new Map<string, string | MessageSelector>();
  private readonly assigned = new Map<string, Assigned>();
  private assignedInput: MessageQueue[] = [];
  private readonly cache: ConsumeRequest[] = [];
  private cachedMsgCount = 0;
  private pollWaiters: Array<() => void> = [];
  private instance?: MQClientInstance;
  private offsetStore?: OffsetStore;
  private rebalance?: LitePullRebalance;
  private state: 'CREATE_JUST' | 'RUNNING' | 'SHUTDOWN_ALREADY' | 'START_FAILED' = 'CREATE_JUST';
  private lastCommit = Date.now();
  private readonly transport?: ClientTransport;

  constructor(options: LitePullConsumerOptions) {
    super();
    this.consumerGroup = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.consumeFromWhere = options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET';
    this.consumeTimestamp = options.consumeTimestamp ?? formatConsumeTimestamp(Date.now() - 30 * 60 * 1000);
    this.allocateMessageQueueStrategy = options.allocateMessageQueueStrategy ?? new AllocateMessageQueueAveragely();
    this.autoCommit = options.autoCommit ?? true;
    this.autoCommitIntervalMillis = options.autoCommitIntervalMillis ?? 5000;
    this.pullBatchSize = options.pullBatchSize ?? 10;
    this.pullThresholdForAll = options.pullThresholdForAll ?? 10000;
    this.pullThresholdForQueue = options.pullThresholdForQueue ?? 1000;
    this.pullThresholdSizeForQueue = options.pullThresholdSizeForQueue ?? 100;
    this.consumeMaxSpan = options.consumeMaxSpan ?? 2000;
    this.pollTimeoutMillis = options.pollTimeoutMillis ?? 5000;
    this.pullDelayTimeMills = options.pullDelayTimeMills ?? 0;
    this.brokerSuspendMaxTimeMillis = options.brokerSuspendMaxTimeMillis ?? 20000;
    this.consumerTimeoutMillisWhenSuspend = options.consumerTimeoutMillisWhenSuspend ?? 30000;
    this.offsetStoreDir = options.offsetStoreDir;
    this.transport = options.transport;
    this.clientConfig = { ...options };
  }

  get groupName(): string {
    return this.consumerGroup;
  }

  /** This client's id (ip@instanceName) once started, as brokers list it. */
  get clientId(): string | undefined {
    return this.instance?.clientId;
  }

  subscribe(topic: string, subExpression: string | MessageSelector = '*'): void {
    if (this.subscriptionType === 'ASSIGN') throw new MQClientError('SUBSCRIPTION_TYPE', 'Subscribe and assign are mutually exclusive.');
    checkTopic(topic);
    this.subscriptionType = 'SUBSCRIBE';
    this.subscriptionExprs.set(topic, subExpression);
    if (this.rebalance) {
      this.rebalance.subscriptionInner.set(topic, subscriptionDataOf(topic, subExpression));
      void this.refreshAndRebalance([topic]).catch((e) => log.warn({ err: e }, 'route refresh after subscribe failed'));
    }
  }

  unsubscribe(topic: string): void {
    this.subscriptionExprs.delete(topic);
    this.rebalance?.subscriptionInner.delete(topic);
    for (const [k, a] of this.assigned) {
      if (a.mq.topic === topic) {
        a.pq.dropped = true;
        this.assigned.delete(k);
      }
    }
  }

  /** Consumes exactly these queues (no rebalance). */
  assign(mqs: MessageQueue[]): void {
    if (this.subscriptionType === 'SUBSCRIBE') throw new MQClientError('SUBSCRIPTION_TYPE', 'Subscribe and assign are mutually exclusive.');
    if (mqs.length === 0) throw new MQClientError('CONFIG', 'Message queues can not be null or empty.');
    this.subscriptionType = 'ASSIGN';
    this.assignedInput = [...mqs];
    if (this.state === 'RUNNING') this.updateAssignedQueues(mqs);
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state !== 'CREATE_JUST') throw new MQClientError('SERVICE_STATE', `The LitePullConsumer service state not OK, ${this.state}`);
    this.state = 'START_FAILED';
    checkGroup(this.consumerGroup);
    if (this.consumerGroup === MixAll.DEFAULT_CONSUMER_GROUP) throw new MQClientError('CONFIG', 'consumerGroup can not equal DEFAULT_CONSUMER, please specify another one.');
    const config = resolveClientConfig(this.clientConfig);
    if (config.namesrvAddr === '') throw new MQClientError('NO_NAME_SERVER', 'namesrvAddr is not set (option namesrvAddr or NAMESRV_ADDR)');
    const instance = MQClientManager.getOrCreateMQClientInstance(config, this.transport);
    this.offsetStore =
      this.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(instance.clientId, this.consumerGroup, this.offsetStoreDir)
        : new RemoteBrokerOffsetStore(
            {
              queryConsumerOffset: async (mq, group) => instance.api.queryConsumerOffset(await brokerAddrFor(instance, mq), mq, group, config.mqClientApiTimeout),
              updateConsumerOffset: async (mq, group, offset, oneway) =>
                instance.api.updateConsumerOffset(await brokerAddrFor(instance, mq), mq, group, offset, oneway, config.mqClientApiTimeout),
            },
            this.consumerGroup,
          );
    await this.offsetStore.load();
    const rebalance = new LitePullRebalance(this, instance);
    for (const [t, e] of this.subscriptionExprs) rebalance.subscriptionInner.set(t, subscriptionDataOf(t, e));
    if (!instance.registerConsumer(this)) {
      throw new MQClientError('GROUP_EXISTS', `The consumer group[${this.consumerGroup}] has been created before, specify another name please.`);
    }
    this.instance = instance;
    this.rebalance = rebalance;
    instance.start();
    this.state = 'RUNNING';
    if (this.subscriptionType === 'ASSIGN') this.updateAssignedQueues(this.assignedInput);
    await this.refreshAndRebalance([...rebalance.subscriptionInner.keys()]);
  }

  private async refreshAndRebalance(topics: string[]): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    await Promise.all(topics.map((t) => instance.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
    await instance.sendHeartbeatToAllBrokerWithLock();
    if (this.subscriptionType === 'SUBSCRIBE') instance.rebalanceImmediately();
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') return;
    if (this.autoCommit) await this.commitSync().catch((e) => log.warn({ err: e }, 'final commit failed'));
    this.state = 'SHUTDOWN_ALREADY';
    for (const a of this.assigned.values()) a.pq.dropped = true;
    this.wakePollers();
    await this.instance?.unregisterConsumer(this.consumerGroup);
  }

  /** One batch of pulled messages, or [] when none arrives within `timeout` ms. */
  async poll(timeout = this.pollTimeoutMillis): Promise<MessageExt[]> {
    if (this.state !== 'RUNNING') throw new MQClientError('SERVICE_STATE', `The consumer not running, ${this.state}`);
    if (this.autoCommit && Date.now() - this.lastCommit >= this.autoCommitIntervalMillis) {
      await this.commitAll(true).catch((e) => log.warn({ err: e }, 'auto commit failed'));
    }
    const end = Date.now() + Math.max(0, timeout);
    for (;;) {
      const req = this.cache.shift();
      if (req) {
        this.cachedMsgCount -= req.msgs.length;
        const a = req.a;
        if (a.pq.dropped || req.generation !== a.generation || this.assigned.get(a.mq.key) !== a) continue;
        const offset = a.pq.removeMessage(req.msgs);
        if (offset >= 0) a.consumeOffset = offset;
        const rt = retryTopic(this.consumerGroup);
        for (const m of req.msgs) {
          const orig = m.properties[PROPERTY.RETRY_TOPIC];
          if (orig && m.topic === rt) m.topic = orig;
        }
        return req.msgs;
      }
      const left = end - Date.now();
      if (left <= 0 || this.state !== 'RUNNING') return [];
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.pollWaiters.push(done);
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt[]> {
    while (this.state === 'RUNNING') {
      const msgs = await this.poll();
      if (msgs.length > 0) yield msgs;
    }
  }

  /** Commits consumed offsets of the given queues (default: all) and waits for the broker. */
  async commitSync(offsets?: Map<MessageQueue, number>): Promise<void> {
    if (offsets) {
      for (const [mq, off] of offsets) {
        const a = this.assigned.get(mq.key);
        if (a) a.consumeOffset = off;
      }
    }
    await this.commitAll(false);
  }

  private async commitAll(oneway: boolean): Promise<void> {
    this.lastCommit = Date.now();
    const store = this.offsetStore;
    if (!store) return;
    const mqs: MessageQueue[] = [];
    for (const a of this.assigned.values()) {
      if (a.consumeOffset < 0) continue;
      store.updateOffset(a.mq, a.consumeOffset, false);
      mqs.push(a.mq);
    }
    if (oneway || store instanceof LocalFileOffsetStore) await store.persistAll(mqs);
    else await Promise.all(mqs.map((mq) => store.updateConsumeOffsetToBroker(mq, this.assigned.get(mq.key)!.consumeOffset, false)));
  }

  /** The group's committed offset of a queue (from the broker / offset file). */
  async committed(mq: MessageQueue): Promise<number> {
    this.checkRunning();
    return this.offsetStore!.readOffset(mq, ReadOffsetType.READ_FROM_STORE);
  }

  /** Moves a queue to `offset` (within [min, max]); cached messages of the queue are discarded. */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    const instance = this.checkRunning();
    const a = this.assigned.get(mq.key);
    if (!a) throw new MQClientError('NOT_ASSIGNED', `The message queue is not in assigned list, may be rebalancing, message queue: ${mq.toString()}`);
    const addr = await brokerAddrFor(instance, mq);
    const [min, max] = await Promise.all([instance.api.getMinOffset(addr, mq, instance.config.mqClientApiTimeout), instance.api.getMaxOffset(addr, mq, instance.config.mqClientApiTimeout)]);
    if (offset < min || offset > max) throw new MQClientError('SEEK_OUT_OF_RANGE', `Seek offset illegal, seek offset = ${offset}, min offset = ${min}, max offset = ${max}`);
    a.generation++;
    a.pullOffset = offset;
    a.consumeOffset = offset;
    a.pq.clear();
    // Restart the pull loop now rather than after the in-flight long poll returns.
    this.later(a, 0);
    for (let i = this.cache.length - 1; i >= 0; i--) {
      if (this.cache[i]!.a === a) {
        this.cachedMsgCount -= this.cache[i]!.msgs.length;
        this.cache.splice(i, 1);
      }
    }
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    const instance = this.checkRunning();
    await this.seek(mq, await instance.api.getMinOffset(await brokerAddrFor(instance, mq), mq, instance.config.mqClientApiTimeout));
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    const instance = this.checkRunning();
    await this.seek(mq, await instance.api.getMaxOffset(await brokerAddrFor(instance, mq), mq, instance.config.mqClientApiTimeout));
  }

  /** The first offset whose store time is >= `timestamp` (ms). */
  async offsetForTimestamp(mq: MessageQueue, timestamp: number): Promise<number> {
    const instance = this.checkRunning();
    return instance.api.searchOffset(await brokerAddrFor(instance, mq), mq, timestamp, instance.config.mqClientApiTimeout);
  }

  pause(mqs: MessageQueue[]): void {
    for (const mq of mqs) {
      const a = this.assigned.get(mq.key);
      if (a) a.paused = true;
    }
  }

  resume(mqs: MessageQueue[]): void {
    for (const mq of mqs) {
      const a = this.assigned.get(mq.key);
      if (a) a.paused = false;
    }
  }

  isPaused(mq: MessageQueue): boolean {
    return this.assigned.get(mq.key)?.paused ?? false;
  }

  /** Readable queues of a topic. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const instance = this.checkRunning();
    const route = await instance.api.getTopicRouteInfoFromNameServer(topic, instance.config.mqClientApiTimeout);
    return topicRouteToSubscribeInfo(topic, route);
  }

  /** Queues currently owned (subscribe) or assigned. */
  assignment(): MessageQueue[] {
    return [...this.assigned.values()].map((a) => a.mq).sort(compareMessageQueue);
  }

  private checkRunning(): MQClientInstance {
    if (this.state !== 'RUNNING' || !this.instance) throw new MQClientError('SERVICE_STATE', `The consumer not running, ${this.state}`);
    return this.instance;
  }

  protected override adminInstance(): MQClientInstance | undefined {
    return this.instance;
  }

  // ---- ConsumerInner -----------------------------------------------------------------------

  consumerData(): ConsumerData {
    return {
      groupName: this.consumerGroup,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: this.messageModel,
      consumeFromWhere: this.consumeFromWhere,
      subscriptionDataSet: this.subscriptions(),
      unitMode: false,
    };
  }

  subscriptions(): SubscriptionData[] {
    return [...(this.rebalance?.subscriptionInner.values() ?? [])];
  }

  updateTopicSubscribeInfo(topic: string, mqs: MessageQueue[]): void {
    if (this.rebalance?.subscriptionInner.has(topic)) {
      this.rebalance.topicSubscribeInfoTable.set(topic, mqs);
      if (this.subscriptionType === 'SUBSCRIBE') this.instance?.rebalanceImmediately();
    }
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    return !!this.rebalance?.subscriptionInner.has(topic) && !this.rebalance.topicSubscribeInfoTable.has(topic);
  }

  async doRebalance(): Promise<void> {
    if (this.state === 'RUNNING' && this.subscriptionType === 'SUBSCRIBE' && this.rebalance) await this.rebalance.doRebalance();
  }

  async persistConsumerOffset(): Promise<void> {
    if (this.state !== 'RUNNING' || !this.offsetStore) return;
    await this.offsetStore.persistAll([...this.assigned.values()].filter((a) => a.consumeOffset >= 0).map((a) => a.mq));
  }

  // ---- queue ownership and pulling -------------------------------------------------------

  private updateAssignedQueues(mqs: MessageQueue[]): void {
    const wanted = new Set(mqs.map((m) => m.key));
    for (const [k, a] of this.assigned) {
      if (!wanted.has(k)) {
        a.pq.dropped = true;
        this.assigned.delete(k);
      }
    }
    for (const mq of mqs) {
      if (this.assigned.has(mq.key)) continue;
      if (this.rebalance && !this.rebalance.subscriptionInner.has(mq.topic)) {
        this.rebalance.subscriptionInner.set(mq.topic, buildSubscriptionData(mq.topic, '*'));
      }
      this.startQueue(mq, new ProcessQueue(), -1);
    }
  }

  /** @internal Starts pulling a queue from `offset` (-1: compute from the stored offset). */
  startQueue(mq: MessageQueue, pq: ProcessQueue, offset: number): void {
    const a: Assigned = { mq, pq, pullOffset: offset, consumeOffset: -1, generation: 0, paused: false };
    this.assigned.set(mq.key, a);
    void this.pullTask(a);
  }

  /** @internal Stops a queue no longer owned; returns its consumed offset (-1 if none). */
  stopQueue(mq: MessageQueue): number {
    const a = this.assigned.get(mq.key);
    if (!a) return -1;
    a.pq.dropped = true;
    this.assigned.delete(mq.key);
    return a.consumeOffset;
  }

  /** @internal */
  get offsets(): OffsetStore {
    return this.offsetStore!;
  }

  /** Schedules the queue's pull loop; a run belonging to an older generation (before a seek) exits. */
  private later(a: Assigned, ms: number, generation = a.generation): void {
    if (this.state !== 'RUNNING' || a.pq.dropped || generation !== a.generation) return;
    if (ms <= 0) setImmediate(() => void this.pullTask(a, generation));
    else this.instance?.later(ms, () => void this.pullTask(a, generation));
  }

  private wakePollers(): void {
    const w = this.pollWaiters;
    this.pollWaiters = [];
    for (const f of w) f();
  }

  /** One pull round of a queue; never rejects (an unexpected error retries the queue later). */
  private async pullTask(a: Assigned, generation = a.generation): Promise<void> {
    try {
      await this.pullTaskOnce(a, generation);
    } catch (e) {
      log.error({ err: e, mq: a.mq.key }, 'unexpected error in the pull loop');
      this.later(a, PULL_DELAY_WHEN_EXCEPTION_MS, generation);
    }
  }

  private async pullTaskOnce(a: Assigned, generation: number): Promise<void> {
    if (this.state !== 'RUNNING' || a.pq.dropped || generation !== a.generation) return;
    if (a.paused) return this.later(a, PULL_DELAY_WHEN_PAUSE_MS, generation);
    if (this.cachedMsgCount > this.pullThresholdForAll) return this.later(a, PULL_DELAY_WHEN_FLOW_CONTROL_MS, generation);
    if (a.pq.msgCount > this.pullThresholdForQueue || a.pq.msgSize / 1048576 > this.pullThresholdSizeForQueue) return this.later(a, PULL_DELAY_WHEN_FLOW_CONTROL_MS, generation);
    if (a.pq.maxSpan() > this.consumeMaxSpan) return this.later(a, PULL_DELAY_WHEN_FLOW_CONTROL_MS, generation);
    const instance = this.instance!;
    try {
      if (a.pullOffset < 0) {
        const off = await computePullFromWhere(instance, this.offsets, a.mq, this.consumeFromWhere, this.consumeTimestamp);
        if (off < 0) throw new MQClientError('OFFSET', `cannot determine the start offset of ${a.mq.toString()}`, { retriable: true });
        if (generation !== a.generation) return;
        if (a.pullOffset < 0) a.pullOffset = off;
        if (a.consumeOffset < 0) a.consumeOffset = off;
      }
      const sub = this.rebalance?.subscriptionInner.get(a.mq.topic) ?? buildSubscriptionData(a.mq.topic, '*');
      const result = await pullKernel(instance, {
        group: this.consumerGroup,
        mq: a.mq,
        sub: { ...sub, subVersion: 0 },
        postSubscription: true,
        offset: a.pullOffset,
        maxNums: this.pullBatchSize,
        commitOffset: 0,
        suspendTimeoutMillis: this.brokerSuspendMaxTimeMillis,
        timeoutMillis: this.consumerTimeoutMillisWhenSuspend,
      });
      // A seek while this pull was held started a new loop; this one ends here.
      if (this.state !== 'RUNNING' || a.pq.dropped || generation !== a.generation) return;
      if (result.pullStatus === PullStatus.FOUND && result.msgFoundList.length > 0) {
        a.pq.putMessage(result.msgFoundList);
        this.cache.push({ msgs: result.msgFoundList, a, generation });
        this.cachedMsgCount += result.msgFoundList.length;
        this.wakePollers();
      } else if (result.pullStatus === PullStatus.OFFSET_ILLEGAL) {
        log.warn({ mq: a.mq.key, offset: a.pullOffset, next: result.nextBeginOffset }, 'pull offset illegal, moving to the broker suggested offset');
      }
      a.pullOffset = result.nextBeginOffset;
      return this.later(a, this.pullDelayTimeMills, generation);
    } catch (e) {
      if (this.state === 'RUNNING' && !a.pq.dropped) log.warn({ err: e, mq: a.mq.key }, 'lite pull failed');
      if (isUnknownConsumerError(e)) instance.heartbeatSoon();
      return this.later(a, PULL_DELAY_WHEN_EXCEPTION_MS, generation);
    }
  }
}

class LitePullRebalance extends RebalanceImpl {
  constructor(
    private readonly consumer: DefaultLitePullConsumer,
    instance: MQClientInstance,
  ) {
    super(consumer.consumerGroup, consumer.messageModel, consumer.allocateMessageQueueStrategy, instance);
  }

  protected computePullFromWhere(mq: MessageQueue): Promise<number> {
    return computePullFromWhere(this.instance!, this.consumer.offsets, mq, this.consumer.consumeFromWhere, this.consumer.consumeTimestamp).catch((e) => {
      log.warn({ err: e, mq: mq.key }, 'compute pull offset failed');
      return -1;
    });
  }

  protected async removeUnnecessaryMessageQueue(mq: MessageQueue): Promise<boolean> {
    const consumed = this.consumer.stopQueue(mq);
    const store = this.consumer.offsets;
    if (consumed >= 0) {
      store.updateOffset(mq, consumed, false);
      await store.updateConsumeOffsetToBroker(mq, consumed, false).catch((e) => log.warn({ err: e }, 'offset commit on queue release failed'));
    }
    store.removeOffset(mq);
    return true;
  }

  protected removeDirtyOffset(mq: MessageQueue): void {
    this.consumer.offsets.removeOffset(mq);
  }

  protected dispatchPullRequest(list: Array<{ mq: MessageQueue; pq: ProcessQueue; nextOffset: number }>): void {
    for (const r of list) this.consumer.startQueue(r.mq, r.pq, r.nextOffset);
  }
}
