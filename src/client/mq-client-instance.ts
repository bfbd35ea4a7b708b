/**
 * One client runtime per client id (MQClientInstance): a single remoting transport shared by every
 * producer and consumer with that id, the topic route cache, broker addresses, and the periodic
 * work (route refresh, heartbeats, offset persistence, rebalance). Instances are shared through
 * MQClientManager and shut down when their last producer/consumer leaves.
 */
import { componentLogger } from '../common/logger.js';
import { createResponse, isOneway, type RemotingCommand } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import {
  CheckTransactionStateRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  ResetOffsetRequestHeader,
} from '../protocol/headers/index.js';
import type { RemotingConnection } from '../remoting/types.js';
import { decodeRecords } from '../message/message-record.js';
import { PROPERTY } from '../message/message-const.js';
import { recordToMessageExt } from './pulled-messages.js';
import type { MessageExt } from './message.js';
import { messageQueueEntries } from '../protocol/body/message-queue-map.js';
import { parseFastjson, toFastjson } from '../protocol/body/fastjson.js';
import type { ConsumerData, HeartbeatData, SubscriptionData, TopicRouteData } from '../protocol/body/types.js';
import { buildClientId, parseNamesrvAddr, MixAll, type ResolvedClientConfig } from './client-config.js';
import { MQClientAPI } from './mq-client-api.js';
import { MessageQueue } from './message-queue.js';
import { MASTER_ID, routeChanged, topicRouteToPublishInfo, topicRouteToSubscribeInfo, type TopicPublishInfo } from './route.js';
import type { ClientTransport } from './transport.js';
import { RemotingClient } from '../remoting/remoting-client.js';
import { RemotingResponseError } from '../common/errors.js';

const log = componentLogger('client');

/** What the instance needs from a registered producer. */
export interface ProducerInner {
  readonly groupName: string;
  publishTopicList(): string[];
  isPublishTopicNeedUpdate(topic: string): boolean;
  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void;
  /** Transactional producers: answer a broker's CHECK_TRANSACTION_STATE for a half message. */
  checkTransactionState?(conn: RemotingConnection, msg: MessageExt, header: CheckTransactionStateRequestHeader): void;
}

/** What the instance needs from a registered consumer. */
export interface ConsumerInner {
  readonly groupName: string;
  consumerData(): ConsumerData;
  subscriptions(): SubscriptionData[];
  updateTopicSubscribeInfo(topic: string, mqs: MessageQueue[]): void;
  isSubscribeTopicNeedUpdate(topic: string): boolean;
  doRebalance(): Promise<void>;
  persistConsumerOffset(): Promise<void>;
  resetOffset?(topic: string, offsets: Map<string, { mq: MessageQueue; offset: number }>): Promise<void>;
  runningInfo?(): Record<string, unknown>;
}

export type TransportFactory = () => ClientTransport;

/**
 * Request header serialization of the SDK: the binary ROCKETMQ header unless ROCKETMQ_SERIALIZE_TYPE=JSON
 * (Java's variable of the same name). Brokers answer in the request's serialization.
 */
const CLIENT_SERIALIZE_TYPE = process.env['ROCKETMQ_SERIALIZE_TYPE']?.toUpperCase() === 'JSON' ? 'JSON' : 'ROCKETMQ';

let defaultTransportFactory: TransportFactory = () => new RemotingClient({ serializeType: CLIENT_SERIALIZE_TYPE });

/** Replaces the transport used by new instances (tests, custom socket options). */
export function setDefaultTransportFactory(f: TransportFactory): void {
  defaultTransportFactory = f;
}

const MISSING_ROUTE_RETRY_MS = 1000;
const REBALANCE_INTERVAL_MS = Number(process.env['rocketmq.client.rebalance.waitInterval'] ?? 20000);

export class MQClientInstance {
  readonly clientId: string;
  readonly api: MQClientAPI;
  readonly transport: ClientTransport;
  readonly topicRouteTable = new Map<string, TopicRouteData>();
  /** brokerName -> brokerId -> "ip:port" */
  readonly brokerAddrTable = new Map<string, Record<string, string>>();
  readonly brokerVersionTable = new Map<string, number>();
  private readonly producers = new Map<string, ProducerInner>();
  private readonly consumers = new Map<string, ConsumerInner>();
  private readonly routeUpdates = new Map<string, Promise<boolean>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;
  private stopped = false;
  private rebalanceRunning: Promise<void> | undefined;
  private rebalanceAgain = false;
  private heartbeatRunning: Promise<void> | undefined;

