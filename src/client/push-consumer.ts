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
import { componentLogger } from '../common/logger.js';
import { PROPERTY } from '../message/message-const.js';
import type { ConsumeFromWhere, ConsumerData, MessageModel } from '../protocol/body/types.js';
import { AllocateMessageQueueAveragely, type AllocateMessageQueueStrategy } from './allocate.js';
import { checkGroup, checkTopic, MixAll, resolveClientConfig, retryTopic, type ClientConfig } from './client-config.js';
import { computePullFromWhere, formatConsumeTimestamp, pullKernel, PullStatus } from './consumer-common.js';
import { MQClientError } from './errors.js';
import { Message, type MessageExt } from './message.js';
import { compareMessageQueue, type MessageQueue } from './message-queue.js';
import { topicRouteToSubscribeInfo } from './route.js';
import { MQClientManager, type ConsumerInner, type MQClientInstance } from './mq-client-instance.js';
import { LocalFileOffsetStore, ReadOffsetType, RemoteBrokerOffsetStore, type OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import { DefaultMQProducer } from './producer.js';
import { RebalanceImpl } from './rebalance.js';
import { buildSubscriptionData, type SubscriptionData } from './subscription.js';
import type { ClientTransport } from './transport.js';
import { brokerAddrFor } from './consumer-common.js';

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
  /** Initial subscriptions: topic -> expression. */
  subscription?: Record<string, string>;
  transport?: ClientTransport;
}

const PULL_DELAY_WHEN_EXCEPTION_MS = 3000;
const PULL_DELAY_WHEN_FLOW_CONTROL_MS = 50;
const PULL_DELAY_WHEN_SUSPEND_MS = 1000;
const BROKER_SUSPEND_MAX_TIME_MS = 15000;
const CONSUMER_TIMEOUT_WHEN_SUSPEND_MS = 30000;
const SEND_BACK_RETRY_DELAY_MS = 5000;

interface PullRequest {
  mq: MessageQueue;
  pq: ProcessQueue;
  nextOffset: number;
}

export class DefaultMQPushConsumer implements ConsumerInner {
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
  pullInterval: number;
  consumeMessageBatchMaxSize: number;
  pullBatchSize: number;
  postSubscriptionWhenPull: boolean;
  maxReconsumeTimes: number;
  offsetStoreDir?: string;
  readonly clientConfig: ClientConfig;

