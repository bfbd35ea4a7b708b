/**
 * DefaultMQPushConsumer: RocketMQ's push consumer (a long-polling pull loop per owned queue feeding
 * a concurrent listener), with its option names and defaults.
 *
 *   const consumer = new DefaultMQPushConsumer({ consumerGroup: 'CG', namesrvAddr: '127.0.0.1:9876' });
 *   consumer.subscribe('TopicTest', 'TagA || TagB');
 *   consumer.registerMessageListener(async (msgs) => { ...; return 'CONSUME_SUCCESS'; });
 *   await consumer.start();
 *
 * Per owned queue: pull (broker holds the request up to 15 s when there is nothing new) -> put into
 * the ProcessQueue -> split into batches of consumeMessageBatchMaxSize -> run the listener with at
 * most consumeThreadMax calls in flight -> on RECONSUME_LATER (or a throw) send the message back to
 * the broker for redelivery through %RETRY%<group> -> advance the queue's offset to the smallest
 * message still in flight. Offsets are flushed every persistConsumerOffsetInterval and on shutdown.
 */
import { IntKeyTable } from '../common/int-key-table.js';
import { AsyncTraceDispatcher } from './trace/trace-dispatcher.js';
import { ConsumeMessageTraceHook, type ConsumeMessageContext, type ConsumeMessageHook } from './trace/trace-hooks.js';
import { MQAdminClient } from './mq-admin.js';
import { componentLogger } from '../common/logger.js';
import { PROPERTY } from '../message/message-const.js';
import type { ConsumeFromWhere, ConsumerData, MessageModel } from '../protocol/body/types.js';
import { AllocateMessageQueueAveragely, type AllocateMessageQueueStrategy } from './allocate.js';
import { checkGroup, checkTopic, MixAll, resolveClientConfig, retryTopic, type ClientConfig } from './client-config.js';
import { brokerAddrFor, computePullFromWhere, formatConsumeTimestamp, pullKernel, PullStatus } from './consumer-common.js';
import { isUnknownConsumerError, MQClientError } from './errors.js';
import { Message, type MessageExt } from './message.js';
import { compareMessageQueue, type MessageQueue } from './message-queue.js';
import { topicRouteToSubscribeInfo } from './route.js';
import { MQClientManager, type ConsumerInner, type MQClientInstance } from './mq-client-instance.js';
import { LocalFileOffsetStore, ReadOffsetType, RemoteBrokerOffsetStore, type OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import { DefaultMQProducer } from './producer.js';
import { RebalanceImpl } from './rebalance.js';
import { buildSubscriptionData, type SubscriptionData } from './subscription.js';
import { checkClientInBroker, subscriptionDataOf, type MessageSelector } from './message-selector.js';
import type { ClientTransport } from './transport.js';

const log = componentLogger('client');

export const ConsumeConcurrentlyStatus = {
  CONSUME_SUCCESS: 'CONSUME_SUCCESS',
  RECONSUME_LATER: 'RECONSUME_LATER',
} as const;
export type ConsumeConcurrentlyStatus = (typeof ConsumeConcurrentlyStatus)[keyof typeof ConsumeConcurrentlyStatus];

export interface ConsumeConcurrentlyContext {
  messageQueue: MessageQueue;
  /** Delay level for redelivery: 0 lets the broker choose (3 + reconsumeTimes), -1 sends straight to the DLQ. */
  delayLevelWhenNextConsume: number;
  /** With CONSUME_SUCCESS for a batch: messages after this index are treated as failed. */
  ackIndex: number;
}

/**
 * The listener: resolve CONSUME_SUCCESS (or nothing) when done, RECONSUME_LATER to have the
 * messages redelivered later; a throw or rejection also means RECONSUME_LATER.
 */
export type MessageListenerConcurrently = (
  msgs: MessageExt[],
  context: ConsumeConcurrentlyContext,
) => ConsumeConcurrentlyStatus | void | Promise<ConsumeConcurrentlyStatus | void>;

export interface MessageListenerConcurrentlyObject {
  consumeMessage(msgs: MessageExt[], context: ConsumeConcurrentlyContext): ConsumeConcurrentlyStatus | void | Promise<ConsumeConcurrentlyStatus | void>;
}

export const ConsumeOrderlyStatus = {
  SUCCESS: 'SUCCESS',
  SUSPEND_CURRENT_QUEUE_A_MOMENT: 'SUSPEND_CURRENT_QUEUE_A_MOMENT',
} as const;
export type ConsumeOrderlyStatus = (typeof ConsumeOrderlyStatus)[keyof typeof ConsumeOrderlyStatus];

export interface ConsumeOrderlyContext {
  messageQueue: MessageQueue;
  /** Pause of the queue after SUSPEND_CURRENT_QUEUE_A_MOMENT, ms; -1 = the consumer's suspendCurrentQueueTimeMillis. */
  suspendCurrentQueueTimeMillis: number;
}

/**
 * Orderly listener: messages of one queue arrive one batch at a time, in queue order. Resolve
 * SUCCESS (or nothing) to move on; SUSPEND_CURRENT_QUEUE_A_MOMENT (or a throw) retries the same
 * messages on this client after a pause, keeping the order.
 */
export type MessageListenerOrderly = (
  msgs: MessageExt[],
  context: ConsumeOrderlyContext,
) => ConsumeOrderlyStatus | void | Promise<ConsumeOrderlyStatus | void>;

export interface PushConsumerOptions extends ClientConfig {
  consumerGroup: string;
  /** CLUSTERING (default): each message to one member. BROADCASTING: to every member. */
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, "yyyyMMddHHmmss"; default half an hour ago. */
  consumeTimestamp?: string;
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy;
  /** Listener calls in flight at most (default 20; consumeThreadMin must not exceed it). */
  consumeThreadMax?: number;
  consumeThreadMin?: number;
  /** Stop pulling a queue while the held offset span exceeds this (default 2000). */
  consumeConcurrentlyMaxSpan?: number;
  /** Stop pulling a queue while it holds this many unconsumed messages (default 1000). */
  pullThresholdForQueue?: number;
  /** ... or this many MiB (default 100). */
  pullThresholdSizeForQueue?: number;
  /** Cached messages for all owned queues of a topic; -1 (default) = use pullThresholdForQueue. */
  pullThresholdForTopic?: number;
  /** Cached MiB for all owned queues of a topic; -1 (default) = use pullThresholdSizeForQueue. */
  pullThresholdSizeForTopic?: number;
  /** Pause between pulls of a queue, ms (default 0). */
  pullInterval?: number;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number;
  /** Messages per pull (default 32). */
  pullBatchSize?: number;
  /** Send the subscription expression with every pull (default false: the broker uses the heartbeat's). */
  postSubscriptionWhenPull?: boolean;
  /** Redeliveries before the broker moves a message to %DLQ%<group>; -1 = 16. */
  maxReconsumeTimes?: number;
  /** Directory of broadcasting offset files (default ~/.rocketmq_offsets). */
  offsetStoreDir?: string;
  /** Orderly: pause of a queue after SUSPEND_CURRENT_QUEUE_A_MOMENT, ms (default 1000). */
  suspendCurrentQueueTimeMillis?: number;
  /** On shutdown, wait up to this long for listener calls in flight so their offsets are committed (default 0). */
  awaitTerminationMillisWhenShutdown?: number;
  /**
   * Minutes a message may stay with the listener (default 15). Older ones are sent back for
   * redelivery and stop holding back the queue's offset (concurrent listeners only).
   */
  consumeTimeout?: number;
  /** Initial subscriptions: topic -> expression. */
  subscription?: Record<string, string>;
  transport?: ClientTransport;
}

const PULL_DELAY_WHEN_EXCEPTION_MS = 3000;
const PULL_DELAY_WHEN_FLOW_CONTROL_MS = 50;
const PULL_DELAY_WHEN_SUSPEND_MS = 1000;
const BROKER_SUSPEND_MAX_TIME_MS = 15000;
/** Orderly clustering: longest wait at shutdown for a running batch before its queue is unlocked. */
const ORDERLY_SHUTDOWN_WAIT_MS = 5000;
/** Orderly clustering: a queue whose lock was refused is tried again after this long. */
const LOCK_RETRY_REBALANCE_MS = 1000;
const CONSUMER_TIMEOUT_WHEN_SUSPEND_MS = 30000;
const SEND_BACK_RETRY_DELAY_MS = 5000;
const PULL_DELAY_WHEN_NOT_LOCKED_MS = 3000;
const REBALANCE_LOCK_INTERVAL_MS = Number(process.env['rocketmq.client.rebalance.lockInterval'] ?? 20000);
const ORDERLY_RELOCK_DELAY_MS = 100;

interface PullRequest {
  mq: MessageQueue;
  pq: ProcessQueue;
  nextOffset: number;
  /** Orderly: the queue was already locked at the previous pull (the start offset was re-read then). */
  previouslyLocked?: boolean;
}

export class DefaultMQPushConsumer extends MQAdminClient implements ConsumerInner {
  consumerGroup: string;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  consumeTimestamp: string;
  allocateMessageQueueStrategy: AllocateMessageQueueStrategy;
  consumeThreadMin: number;
  consumeThreadMax: number;
  consumeConcurrentlyMaxSpan: number;
  pullThresholdForQueue: number;
  pullThresholdSizeForQueue: number;
  pullThresholdForTopic: number;
  pullThresholdSizeForTopic: number;
  pullInterval: number;
  consumeMessageBatchMaxSize: number;
  pullBatchSize: number;
  postSubscriptionWhenPull: boolean;
  maxReconsumeTimes: number;
  offsetStoreDir?: string;
  suspendCurrentQueueTimeMillis: number;
  awaitTerminationMillisWhenShutdown: number;
  consumeTimeout: number;
  readonly clientConfig: ClientConfig;

  private listener?: MessageListenerConcurrently;
  private orderlyListener?: MessageListenerOrderly;
  private readonly subscriptionExprs = new Map<string, string | MessageSelector>();
  private instance?: MQClientInstance;
  private offsetStore?: OffsetStore;
  private rebalance?: PushRebalance;
  private innerProducer?: DefaultMQProducer;
  private state: 'CREATE_JUST' | 'RUNNING' | 'SHUTDOWN_ALREADY' | 'START_FAILED' = 'CREATE_JUST';
  private paused = false;
  private readonly transport?: ClientTransport;
  private readonly startTimestamp = Date.now();
  // Consume concurrency limiter.
  private running = 0;
  private readonly waiting: Array<() => Promise<void>> = [];
  /** Running consume tasks by id (not a Set: see IntKeyTable). */
  private readonly inFlight = new IntKeyTable<Promise<void>>();
  private nextTaskId = 0;
  /** Called around each listener call (message trace registers one when enableMsgTrace is set). */
  readonly consumeMessageHooks: ConsumeMessageHook[] = [];
  private traceDispatcher?: AsyncTraceDispatcher;
  /** Orderly queues paused until their resume timer fires. */
  private readonly suspendedQueues = new WeakSet<ProcessQueue>();

  constructor(options: PushConsumerOptions) {
    super();
    this.consumerGroup = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.consumeFromWhere = options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET';
    this.consumeTimestamp = options.consumeTimestamp ?? formatConsumeTimestamp(Date.now() - 30 * 60 * 1000);
    this.allocateMessageQueueStrategy = options.allocateMessageQueueStrategy ?? new AllocateMessageQueueAveragely();
    // An explicit consumeThreadMax alone also lowers the minimum (Java would reject min > max).
    this.consumeThreadMin = options.consumeThreadMin ?? Math.min(20, options.consumeThreadMax ?? 20);
    this.consumeThreadMax = options.consumeThreadMax ?? 20;
    this.consumeConcurrentlyMaxSpan = options.consumeConcurrentlyMaxSpan ?? 2000;
    this.pullThresholdForQueue = options.pullThresholdForQueue ?? 1000;
    this.pullThresholdSizeForQueue = options.pullThresholdSizeForQueue ?? 100;
    this.pullThresholdForTopic = options.pullThresholdForTopic ?? -1;
    this.pullThresholdSizeForTopic = options.pullThresholdSizeForTopic ?? -1;
    this.pullInterval = options.pullInterval ?? 0;
    this.consumeMessageBatchMaxSize = options.consumeMessageBatchMaxSize ?? 1;
    this.pullBatchSize = options.pullBatchSize ?? 32;
    this.postSubscriptionWhenPull = options.postSubscriptionWhenPull ?? false;
    this.maxReconsumeTimes = options.maxReconsumeTimes ?? -1;
    this.offsetStoreDir = options.offsetStoreDir;
    this.suspendCurrentQueueTimeMillis = options.suspendCurrentQueueTimeMillis ?? 1000;
    this.awaitTerminationMillisWhenShutdown = options.awaitTerminationMillisWhenShutdown ?? 0;
    this.consumeTimeout = options.consumeTimeout ?? 15;
    this.transport = options.transport;
    this.clientConfig = { ...options };
    for (const [t, e] of Object.entries(options.subscription ?? {})) this.subscribe(t, e);
  }

  get groupName(): string {
    return this.consumerGroup;
  }

  /** This client's id (ip@instanceName) once started, as brokers list it. */
  get clientId(): string | undefined {
    return this.instance?.clientId;
  }

  /** Subscribes a topic with `*`, "TagA || TagB" or a MessageSelector (SQL92); before or after start. */
  subscribe(topic: string, subExpression: string | MessageSelector = '*'): void {
    checkTopic(topic);
    const sub = subscriptionDataOf(topic, subExpression);
    this.subscriptionExprs.set(topic, subExpression);
    if (this.rebalance) {
      this.rebalance.subscriptionInner.set(topic, sub);
      if (this.instance) {
        void this.instance
          .sendHeartbeatToAllBrokerWithLock()
          .then(() => this.instance?.rebalanceImmediately())
          .catch((e) => log.warn({ err: e }, 'heartbeat after subscribe failed'));
      }
    }
  }

  unsubscribe(topic: string): void {
    this.subscriptionExprs.delete(topic);
    this.rebalance?.subscriptionInner.delete(topic);
  }

  // Overloads: an async listener gets Promise<status> as its contextual return type, so a literal
  // `return 'CONSUME_SUCCESS'` keeps its literal type (a union with the sync form would widen it).
  registerMessageListener(listener: (msgs: MessageExt[], context: ConsumeConcurrentlyContext) => Promise<ConsumeConcurrentlyStatus | void>): void;
  registerMessageListener(listener: (msgs: MessageExt[], context: ConsumeConcurrentlyContext) => ConsumeConcurrentlyStatus): void;
  registerMessageListener(listener: (msgs: MessageExt[], context: ConsumeConcurrentlyContext) => void): void;
  registerMessageListener(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeConcurrentlyContext): Promise<ConsumeConcurrentlyStatus | void> }): void;
  registerMessageListener(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeConcurrentlyContext): ConsumeConcurrentlyStatus }): void;
  registerMessageListener(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeConcurrentlyContext): void }): void;
  registerMessageListener(listener: MessageListenerConcurrently | MessageListenerConcurrentlyObject): void {
    this.listener = typeof listener === 'function' ? listener : (msgs, ctx) => listener.consumeMessage(msgs, ctx) as ConsumeConcurrentlyStatus | void;
    this.orderlyListener = undefined;
  }

  /**
   * Consumes each queue in order (MessageListenerOrderly). In clustering mode the client holds a
   * broker lock on every queue it consumes, so no other member consumes it at the same time.
   */
  registerMessageListenerOrderly(listener: (msgs: MessageExt[], context: ConsumeOrderlyContext) => Promise<ConsumeOrderlyStatus | void>): void;
  registerMessageListenerOrderly(listener: (msgs: MessageExt[], context: ConsumeOrderlyContext) => ConsumeOrderlyStatus): void;
  registerMessageListenerOrderly(listener: (msgs: MessageExt[], context: ConsumeOrderlyContext) => void): void;
  registerMessageListenerOrderly(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeOrderlyContext): Promise<ConsumeOrderlyStatus | void> }): void;
  registerMessageListenerOrderly(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeOrderlyContext): ConsumeOrderlyStatus }): void;
  registerMessageListenerOrderly(listener: { consumeMessage(msgs: MessageExt[], context: ConsumeOrderlyContext): void }): void;
  registerMessageListenerOrderly(listener: MessageListenerOrderly | { consumeMessage: MessageListenerOrderly }): void {
    this.orderlyListener = typeof listener === 'function' ? listener : (msgs, ctx) => listener.consumeMessage(msgs, ctx);
    this.listener = undefined;
  }

  /** Whether an orderly listener is registered. */
  get isConsumeOrderly(): boolean {
    return this.orderlyListener !== undefined;
  }

  /** Stops pulling (messages already pulled are still consumed). */
  suspend(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Queues this member currently consumes (after rebalance), of one topic or all, sorted. */
  ownedMessageQueues(topic?: string): MessageQueue[] {
    return (this.rebalance?.ownedQueues(topic) ?? []).sort(compareMessageQueue);
  }

  /** Readable queues of a subscribed topic, from the route cache (fetchSubscribeMessageQueues). */
  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    const instance = this.instance;
    if (!instance) throw new MQClientError('SERVICE_STATE', 'The consumer is not started');
    const route = await instance.api.getTopicRouteInfoFromNameServer(topic, instance.config.mqClientApiTimeout);
    return topicRouteToSubscribeInfo(topic, route);
  }

  /** Effective redelivery limit (-1 means 16). */
  getMaxReconsumeTimes(): number {
    // Orderly consumption retries locally without limit unless a limit is set.
    if (this.maxReconsumeTimes === -1) return this.orderlyListener ? Number.MAX_SAFE_INTEGER : 16;
    return this.maxReconsumeTimes;
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state !== 'CREATE_JUST') throw new MQClientError('SERVICE_STATE', `The PushConsumer service state not OK, ${this.state}`);
    this.state = 'START_FAILED';
    checkGroup(this.consumerGroup);
    if (this.consumerGroup === MixAll.DEFAULT_CONSUMER_GROUP) throw new MQClientError('CONFIG', 'consumerGroup can not equal DEFAULT_CONSUMER, please specify another one.');
    if (!this.listener && !this.orderlyListener) throw new MQClientError('CONFIG', 'messageListener is null, call registerMessageListener first');
    if (this.consumeThreadMin < 1 || this.consumeThreadMax < 1 || this.consumeThreadMin > this.consumeThreadMax) {
      throw new MQClientError('CONFIG', `consumeThreadMin (${this.consumeThreadMin}) must be between 1 and consumeThreadMax (${this.consumeThreadMax})`);
    }
    if (this.consumeMessageBatchMaxSize < 1 || this.consumeMessageBatchMaxSize > 1024) throw new MQClientError('CONFIG', 'consumeMessageBatchMaxSize Out of range [1, 1024]');
    if (this.pullBatchSize < 1 || this.pullBatchSize > 1024) throw new MQClientError('CONFIG', 'pullBatchSize Out of range [1, 1024]');
    const config = resolveClientConfig(this.clientConfig);
    if (config.namesrvAddr === '') throw new MQClientError('NO_NAME_SERVER', 'namesrvAddr is not set (option namesrvAddr or NAMESRV_ADDR)');
    const instance = MQClientManager.getOrCreateMQClientInstance(config, this.transport);
    const rebalance = new PushRebalance(this, instance);
    for (const [t, e] of this.subscriptionExprs) rebalance.subscriptionInner.set(t, subscriptionDataOf(t, e));
    if (this.messageModel === 'CLUSTERING') {
      const rt = retryTopic(this.consumerGroup);
      rebalance.subscriptionInner.set(rt, buildSubscriptionData(rt, '*'));
    }
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
    if (!instance.registerConsumer(this)) {
      throw new MQClientError('GROUP_EXISTS', `The consumer group[${this.consumerGroup}] has been created before, specify another name please.`);
    }
    this.instance = instance;
    this.rebalance = rebalance;
    this.innerProducer = DefaultMQProducer.createInner(instance);
    instance.start();
    this.state = 'RUNNING';
    // Routes first (to know the brokers), then a heartbeat (so pulls find our subscription), then rebalance.
    await Promise.all([...rebalance.subscriptionInner.keys()].map((t) => instance.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
    try {
      await checkClientInBroker(instance, this.consumerGroup, rebalance.subscriptionInner.values(), config.mqClientApiTimeout);
    } catch (e) {
      await this.shutdown().catch(() => undefined);
      throw e;
    }
    if (this.clientConfig.enableMsgTrace && !this.traceDispatcher) {
      const d = new AsyncTraceDispatcher({ group: this.consumerGroup, traceTopic: this.clientConfig.customizedTraceTopic, clientConfig: this.clientConfig });
      await d.start();
      this.traceDispatcher = d;
      this.consumeMessageHooks.push(new ConsumeMessageTraceHook(d));
    }
    await instance.sendHeartbeatToAllBrokerWithLock();
    instance.rebalanceImmediately();
    if (this.orderlyListener && this.messageModel === 'CLUSTERING') this.scheduleLockAll();
    if (!this.orderlyListener) this.scheduleCleanExpiredMsg();
  }

  private scheduleCleanExpiredMsg(): void {
    this.instance?.later(this.consumeTimeout * 60000, () => {
      void this.cleanExpiredMsg()
        .catch((e) => log.warn({ err: e }, 'clean expired messages failed'))
        .finally(() => {
          if (this.isRunning()) this.scheduleCleanExpiredMsg();
        });
    });
  }

  /**
   * ConsumeMessageConcurrentlyService.cleanExpireMsg: a message whose listener call started more than
   * consumeTimeout ago (looking at up to 16 at the head of each queue) is sent back for redelivery
   * and removed, so one stuck call does not hold the queue's committed offset back forever.
   */
  private async cleanExpiredMsg(): Promise<void> {
    const limitMs = this.consumeTimeout * 60000;
    const now = Date.now();
    for (const o of this.rebalance?.processQueueTable.values() ?? []) {
      if (o.pq.dropped) continue;
      for (const m of o.pq.headMessages(16)) {
        const started = Number(m.properties[PROPERTY.CONSUME_START_TIME]);
        if (!started || now - started <= limitMs) break;
        log.warn({ msgId: m.msgId, mq: o.mq.key, startedMs: started }, 'message consume timeout, sending it back');
        if (this.messageModel === 'CLUSTERING') await this.sendMessageBack(m, 3);
        const offset = o.pq.removeMessage([m]);
        if (offset >= 0 && !o.pq.dropped) this.offsets.updateOffset(o.mq, offset, true);
      }
    }
  }

  private scheduleLockAll(): void {
    this.instance?.later(REBALANCE_LOCK_INTERVAL_MS, () => {
      void this.rebalance
        ?.lockAll()
        .catch((e) => log.warn({ err: e }, 'lockAll failed'))
        .finally(() => {
          if (this.isRunning()) this.scheduleLockAll();
        });
    });
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') return;
    const owned = this.rebalance?.ownedQueues() ?? [];
    // Orderly clustering: a running batch keeps its queue locked until it ends (bounded), so the
    // member taking the queue over neither overlaps it nor consumes it again.
    const orderlyClustering = this.orderlyListener !== undefined && this.messageModel === 'CLUSTERING';
    if ((this.awaitTerminationMillisWhenShutdown > 0 || orderlyClustering) && this.inFlight.size > 0) {
      // Stop pulling, let running listener calls finish (bounded) so their offsets are committed below.
      this.paused = true;
      this.waiting.length = 0;
      if (orderlyClustering) this.rebalance?.dropAll();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(this.inFlight.values()),
        new Promise<void>((r) => (timer = setTimeout(r, Math.max(this.awaitTerminationMillisWhenShutdown, orderlyClustering ? ORDERLY_SHUTDOWN_WAIT_MS : 0)))),
      ]);
      clearTimeout(timer);
    }
    this.state = 'SHUTDOWN_ALREADY';
    this.rebalance?.dropAll();
    await this.persistOffsets(owned, false);
    if (this.orderlyListener && this.messageModel === 'CLUSTERING') await this.rebalance?.unlockAll(owned);
    await this.instance?.unregisterConsumer(this.consumerGroup);
    await this.traceDispatcher?.shutdown().catch((e) => log.warn({ err: e }, 'trace dispatcher shutdown failed'));
  }

  protected override adminInstance(): MQClientInstance | undefined {
    return this.instance;
  }

  // ---- ConsumerInner -----------------------------------------------------------------------

  consumerData(): ConsumerData {
    return {
      groupName: this.consumerGroup,
      consumeType: 'CONSUME_PASSIVELY',
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
      this.instance?.rebalanceImmediately();
    }
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    return !!this.rebalance?.subscriptionInner.has(topic) && !this.rebalance.topicSubscribeInfoTable.has(topic);
  }

  async doRebalance(): Promise<void> {
    if (this.state === 'RUNNING' && this.rebalance) await this.rebalance.doRebalance();
  }

  async persistConsumerOffset(): Promise<void> {
    if (this.state !== 'RUNNING' || !this.rebalance) return;
    await this.persistOffsets(this.rebalance.ownedQueues(), true);
  }

  private async persistOffsets(mqs: MessageQueue[], oneway: boolean): Promise<void> {
    const store = this.offsetStore;
    if (!store) return;
    if (oneway || store instanceof LocalFileOffsetStore) {
      await store.persistAll(mqs);
      return;
    }
    // On shutdown wait for the broker's acknowledgement so the next owner reads the final offsets.
    const table = store.cloneOffsetTable();
    const owned = new Set(mqs.map((m) => m.key));
    await Promise.all(
      [...table]
        .filter(([mq]) => owned.has(mq.key))
        .map(([mq, off]) => store.updateConsumeOffsetToBroker(mq, off, false).catch((e) => log.warn({ err: e, mq: mq.key }, 'final offset commit failed'))),
    );
  }

  async resetOffset(topic: string, offsets: Map<string, { mq: MessageQueue; offset: number }>): Promise<void> {
    if (!this.rebalance || !this.offsetStore) return;
    const store = this.offsetStore;
    for (const [key, o] of [...this.rebalance.processQueueTable]) {
      if (o.mq.topic !== topic) continue;
      o.pq.dropped = true;
      o.pq.clear();
      this.rebalance.processQueueTable.delete(key);
    }
    await Promise.all(
      [...offsets.values()].map(async ({ mq, offset }) => {
        store.updateOffset(mq, offset, false);
        await store.updateConsumeOffsetToBroker(mq, offset, false).catch((e) => log.warn({ err: e }, 'reset offset commit failed'));
      }),
    );
    this.instance?.rebalanceImmediately();
  }

  runningInfo(): Record<string, unknown> {
    const mqTable = new Map<unknown, unknown>();
    const offsets = this.offsetStore?.cloneOffsetTable();
    const committed = new Map([...(offsets ?? [])].map(([mq, off]) => [mq.key, off]));
    for (const o of this.rebalance?.processQueueTable.values() ?? []) {
      mqTable.set(o.mq.toJSON(), o.pq.info(committed.get(o.mq.key) ?? 0));
    }
    return {
      properties: {
        PROP_NAMESERVER_ADDR: this.clientConfig.namesrvAddr ?? process.env.NAMESRV_ADDR ?? '',
        PROP_CONSUME_TYPE: 'CONSUME_PASSIVELY',
        PROP_CONSUMEORDERLY: String(this.isConsumeOrderly),
        PROP_THREADPOOL_CORE_SIZE: String(this.consumeThreadMax),
        PROP_CONSUMER_START_TIMESTAMP: String(this.startTimestamp),
        PROP_CLIENT_VERSION: 'V4_9_8',
        messageModel: this.messageModel,
        consumeFromWhere: this.consumeFromWhere,
        consumerGroup: this.consumerGroup,
        pullBatchSize: String(this.pullBatchSize),
        consumeMessageBatchMaxSize: String(this.consumeMessageBatchMaxSize),
      },
      subscriptionSet: this.subscriptions(),
      mqTable,
      statusTable: {},
    };
  }

  // ---- internals used by PushRebalance -------------------------------------------------------

  /** @internal */
  get offsets(): OffsetStore {
    return this.offsetStore!;
  }

  /** @internal */
  startPulling(list: PullRequest[]): void {
    for (const r of list) void this.pullMessage(r);
  }

  private isRunning(): boolean {
    return this.state === 'RUNNING';
  }

  private pullLater(r: PullRequest, ms: number): void {
    if (!this.isRunning() || r.pq.dropped) return;
    if (ms <= 0) setImmediate(() => void this.pullMessage(r));
    else this.instance?.later(ms, () => void this.pullMessage(r));
  }

  /** One pull round of a queue; never rejects (an unexpected error retries the queue later). */
  private async pullMessage(r: PullRequest): Promise<void> {
    try {
      await this.pullMessageOnce(r);
    } catch (e) {
      log.error({ err: e, mq: r.mq.key }, 'unexpected error in the pull loop');
      this.pullLater(r, PULL_DELAY_WHEN_EXCEPTION_MS);
    }
  }

  private async pullMessageOnce(r: PullRequest): Promise<void> {
    const { pq, mq } = r;
    if (!this.isRunning() || pq.dropped) return;
    pq.lastPullTimestamp = Date.now();
    if (this.paused) return this.pullLater(r, PULL_DELAY_WHEN_SUSPEND_MS);
    if (pq.msgCount > this.pullThresholdForQueue || pq.msgSize / 1048576 > this.pullThresholdSizeForQueue) {
      return this.pullLater(r, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
    }
    if (!this.orderlyListener && pq.maxSpan() > this.consumeConcurrentlyMaxSpan) return this.pullLater(r, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
    if (this.orderlyListener && this.messageModel === 'CLUSTERING') {
      if (!pq.locked) return this.pullLater(r, PULL_DELAY_WHEN_NOT_LOCKED_MS);
      if (!r.previouslyLocked) {
        // Another member may have consumed this queue until we got the lock: start from the stored offset.
        r.previouslyLocked = true;
        const off = await this.rebalance!.computeStartOffset(mq);
        if (off < 0) return this.pullLater(r, PULL_DELAY_WHEN_EXCEPTION_MS);
        r.nextOffset = off;
      }
    }
    const sub = this.rebalance?.subscriptionInner.get(mq.topic);
    if (!sub) return this.pullLater(r, PULL_DELAY_WHEN_EXCEPTION_MS);
    const commitOffset = this.messageModel === 'CLUSTERING' ? await this.offsets.readOffset(mq, ReadOffsetType.READ_FROM_MEMORY) : 0;
    let result;
    try {
      result = await pullKernel(this.instance!, {
        group: this.consumerGroup,
        mq,
        sub,
        postSubscription: this.postSubscriptionWhenPull,
        offset: r.nextOffset,
        maxNums: this.pullBatchSize,
        commitOffset: commitOffset > 0 ? commitOffset : 0,
        suspendTimeoutMillis: BROKER_SUSPEND_MAX_TIME_MS,
        timeoutMillis: CONSUMER_TIMEOUT_WHEN_SUSPEND_MS,
      });
    } catch (e) {
      if (this.isRunning() && !pq.dropped) log.warn({ err: e, mq: mq.key }, 'pull failed');
      if (isUnknownConsumerError(e)) this.instance?.heartbeatSoon();
      return this.pullLater(r, PULL_DELAY_WHEN_EXCEPTION_MS);
    }
    if (!this.isRunning() || pq.dropped) return;
    switch (result.pullStatus) {
      case PullStatus.FOUND: {
        r.nextOffset = result.nextBeginOffset;
        if (result.msgFoundList.length === 0) return this.pullLater(r, 0);
        pq.putMessage(result.msgFoundList);
        this.submitConsumeRequest(result.msgFoundList, pq, mq);
        return this.pullLater(r, this.pullInterval);
      }
      case PullStatus.NO_NEW_MSG:
      case PullStatus.NO_MATCHED_MSG:
        r.nextOffset = result.nextBeginOffset;
        // Nothing held: the filtered-out range counts as consumed.
        if (pq.msgCount === 0) this.offsets.updateOffset(mq, r.nextOffset, true);
        return this.pullLater(r, 0);
      case PullStatus.OFFSET_ILLEGAL:
        log.warn({ mq: mq.key, offset: r.nextOffset, next: result.nextBeginOffset }, 'pull offset illegal, jumping to the broker suggested offset');
        r.nextOffset = result.nextBeginOffset;
        this.offsets.updateOffset(mq, r.nextOffset, false);
        await this.offsets.persist(mq).catch(() => undefined);
        return this.pullLater(r, 0);
    }
  }

  // ---- consume service (ConsumeMessageConcurrentlyService) -----------------------------------

  private submitConsumeRequest(msgs: MessageExt[], pq: ProcessQueue, mq: MessageQueue): void {
    if (this.orderlyListener) {
      // A suspended queue (SUSPEND_CURRENT_QUEUE_A_MOMENT, or waiting for its lock) resumes on its
      // timer only: newly pulled messages must not cut the pause short.
      if (!pq.consuming && !this.suspendedQueues.has(pq)) {
        pq.consuming = true;
        this.enqueue(() => this.consumeOrderly(pq, mq));
      }
      return;
    }
    const n = this.consumeMessageBatchMaxSize;
    for (let i = 0; i < msgs.length; i += n) {
      const chunk = msgs.slice(i, i + n);
      this.enqueue(() => this.consume(chunk, pq, mq));
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.consumeThreadMax && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      const id = (this.nextTaskId = (this.nextTaskId + 1) | 0);
      const p = task()
        .catch((e) => log.error({ err: e }, 'consume task failed'))
        .finally(() => {
          this.running--;
          this.inFlight.delete(id);
          this.drain();
        });
      this.inFlight.set(id, p);
    }
  }

  private async consume(msgs: MessageExt[], pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    if (pq.dropped || !this.isRunning()) return;
    const rt = retryTopic(this.consumerGroup);
    const now = String(Date.now());
    for (const m of msgs) {
      // Messages redelivered through %RETRY%<group> show their original topic.
      const orig = m.properties[PROPERTY.RETRY_TOPIC];
      if (orig && m.topic === rt) m.topic = orig;
      m.properties[PROPERTY.CONSUME_START_TIME] = now;
    }
    const context: ConsumeConcurrentlyContext = { messageQueue: mq, delayLevelWhenNextConsume: 0, ackIndex: Number.MAX_SAFE_INTEGER };
    let status: ConsumeConcurrentlyStatus;
    const hookCtx = this.consumeHooksBefore(msgs, mq);
    let code = 0;
    try {
      const r = await this.listener!(msgs, context);
      status = r === undefined || r === null ? ConsumeConcurrentlyStatus.CONSUME_SUCCESS : r;
      if (status !== 'CONSUME_SUCCESS' && status !== 'RECONSUME_LATER') {
        log.warn({ status }, 'listener returned an unknown status, treating it as RECONSUME_LATER');
        status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
      }
      code = status === 'CONSUME_SUCCESS' ? 0 : 4;
    } catch (e) {
      log.warn({ err: e, group: this.consumerGroup, mq: mq.key }, 'consumeMessage threw, the messages will be redelivered');
      status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
      code = 2;
    }
    if (hookCtx) this.consumeHooksAfter(hookCtx, status === 'CONSUME_SUCCESS', code);
    if (pq.dropped) return;
    await this.processConsumeResult(status, context, msgs, pq, mq);
  }

  /** Runs the consume hooks' before calls; undefined when there are none. */
  private consumeHooksBefore(msgs: MessageExt[], mq: MessageQueue): ConsumeMessageContext | undefined {
    if (this.consumeMessageHooks.length === 0) return undefined;
    const ctx: ConsumeMessageContext = { consumerGroup: this.consumerGroup, mq, msgs, beginTimestamp: Date.now() };
    for (const h of this.consumeMessageHooks) {
      try {
        h.consumeMessageBefore(ctx);
      } catch (e) {
        log.warn({ err: e }, 'consume hook threw');
      }
    }
    return ctx;
  }

  private consumeHooksAfter(ctx: ConsumeMessageContext, success: boolean, contextCode: number): void {
    ctx.success = success;
    ctx.contextCode = contextCode;
    for (const h of this.consumeMessageHooks) {
      try {
        h.consumeMessageAfter(ctx);
      } catch (e) {
        log.warn({ err: e }, 'consume hook threw');
      }
    }
  }

  private async processConsumeResult(status: ConsumeConcurrentlyStatus, ctx: ConsumeConcurrentlyContext, msgs: MessageExt[], pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    const ackIndex = status === 'CONSUME_SUCCESS' ? Math.min(ctx.ackIndex, msgs.length - 1) : -1;
    let done = msgs;
    if (this.messageModel === 'BROADCASTING') {
      for (let i = ackIndex + 1; i < msgs.length; i++) log.warn({ msgId: msgs[i]!.msgId }, 'BROADCASTING, the message consume failed, drop it');
    } else if (ackIndex < msgs.length - 1) {
      const failed: MessageExt[] = [];
      await Promise.all(
        msgs.slice(ackIndex + 1).map(async (m) => {
          if (!(await this.sendMessageBack(m, ctx.delayLevelWhenNextConsume))) {
            m.reconsumeTimes++;
            failed.push(m);
          }
        }),
      );
      if (failed.length > 0) {
        done = msgs.filter((m) => !failed.includes(m));
        // Could not hand them to the broker: consume them again here a little later.
        this.instance?.later(SEND_BACK_RETRY_DELAY_MS, () => this.submitConsumeRequest(failed, pq, mq));
      }
    }
    const offset = pq.removeMessage(done);
    if (offset >= 0 && !pq.dropped) this.offsets.updateOffset(mq, offset, true);
  }

  // ---- orderly consume service (ConsumeMessageOrderlyService) ----------------------------------

  /**
   * Consumes one queue's held messages in offset order, one batch at a time, until none are left.
   * Runs as one task of the consume limiter; pq.consuming marks it so a queue never has two loops.
   */
  private async consumeOrderly(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    const clustering = this.messageModel === 'CLUSTERING';
    let again = 0;
    try {
      while (this.isRunning() && !pq.dropped) {
        if (clustering && (!pq.locked || pq.isLockExpired())) {
          // Lost or stale lock: try to lock again shortly, then continue.
          again = ORDERLY_RELOCK_DELAY_MS;
          void this.rebalance?.lockQueue(mq, pq);
          break;
        }
        const msgs = pq.takeMessages(this.consumeMessageBatchMaxSize);
        if (msgs.length === 0) break;
        const rt = retryTopic(this.consumerGroup);
        const now = String(Date.now());
        for (const m of msgs) {
          const orig = m.properties[PROPERTY.RETRY_TOPIC];
          if (orig && m.topic === rt) m.topic = orig;
          m.properties[PROPERTY.CONSUME_START_TIME] = now;
        }
        const ctx: ConsumeOrderlyContext = { messageQueue: mq, suspendCurrentQueueTimeMillis: -1 };
        let status: ConsumeOrderlyStatus;
        const hookCtx = this.consumeHooksBefore(msgs, mq);
        let code = 0;
        try {
          const r = await this.orderlyListener!(msgs, ctx);
          status = r === undefined || r === null ? ConsumeOrderlyStatus.SUCCESS : r;
          if (status !== 'SUCCESS' && status !== 'SUSPEND_CURRENT_QUEUE_A_MOMENT') status = ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
          code = status === 'SUCCESS' ? 0 : 4;
        } catch (e) {
          log.warn({ err: e, group: this.consumerGroup, mq: mq.key }, 'orderly consumeMessage threw, suspending the queue');
          status = ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
          code = 2;
        }
        if (hookCtx) this.consumeHooksAfter(hookCtx, status === 'SUCCESS', code);
        if (pq.dropped) {
          // The queue is being released (rebalance): keep this batch's progress, so the offset pushed
          // before the unlock is after it and the next owner does not consume it again.
          if (status === 'SUCCESS') {
            const c = pq.commit();
            if (c >= 0) this.offsets.updateOffset(mq, c, false);
          }
          break;
        }
        let commitOffset = -1;
        if (status === 'SUCCESS') {
          commitOffset = pq.commit();
        } else if (await this.checkReconsumeTimes(msgs)) {
          pq.makeMessageToConsumeAgain(msgs);
          again = ctx.suspendCurrentQueueTimeMillis >= 0 ? ctx.suspendCurrentQueueTimeMillis : this.suspendCurrentQueueTimeMillis;
          again = Math.max(10, Math.min(30000, again));
          break;
        } else {
          // Every message of the batch went to the DLQ: move on.
          commitOffset = pq.commit();
        }
        if (commitOffset >= 0 && !pq.dropped) this.offsets.updateOffset(mq, commitOffset, false);
      }
    } finally {
      pq.consuming = false;
    }
    if (again > 0 && this.isRunning() && !pq.dropped) {
      this.suspendedQueues.add(pq);
      this.instance?.later(again, () => {
        this.suspendedQueues.delete(pq);
        if (!pq.consuming && !pq.dropped) {
          pq.consuming = true;
          this.enqueue(() => this.consumeOrderly(pq, mq));
        }
      });
    }
  }

  /**
   * Orderly retry bookkeeping: counts a local retry on each message; one that reached
   * maxReconsumeTimes is handed to the broker (which moves it to the DLQ). Returns whether any
   * message must be consumed again here.
   */
  private async checkReconsumeTimes(msgs: MessageExt[]): Promise<boolean> {
    const max = this.getMaxReconsumeTimes();
    let suspend = false;
    for (const m of msgs) {
      if (m.reconsumeTimes >= max) {
        m.properties[PROPERTY.RECONSUME_TIME] = String(m.reconsumeTimes);
        if (!(await this.resendToRetryTopic(m, m.reconsumeTimes, max))) {
          suspend = true;
          m.reconsumeTimes++;
        }
      } else {
        suspend = true;
        m.reconsumeTimes++;
      }
    }
    return suspend;
  }

  /** CONSUMER_SEND_MSG_BACK; falls back to re-sending into %RETRY%<group>. Returns false if both fail. */
  private async sendMessageBack(msg: MessageExt, delayLevel: number): Promise<boolean> {
    const instance = this.instance!;
    const maxReconsumeTimes = this.getMaxReconsumeTimes();
    try {
      const addr = instance.findBrokerAddressInPublish(msg.brokerName) ?? msg.storeHost;
      await instance.api.consumerSendMessageBack(
        addr,
        msg.brokerName,
        { commitLogOffset: msg.commitLogOffset, group: this.consumerGroup, delayLevel, originMsgId: msg.msgId, originTopic: msg.topic, maxReconsumeTimes },
        5000,
      );
      return true;
    } catch (e) {
      log.warn({ err: e, msgId: msg.msgId }, 'send message back failed, re-sending to the retry topic');
    }
    return this.resendToRetryTopic(msg, msg.reconsumeTimes + 1, maxReconsumeTimes);
  }

  /** Sends a copy of `msg` to %RETRY%<group> through the inner producer (the broker DLQs it past the limit). */
  private async resendToRetryTopic(msg: MessageExt, reconsumeTimes: number, maxReconsumeTimes: number): Promise<boolean> {
    try {
      const m = new Message(retryTopic(this.consumerGroup), msg.body);
      m.properties = { ...msg.properties };
      m.flag = msg.flag;
      m.properties[PROPERTY.ORIGIN_MESSAGE_ID] = msg.properties[PROPERTY.ORIGIN_MESSAGE_ID] ?? msg.msgId;
      if (!m.properties[PROPERTY.RETRY_TOPIC]) m.properties[PROPERTY.RETRY_TOPIC] = msg.topic;
      m.properties[PROPERTY.RECONSUME_TIME] = String(reconsumeTimes);
      m.properties[PROPERTY.MAX_RECONSUME_TIMES] = String(Math.min(maxReconsumeTimes, 2147483647));
      delete m.properties[PROPERTY.MIN_OFFSET];
      delete m.properties[PROPERTY.MAX_OFFSET];
      delete m.properties[PROPERTY.CONSUME_START_TIME];
      m.delayTimeLevel = 3 + msg.reconsumeTimes;
      await this.innerProducer!.send(m);
      return true;
    } catch (e) {
      log.warn({ err: e, msgId: msg.msgId }, 're-send to the retry topic failed');
      return false;
    }
  }
}

class PushRebalance extends RebalanceImpl {
  constructor(
    private readonly consumer: DefaultMQPushConsumer,
    instance: MQClientInstance,
  ) {
    super(consumer.consumerGroup, consumer.messageModel, consumer.allocateMessageQueueStrategy, instance);
  }

  private relockRetryPending = false;

  private get orderlyClustering(): boolean {
    return this.consumer.isConsumeOrderly && this.messageModel === 'CLUSTERING';
  }

  computeStartOffset(mq: MessageQueue): Promise<number> {
    return computePullFromWhere(this.instance!, this.consumer.offsets, mq, this.consumer.consumeFromWhere, this.consumer.consumeTimestamp).catch((e) => {
      log.warn({ err: e, mq: mq.key }, 'compute pull offset failed');
      return -1;
    });
  }

  protected computePullFromWhere(mq: MessageQueue): Promise<number> {
    return this.computeStartOffset(mq);
  }

  /** Orderly clustering: a queue is only taken once the broker lock on it is held. */
  protected override async beforeAddQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean> {
    if (!this.orderlyClustering) return true;
    const ok = await this.lockQueue(mq, pq);
    if (!ok) {
      log.warn({ mq: mq.key, group: this.consumerGroup }, 'doRebalance: queue not locked by this client yet, will retry');
      // The previous owner usually lets go within a batch: try again in a second rather than at the
      // next periodic rebalance (20 s).
      if (!this.relockRetryPending && this.instance) {
        this.relockRetryPending = true;
        const instance = this.instance;
        instance.later(LOCK_RETRY_REBALANCE_MS, () => {
          this.relockRetryPending = false;
          instance.rebalanceImmediately();
        });
      }
    }
    return ok;
  }

  /** LOCK_BATCH_MQ for one queue; updates the ProcessQueue's lock state. */
  async lockQueue(mq: MessageQueue, pq?: ProcessQueue): Promise<boolean> {
    const instance = this.instance!;
    const addr = instance.findBrokerAddressInPublish(mq.brokerName);
    if (!addr) return false;
    try {
      const locked = await instance.api.lockBatchMQ(addr, this.consumerGroup, instance.clientId, [mq], 1000);
      const ok = locked.some((m) => m.topic === mq.topic && m.brokerName === mq.brokerName && Number(m.queueId) === mq.queueId);
      const target = pq ?? this.processQueueTable.get(mq.key)?.pq;
      if (target) {
        target.locked = ok;
        if (ok) target.lastLockTimestamp = Date.now();
      }
      return ok;
    } catch (e) {
      log.warn({ err: e, mq: mq.key }, 'lock message queue failed');
      return false;
    }
  }

  /** Re-locks every owned queue, broker by broker (every 20 s); queues the broker refuses are marked unlocked. */
  async lockAll(): Promise<void> {
    const instance = this.instance!;
    const byBroker = new Map<string, OwnedQueueRef[]>();
    for (const o of this.processQueueTable.values()) {
      const list = byBroker.get(o.mq.brokerName) ?? [];
      list.push(o);
      byBroker.set(o.mq.brokerName, list);
    }
    await Promise.all(
      [...byBroker].map(async ([brokerName, list]) => {
        const addr = instance.findBrokerAddressInPublish(brokerName);
        if (!addr) return;
        try {
          const locked = await instance.api.lockBatchMQ(addr, this.consumerGroup, instance.clientId, list.map((o) => o.mq), 1000);
          const ok = new Set(locked.map((m) => `${m.topic}@${m.brokerName}@${Number(m.queueId)}`));
          const now = Date.now();
          for (const o of list) {
            o.pq.locked = ok.has(o.mq.key);
            if (o.pq.locked) o.pq.lastLockTimestamp = now;
          }
        } catch (e) {
          log.warn({ err: e, brokerName }, 'lockAll failed');
        }
      }),
    );
  }

  async unlockAll(mqs: MessageQueue[]): Promise<void> {
    const instance = this.instance!;
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    await Promise.all(
      [...byBroker].map(async ([brokerName, list]) => {
        const addr = instance.findBrokerAddressInPublish(brokerName);
        if (addr) await instance.api.unlockBatchMQ(addr, this.consumerGroup, instance.clientId, list, false, 1000).catch((e) => log.warn({ err: e }, 'unlock failed'));
      }),
    );
  }

  protected async removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean> {
    const store = this.consumer.offsets;
    if (this.orderlyClustering) {
      // Let a running batch finish (bounded) so its commit is included before the lock is released.
      const end = Date.now() + 1000;
      while (pq.consuming && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      // Still consuming: keep the queue (and its broker lock) until a later rebalance, so two members
      // never process one queue at the same time.
      if (pq.consuming) {
        log.warn({ mq: mq.key, group: this.consumerGroup }, 'orderly batch still running, the queue is released at a later rebalance');
        const instance = this.instance;
        instance?.later(200, () => instance.rebalanceImmediately());
        return false;
      }
    }
    const off = await store.readOffset(mq, ReadOffsetType.READ_FROM_MEMORY);
    if (off >= 0) await store.updateConsumeOffsetToBroker(mq, off, false).catch((e) => log.warn({ err: e }, 'offset commit on queue release failed'));
    if (this.messageModel === 'BROADCASTING') await store.persist(mq).catch(() => undefined);
    store.removeOffset(mq);
    if (this.orderlyClustering) await this.unlockAll([mq]);
    return true;
  }

  protected removeDirtyOffset(mq: MessageQueue): void {
    this.consumer.offsets.removeOffset(mq);
  }

  protected dispatchPullRequest(list: PullRequest[]): void {
    this.consumer.startPulling(list);
  }

  /** Topic-wide flow-control limits are split over the queues this member now owns (as Java does). */
  protected override messageQueueChanged(_topic: string, _mqAll: MessageQueue[], mqDivided: MessageQueue[]): void {
    const n = Math.max(1, mqDivided.length);
    if (this.consumer.pullThresholdForTopic !== -1) this.consumer.pullThresholdForQueue = Math.max(1, Math.floor(this.consumer.pullThresholdForTopic / n));
    if (this.consumer.pullThresholdSizeForTopic !== -1) this.consumer.pullThresholdSizeForQueue = Math.max(1, Math.floor(this.consumer.pullThresholdSizeForTopic / n));
  }
}

type OwnedQueueRef = { mq: MessageQueue; pq: ProcessQueue };