  constructor(
    readonly config: ResolvedClientConfig,
    transport?: ClientTransport,
    private readonly onShutdown?: (i: MQClientInstance) => void,
  ) {
    this.clientId = buildClientId(config);
    const t = transport ?? defaultTransportFactory();
    this.transport = t;
    this.api = new MQClientAPI(t);
    this.api.updateNameServerAddressList(parseNamesrvAddr(config.namesrvAddr));
    this.registerHandlers();
  }

  get isStarted(): boolean {
    return this.started && !this.stopped;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.every(10, this.config.pollNameServerInterval, () => this.updateTopicRouteInfoFromNameServerAll());
    this.every(1000, this.config.heartbeatBrokerInterval, async () => {
      this.cleanOfflineBroker();
      await this.sendHeartbeatToAllBrokerWithLock();
    });
    this.every(10000, this.config.persistConsumerOffsetInterval, () => this.persistAllConsumerOffset());
    this.every(REBALANCE_INTERVAL_MS, REBALANCE_INTERVAL_MS, () => this.doRebalance());
    // Subscribed topics with no route yet (not created, or a retry topic the broker is creating)
    // are looked up every second, so consumers started first see the topic's first messages quickly.
    this.every(1000, MISSING_ROUTE_RETRY_MS, () => this.updateMissingSubscribedRoutes());
  }