  private listener?: MessageListenerConcurrently;
  private readonly subscriptionExprs = new Map<string, string>();
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
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: PushConsumerOptions) {
    this.consumerGroup = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.consumeFromWhere = options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET';
    this.consumeTimestamp = options.consumeTimestamp ?? formatConsumeTimestamp(Date.now() - 30 * 60 * 1000);
    this.allocateMessageQueueStrategy = options.allocateMessageQueueStrategy ?? new AllocateMessageQueueAveragely();
    this.consumeThreadMin = options.consumeThreadMin ?? 20;
    this.consumeThreadMax = options.consumeThreadMax ?? 20;
    this.consumeConcurrentlyMaxSpan = options.consumeConcurrentlyMaxSpan ?? 2000;
    this.pullThresholdForQueue = options.pullThresholdForQueue ?? 1000;
    this.pullThresholdSizeForQueue = options.pullThresholdSizeForQueue ?? 100;
    this.pullInterval = options.pullInterval ?? 0;
    this.consumeMessageBatchMaxSize = options.consumeMessageBatchMaxSize ?? 1;
    this.pullBatchSize = options.pullBatchSize ?? 32;
    this.postSubscriptionWhenPull = options.postSubscriptionWhenPull ?? false;
    this.maxReconsumeTimes = options.maxReconsumeTimes ?? -1;
    this.offsetStoreDir = options.offsetStoreDir;
    this.transport = options.transport;
    this.clientConfig = { ...options };
    for (const [t, e] of Object.entries(options.subscription ?? {})) this.subscribe(t, e);
  }

  get groupName(): string {
    return this.consumerGroup;
  }

  /** Subscribes a topic with `*` or "TagA || TagB"; may be called before or after start. */
  subscribe(topic: string, subExpression = '*'): void {
    checkTopic(topic);
    const sub = buildSubscriptionData(topic, subExpression);
    this.subscriptionExprs.set(topic, subExpression);
    if (this.rebalance) {
      this.rebalance.subscriptionInner.set(topic, sub);
      if (this.instance) void this.instance.sendHeartbeatToAllBrokerWithLock().then(() => this.instance?.rebalanceImmediately());
    }
  }

  unsubscribe(topic: string): void {
    this.subscriptionExprs.delete(topic);
    this.rebalance?.subscriptionInner.delete(topic);
  }

  registerMessageListener(listener: MessageListenerConcurrently | MessageListenerConcurrentlyObject): void {
    this.listener = typeof listener === 'function' ? listener : (msgs, ctx) => listener.consumeMessage(msgs, ctx);
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
    return this.maxReconsumeTimes === -1 ? 16 : this.maxReconsumeTimes;
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state !== 'CREATE_JUST') throw new MQClientError('SERVICE_STATE', `The PushConsumer service state not OK, ${this.state}`);
    this.state = 'START_FAILED';
    checkGroup(this.consumerGroup);
    if (this.consumerGroup === MixAll.DEFAULT_CONSUMER_GROUP) throw new MQClientError('CONFIG', 'consumerGroup can not equal DEFAULT_CONSUMER, please specify another one.');
    if (!this.listener) throw new MQClientError('CONFIG', 'messageListener is null, call registerMessageListener first');
    if (this.consumeThreadMin < 1 || this.consumeThreadMax < 1 || this.consumeThreadMin > this.consumeThreadMax) {
      throw new MQClientError('CONFIG', `consumeThreadMin (${this.consumeThreadMin}) must be between 1 and consumeThreadMax (${this.consumeThreadMax})`);
    }
    if (this.consumeMessageBatchMaxSize < 1 || this.consumeMessageBatchMaxSize > 1024) throw new MQClientError('CONFIG', 'consumeMessageBatchMaxSize Out of range [1, 1024]');
    if (this.pullBatchSize < 1 || this.pullBatchSize > 1024) throw new MQClientError('CONFIG', 'pullBatchSize Out of range [1, 1024]');
    const config = resolveClientConfig(this.clientConfig);
    if (config.namesrvAddr === '') throw new MQClientError('NO_NAME_SERVER', 'namesrvAddr is not set (option namesrvAddr or NAMESRV_ADDR)');
    const instance = MQClientManager.getOrCreateMQClientInstance(config, this.transport);
    const rebalance = new PushRebalance(this, instance);
    for (const [t, e] of this.subscriptionExprs) rebalance.subscriptionInner.set(t, buildSubscriptionData(t, e));
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
    await instance.sendHeartbeatToAllBrokerWithLock();
    instance.rebalanceImmediately();
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') return;
    this.state = 'SHUTDOWN_ALREADY';
    const owned = this.rebalance?.ownedQueues() ?? [];
    this.rebalance?.dropAll();
    await this.persistOffsets(owned, false);
    await this.instance?.unregisterConsumer(this.consumerGroup);
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
    for (const o of this.rebalance?.processQueueTable.values() ?? []) {
      mqTable.set(o.mq.toJSON(), { ...o.pq.info(), commitOffset: 0 });
    }
    return {
      properties: {
        PROP_NAMESERVER_ADDR: this.clientConfig.namesrvAddr ?? process.env.NAMESRV_ADDR ?? '',
        PROP_CONSUME_TYPE: 'CONSUME_PASSIVELY',
        PROP_CONSUMEORDERLY: 'false',
        PROP_THREADPOOL_CORE_SIZE: String(this.consumeThreadMax),
        PROP_CONSUMER_START_TIMESTAMP: String(this.startTimestamp),
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

  private async pullMessage(r: PullRequest): Promise<void> {
    const { pq, mq } = r;
    if (!this.isRunning() || pq.dropped) return;
    pq.lastPullTimestamp = Date.now();
    if (this.paused) return this.pullLater(r, PULL_DELAY_WHEN_SUSPEND_MS);
    if (pq.msgCount > this.pullThresholdForQueue || pq.msgSize / 1048576 > this.pullThresholdSizeForQueue) {
      return this.pullLater(r, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
    }
    if (pq.maxSpan() > this.consumeConcurrentlyMaxSpan) return this.pullLater(r, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
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
      const p = task()
        .catch((e) => log.error({ err: e }, 'consume task failed'))
        .finally(() => {
          this.running--;
          this.inFlight.delete(p);
          this.drain();
        });
      this.inFlight.add(p);
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
    try {
      const r = await this.listener!(msgs, context);
      status = r === undefined || r === null ? ConsumeConcurrentlyStatus.CONSUME_SUCCESS : r;
      if (status !== 'CONSUME_SUCCESS' && status !== 'RECONSUME_LATER') {
        log.warn({ status }, 'listener returned an unknown status, treating it as RECONSUME_LATER');
        status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
      }
    } catch (e) {
      log.warn({ err: e, group: this.consumerGroup, mq: mq.key }, 'consumeMessage threw, the messages will be redelivered');
      status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
    }
    if (pq.dropped) return;
    await this.processConsumeResult(status, context, msgs, pq, mq);
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
    try {
      const m = new Message(retryTopic(this.consumerGroup), msg.body);
      m.properties = { ...msg.properties };
      m.flag = msg.flag;
      m.properties[PROPERTY.ORIGIN_MESSAGE_ID] = msg.properties[PROPERTY.ORIGIN_MESSAGE_ID] ?? msg.msgId;
      if (!m.properties[PROPERTY.RETRY_TOPIC]) m.properties[PROPERTY.RETRY_TOPIC] = msg.topic;
      m.properties[PROPERTY.RECONSUME_TIME] = String(msg.reconsumeTimes + 1);
      m.properties[PROPERTY.MAX_RECONSUME_TIMES] = String(maxReconsumeTimes);
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

  protected computePullFromWhere(mq: MessageQueue): Promise<number> {
    return computePullFromWhere(this.instance!, this.consumer.offsets, mq, this.consumer.consumeFromWhere, this.consumer.consumeTimestamp).catch((e) => {
      log.warn({ err: e, mq: mq.key }, 'compute pull offset failed');
      return -1;
    });
  }

  protected async removeUnnecessaryMessageQueue(mq: MessageQueue): Promise<boolean> {
    const store = this.consumer.offsets;
    const off = await store.readOffset(mq, ReadOffsetType.READ_FROM_MEMORY);
    if (off >= 0) await store.updateConsumeOffsetToBroker(mq, off, false).catch((e) => log.warn({ err: e }, 'offset commit on queue release failed'));
    if (this.messageModel === 'BROADCASTING') await store.persist(mq).catch(() => undefined);
    store.removeOffset(mq);
    return true;
  }

  protected removeDirtyOffset(mq: MessageQueue): void {
    this.consumer.offsets.removeOffset(mq);
  }

  protected dispatchPullRequest(list: PullRequest[]): void {
    this.consumer.startPulling(list);
  }
}