  private async updateMissingSubscribedRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const c of this.consumers.values()) for (const s of c.subscriptions()) if (c.isSubscribeTopicNeedUpdate(s.topic)) topics.add(s.topic);
    await Promise.all([...topics].map((t) => this.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
  }

  /** Runs `task` after `firstMs`, then `periodMs` after each run completes (never overlapping). */
  private every(firstMs: number, periodMs: number, task: () => Promise<void> | void): void {
    const run = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        await task();
      } catch (e) {
        log.warn({ err: e, clientId: this.clientId }, 'client periodic task failed');
      }
      schedule(periodMs);
    };
    const schedule = (ms: number): void => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        void run();
      }, ms);
      this.timers.add(t);
    };
    schedule(firstMs);
  }

  /** Runs `fn` once after `ms` unless the instance stops first. */
  later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  registerProducer(p: ProducerInner): boolean {
    if (this.producers.has(p.groupName)) return false;
    this.producers.set(p.groupName, p);
    return true;
  }

  registerConsumer(c: ConsumerInner): boolean {
    if (this.consumers.has(c.groupName)) return false;
    this.consumers.set(c.groupName, c);
    return true;
  }

  async unregisterProducer(group: string): Promise<void> {
    if (!this.producers.delete(group)) return;
    await this.unregisterClientOnBrokers(group, undefined);
    await this.maybeShutdown();
  }

  async unregisterConsumer(group: string): Promise<void> {
    if (!this.consumers.delete(group)) return;
    await this.unregisterClientOnBrokers(undefined, group);
    await this.maybeShutdown();
  }

  private async unregisterClientOnBrokers(producerGroup: string | undefined, consumerGroup: string | undefined): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const [brokerName, addrs] of this.brokerAddrTable) {
      for (const addr of Object.values(addrs)) {
        jobs.push(
          this.api
            .unregisterClient(addr, this.clientId, producerGroup, consumerGroup, this.config.mqClientApiTimeout)
            .catch((e) => log.warn({ err: e, brokerName, addr }, 'unregister client failed')),
        );
      }
    }
    await Promise.all(jobs);
  }

  private async maybeShutdown(): Promise<void> {
    // The inner producer (consumers' retry re-sends) does not keep the instance alive.
    const producers = [...this.producers.keys()].filter((g) => g !== MixAll.CLIENT_INNER_PRODUCER_GROUP).length;
    if (producers === 0 && this.consumers.size === 0) await this.shutdown();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    try {
      await this.transport.shutdown();
    } catch (e) {
      log.warn({ err: e }, 'transport shutdown failed');
    }
    this.onShutdown?.(this);
  }

  // ---- routes -------------------------------------------------------------------------------

  private async updateTopicRouteInfoFromNameServerAll(): Promise<void> {
    const topics = new Set<string>();
    for (const c of this.consumers.values()) for (const s of c.subscriptions()) topics.add(s.topic);
    for (const p of this.producers.values()) for (const t of p.publishTopicList()) topics.add(t);
    await Promise.all([...topics].map((t) => this.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
  }

  /**
   * Fetches the topic's route and pushes it to producers and consumers when it changed. With
   * `defaultTopicQueueNums` the route of TBW102 is used instead (auto-create: the topic does not
   * exist yet and the broker creates it on first send), capped at that many queues.
   * Concurrent calls for one topic share one request. Returns whether the route changed.
   */
  updateTopicRouteInfoFromNameServer(topic: string, defaultTopicQueueNums?: number, createTopicKey: string = MixAll.AUTO_CREATE_TOPIC_KEY_TOPIC): Promise<boolean> {
    const key = defaultTopicQueueNums === undefined ? topic : `${topic}\u0000default`;
    const running = this.routeUpdates.get(key);
    if (running) return running;
    const p = this.doUpdateRoute(topic, defaultTopicQueueNums, createTopicKey).finally(() => this.routeUpdates.delete(key));
    this.routeUpdates.set(key, p);
    return p;
  }

  private async doUpdateRoute(topic: string, defaultTopicQueueNums: number | undefined, createTopicKey: string): Promise<boolean> {
    let route: TopicRouteData;
    try {
      if (defaultTopicQueueNums !== undefined) {
        route = await this.api.getTopicRouteInfoFromNameServer(createTopicKey, this.config.mqClientApiTimeout);
        for (const qd of route.queueDatas) {
          const n = Math.min(defaultTopicQueueNums, qd.readQueueNums);
          qd.readQueueNums = n;
          qd.writeQueueNums = n;
        }
      } else {
        route = await this.api.getTopicRouteInfoFromNameServer(topic, this.config.mqClientApiTimeout);
      }
    } catch (e) {
      if (e instanceof RemotingResponseError && e.responseCode === ResponseCode.TOPIC_NOT_EXIST) {
        if (!topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX)) log.debug({ topic }, 'topic does not exist on the name server');
        return false;
      }
      throw e;
    }
    const old = this.topicRouteTable.get(topic);
    let changed = routeChanged(old, route);
    if (!changed) changed = this.isNeedUpdateTopicRouteInfo(topic);
    if (!changed) return false;
    let newBroker = false;
    for (const bd of route.brokerDatas) {
      const known = this.brokerAddrTable.get(bd.brokerName);
      if (!known || Object.entries(bd.brokerAddrs).some(([id, a]) => known[id] !== a)) newBroker = true;
      this.brokerAddrTable.set(bd.brokerName, { ...bd.brokerAddrs });
    }
    const publishInfo = topicRouteToPublishInfo(topic, route);
    for (const p of this.producers.values()) p.updateTopicPublishInfo(topic, publishInfo);
    const subscribeInfo = topicRouteToSubscribeInfo(topic, route);
    for (const c of this.consumers.values()) c.updateTopicSubscribeInfo(topic, subscribeInfo);
    this.topicRouteTable.set(topic, route);
    // A broker we have not heart-beaten yet: register with it now, so its consumer list includes us
    // before we rebalance and pull (otherwise this waits for the next 30 s heartbeat).
    if (newBroker && this.consumers.size > 0) {
      void this.sendHeartbeatToAllBrokerWithLock()
        .then(() => this.rebalanceImmediately())
        .catch((e) => log.warn({ err: e }, 'heartbeat to a new broker failed'));
    }
    return true;
  }

  private isNeedUpdateTopicRouteInfo(topic: string): boolean {
    for (const p of this.producers.values()) if (p.isPublishTopicNeedUpdate(topic)) return true;
    for (const c of this.consumers.values()) if (c.isSubscribeTopicNeedUpdate(topic)) return true;
    return false;
  }

  /** Forgets broker addresses no route mentions any more. */
  private cleanOfflineBroker(): void {
    const live = new Set<string>();
    for (const r of this.topicRouteTable.values()) for (const bd of r.brokerDatas) live.add(bd.brokerName);
    for (const name of this.brokerAddrTable.keys()) if (!live.has(name)) this.brokerAddrTable.delete(name);
  }

  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.brokerAddrTable.get(brokerName)?.[MASTER_ID];
  }

  /** The address to pull from: the suggested broker id if known, else the master, else any. */
  findBrokerAddressInSubscribe(brokerName: string, brokerId = 0): { addr: string; slave: boolean } | undefined {
    const addrs = this.brokerAddrTable.get(brokerName);
    if (!addrs) return undefined;
    const exact = addrs[String(brokerId)];
    if (exact) return { addr: exact, slave: brokerId !== 0 };
    const master = addrs[MASTER_ID];
    if (master) return { addr: master, slave: false };
    const any = Object.entries(addrs)[0];
    return any ? { addr: any[1], slave: any[0] !== MASTER_ID } : undefined;
  }

  /** Some broker serving the topic (consumer id lists are kept by every broker). */
  findBrokerAddrByTopic(topic: string): string | undefined {
    const route = this.topicRouteTable.get(topic);
    if (!route || route.brokerDatas.length === 0) return undefined;
    const bd = route.brokerDatas[Math.floor(Math.random() * route.brokerDatas.length)]!;
    return bd.brokerAddrs[MASTER_ID] ?? Object.values(bd.brokerAddrs)[0];
  }

  /** The group's client ids from a broker of the topic, trying the others when one does not answer. */
  async findConsumerIdList(topic: string, group: string): Promise<string[]> {
    let route = this.topicRouteTable.get(topic);
    if (!route || route.brokerDatas.length === 0) {
      await this.updateTopicRouteInfoFromNameServer(topic);
      route = this.topicRouteTable.get(topic);
    }
    if (!route) return [];
    const addrs = route.brokerDatas.map((bd) => bd.brokerAddrs[MASTER_ID] ?? Object.values(bd.brokerAddrs)[0]).filter((a): a is string => !!a);
    const start = Math.floor(Math.random() * addrs.length);
    let lastErr: unknown;
    for (let i = 0; i < addrs.length; i++) {
      try {
        return await this.api.getConsumerIdListByGroup(addrs[(start + i) % addrs.length]!, group, this.config.mqClientApiTimeout);
      } catch (e) {
        lastErr = e;
      }
    }
    if (lastErr) throw lastErr;
    return [];
  }

  // ---- heartbeats -------------------------------------------------------------------------

  heartbeatData(): HeartbeatData {
    const producerDataSet = [...this.producers.keys()].map((groupName) => ({ groupName }));
    const consumerDataSet = [...this.consumers.values()].map((c) => c.consumerData());
    return { clientID: this.clientId, producerDataSet, consumerDataSet };
  }

  /** Heartbeats every known broker (masters; slaves too when there are consumers). One run at a time. */
  sendHeartbeatToAllBrokerWithLock(): Promise<void> {
    if (this.heartbeatRunning) return this.heartbeatRunning.then(() => this.sendHeartbeatToAllBroker());
    const p = this.sendHeartbeatToAllBroker().finally(() => {
      if (this.heartbeatRunning === p) this.heartbeatRunning = undefined;
    });
    this.heartbeatRunning = p;
    return p;
  }

  private async sendHeartbeatToAllBroker(): Promise<void> {
    if (this.stopped) return;
    const data = this.heartbeatData();
    if (data.producerDataSet.length === 0 && data.consumerDataSet.length === 0) return;
    const jobs: Promise<void>[] = [];
    for (const [brokerName, addrs] of this.brokerAddrTable) {
      for (const [id, addr] of Object.entries(addrs)) {
        if (id !== MASTER_ID && data.consumerDataSet.length === 0) continue;
        jobs.push(
          this.api
            .sendHeartbeat(addr, data, this.config.mqClientApiTimeout)
            .then((version) => void this.brokerVersionTable.set(addr, version))
            .catch((e) => log.warn({ err: e, brokerName, addr }, 'heartbeat failed')),
        );
      }
    }
    await Promise.all(jobs);
  }

  private lastHeartbeatSoon = 0;

  /**
   * A broker does not know this client (it restarted, or expired our channel): heartbeat everyone
   * now and rebalance, instead of waiting for the periodic heartbeat. At most once a second.
   */
  heartbeatSoon(): void {
    const now = Date.now();
    if (this.stopped || now - this.lastHeartbeatSoon < 1000) return;
    this.lastHeartbeatSoon = now;
    void this.sendHeartbeatToAllBrokerWithLock()
      .then(() => this.rebalanceImmediately())
      .catch((e) => log.warn({ err: e }, 'heartbeat failed'));
  }

  // ---- rebalance and offsets -------------------------------------------------------------

  /** Rebalances every consumer now (coalescing calls that arrive while one is running). */
  rebalanceImmediately(): void {
    void this.doRebalance();
  }

  doRebalance(): Promise<void> {
    if (this.rebalanceRunning) {
      this.rebalanceAgain = true;
      return this.rebalanceRunning;
    }
    const run = async (): Promise<void> => {
      do {
        this.rebalanceAgain = false;
        for (const c of [...this.consumers.values()]) {
          try {
            await c.doRebalance();
          } catch (e) {
            log.warn({ err: e, group: c.groupName }, 'rebalance failed');
          }
        }
      } while (this.rebalanceAgain && !this.stopped);
    };
    const p = run().finally(() => {
      this.rebalanceRunning = undefined;
    });
    this.rebalanceRunning = p;
    return p;
  }

  private async persistAllConsumerOffset(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.persistConsumerOffset().catch((e) => log.warn({ err: e }, 'persist offsets failed'))));
  }

  // ---- broker -> client requests ---------------------------------------------------------

  private registerHandlers(): void {
    this.transport.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => {
      try {
        const h = NotifyConsumerIdsChangedRequestHeader.decodeCommand(req);
        log.debug({ group: h.consumerGroup }, 'consumer ids changed, rebalancing');
      } catch {
        // The notification is only a hint; rebalance anyway.
      }
      this.rebalanceImmediately();
      return isOneway(req) ? null : createResponse(req, ResponseCode.SUCCESS);
    });
    this.transport.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req) => this.handleResetOffset(req));
    this.transport.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) => this.handleRunningInfo(req));
    this.transport.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (req, conn) => this.handleCheckTransactionState(req, conn));
  }

  private async handleResetOffset(req: RemotingCommand): Promise<RemotingCommand | null> {
    const h = ResetOffsetRequestHeader.decodeCommand(req);
    const consumer = this.consumers.get(h.group);
    if (consumer?.resetOffset && req.body) {
      const parsed = parseFastjson(req.body) as { offsetTable?: unknown };
      const offsets = new Map<string, { mq: MessageQueue; offset: number }>();
      for (const [k, v] of messageQueueEntries<number>(parsed?.offsetTable)) {
        const mq = new MessageQueue(k.topic, k.brokerName, Number(k.queueId));
        offsets.set(mq.key, { mq, offset: Number(v) });
      }
      await consumer.resetOffset(h.topic, offsets);
    }
    return isOneway(req) ? null : createResponse(req, ResponseCode.SUCCESS);
  }

  /** CHECK_TRANSACTION_STATE (oneway): body = the half message; handed to the producer of its group. */
  private handleCheckTransactionState(req: RemotingCommand, conn: RemotingConnection): null {
    try {
      const header = CheckTransactionStateRequestHeader.decodeCommand(req);
      if (!req.body) throw new Error('no message body');
      const [record] = decodeRecords(req.body);
      if (!record) throw new Error('empty message body');
      const msg = recordToMessageExt(record, '');
      const uniq = msg.properties[PROPERTY.UNIQ_KEY];
      if (uniq) msg.transactionId = uniq;
      const group = msg.properties[PROPERTY.PGROUP];
      const producer = group ? this.producers.get(group) : undefined;
      if (producer?.checkTransactionState) producer.checkTransactionState(conn, msg, header);
      else log.warn({ group }, 'CHECK_TRANSACTION_STATE for a producer group not in this client');
    } catch (e) {
      log.warn({ err: e }, 'bad CHECK_TRANSACTION_STATE request');
    }
    return null;
  }

  private handleRunningInfo(req: RemotingCommand): RemotingCommand {
    const h = GetConsumerRunningInfoRequestHeader.decodeCommand(req);
    const consumer = this.consumers.get(h.consumerGroup);
    if (!consumer) return createResponse(req, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${h.consumerGroup}> not exist in this consumer`);
    const info = consumer.runningInfo?.() ?? {};
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(toFastjson(info)));
  }
}

/** Process-wide registry of client instances by client id (MQClientManager). */
export class MQClientManager {
  private static readonly table = new Map<string, MQClientInstance>();

  static getOrCreateMQClientInstance(config: ResolvedClientConfig, transport?: ClientTransport): MQClientInstance {
    const id = buildClientId(config);
    let inst = this.table.get(id);
    if (!inst) {
      inst = new MQClientInstance(config, transport, (i) => {
        if (this.table.get(i.clientId) === i) this.table.delete(i.clientId);
      });
      this.table.set(id, inst);
    }
    return inst;
  }
}
