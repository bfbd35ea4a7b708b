/**
 * The broker: store, metadata managers, processors, remoting server, name-server registration.
 *
 *   const broker = new BrokerController(loadBrokerConfig('conf/broker.conf', { listenPort: 0 }));
 *   const { port } = await broker.start();
 *   ...
 *   await broker.shutdown();
 *
 * Periodic work: consumer offsets flushed every flushConsumerOffsetInterval, delay offsets every
 * flushDelayOffsetInterval, idle client channels dropped after channelExpiredTimeout (scanned every
 * 10 s), REGISTER_BROKER to every name server at start, every registerNameServerPeriod and soon after a
 * topic changes; UNREGISTER_BROKER at shutdown.
 */
import { crc32 } from 'node:zlib';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { componentLogger, type Logger } from '../common/logger.js';
import { RmqError } from '../common/errors.js';
import { writePropertiesFile } from '../common/properties-file.js';
import { encodeSocketAddress } from '../message/socket-address.js';
import { createRequest, markOneway } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { RegisterBrokerRequestHeader, UnRegisterBrokerRequestHeader } from '../protocol/headers/namesrv.js';
import { RemotingServer } from '../remoting/remoting-server.js';
import { RemotingClient } from '../remoting/remoting-client.js';
import type { RemotingConnection, RequestHandler } from '../remoting/types.js';
import { DefaultMessageStore } from '../store/default-message-store.js';
import { putCallbackFrom } from '../store/put-callback.js';
import type { MessageInner, MessageStore, PutMessageResult } from '../store/types.js';
import { brokerConfigToProperties, defaultBrokerConfig, parseDelayLevels, storeConfigOf, validateBrokerConfig, type BrokerConfig } from './broker-config.js';
import { BrokerStats } from './broker-stats.js';
import { ConsumerManager, ProducerManager, type ClientChannelInfo } from './client-managers.js';
import { newDataVersion, nextDataVersion, type DataVersion } from './config-file.js';
import { ConsumerOffsetManager } from './consumer-offset-manager.js';
import { PullRequestHoldService } from './pull-request-hold-service.js';
import { RebalanceLockManager } from './rebalance-lock-manager.js';
import { applyDelayLevel, ScheduleMessageService } from './schedule-message-service.js';
import { SubscriptionGroupManager } from './subscription-group-manager.js';
import { isReadable, isWriteable, TopicConfigManager, type TopicConfig } from './topic-config-manager.js';
import { AdminBrokerProcessor } from './processors/admin-broker-processor.js';
import { ClientManageProcessor } from './processors/client-manage-processor.js';
import { ConsumerManageProcessor } from './processors/consumer-manage-processor.js';
import { LockProcessor } from './processors/lock-processor.js';
import { PullMessageProcessor } from './processors/pull-message-processor.js';
import { QueryMessageProcessor } from './processors/query-message-processor.js';
import { SendMessageProcessor } from './processors/send-message-processor.js';
import { RecallMessageProcessor } from './timer/recall-processor.js';
import { EndTransactionProcessor } from './transaction/end-transaction-processor.js';
import { WhyNotConsumedService } from './diagnosis/why-not-consumed.js';
import { applyTimerProperties, TIMER_TOPIC } from './timer/timer-message.js';
import { TimerMessageService } from './timer/timer-message-service.js';
import { PopMessageService } from './pop/pop-service.js';
import { PopProcessor } from './pop/pop-processor.js';
import { TransactionService } from './transaction/transaction-service.js';
import { ConsumerFilterManager } from '../filter/consumer-filter.js';
import { SubscriptionGuard } from '../filter/subscription-guard.js';
import { BrokerHa } from './ha/broker-ha.js';
import { FailoverClient } from './ha/failover.js';

export interface BrokerControllerOptions {
  /** A store to use instead of a DefaultMessageStore over config.storePathRootDir (tests). */
  store?: MessageStore;
  /** Listen address (default 0.0.0.0). */
  host?: string;
  logger?: Logger;
}

const CLIENT_SCAN_INTERVAL_MS = 10_000;
const VERSION_DESC = 'V4_9_8';
const VERSION = 409;

export class BrokerController {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly delayLevels: number[];
  readonly topicConfigManager: TopicConfigManager;
  readonly subscriptionGroupManager: SubscriptionGroupManager;
  readonly consumerOffsetManager: ConsumerOffsetManager;
  readonly consumerManager: ConsumerManager;
  readonly producerManager: ProducerManager;
  readonly pullRequestHoldService: PullRequestHoldService;
  readonly rebalanceLockManager: RebalanceLockManager;
  readonly stats = new BrokerStats();
  /** Compiled SQL92 subscriptions (enablePropertyFilter). */
  readonly consumerFilterManager = new ConsumerFilterManager();
  /** Members of one group subscribing differently (logged, listed by admin). */
  readonly subscriptionGuard: SubscriptionGuard;
  readonly configDataVersion: DataVersion = newDataVersion();
  store!: MessageStore;
  scheduleMessageService!: ScheduleMessageService;
  /** Durable timers (5.x timer messages); undefined when timerWheelEnable is false. */
  timerMessageService: TimerMessageService | undefined;
  /** 5.x pop consumption (src/broker/pop). */
  popMessageService!: PopMessageService;
  /** Half messages, commit/rollback, check-back (src/broker/transaction; used by the proxy). */
  transactionService!: TransactionService;
  /** Master/slave replication, slave metadata sync (src/broker/ha). */
  ha: BrokerHa | undefined;
  /** Controller mode (enableControllerMode): automatic master failover. */
  failover: FailoverClient | undefined;
  /** Host bytes written as STOREHOST into every record (brokerIP1 + listen port). */
  storeHost: Buffer = encodeSocketAddress('127.0.0.1', 0);
  /** "brokerIP1:port" as registered with name servers. */
  brokerAddr = '';
  private server: RemotingServer | undefined;
  private readonly namesrvClient: RemotingClient;
  private readonly timers: NodeJS.Timeout[] = [];
  private registerTimer: NodeJS.Timeout | undefined;
  private registerSoon: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private readonly opts: BrokerControllerOptions;

  constructor(config: BrokerConfig | Partial<BrokerConfig> = {}, opts: BrokerControllerOptions = {}) {
    const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
    this.config = { ...defaultBrokerConfig(), ...given } as BrokerConfig;
    validateBrokerConfig(this.config);
    this.opts = opts;
    this.log = opts.logger ?? componentLogger('broker', { brokerName: this.config.brokerName });
    this.delayLevels = parseDelayLevels(this.config.messageDelayLevel);
    const dir = this.configDir();
    this.topicConfigManager = new TopicConfigManager(this.config, join(dir, 'topics.json'), this.log);
    this.subscriptionGroupManager = new SubscriptionGroupManager(this.config, join(dir, 'subscriptionGroup.json'), this.log);
    this.consumerOffsetManager = new ConsumerOffsetManager(join(dir, 'consumerOffset.json'), this.log);
    this.consumerManager = new ConsumerManager((g, chans) => this.notifyConsumerIdsChanged(g, chans), this.config.channelExpiredTimeout, this.log);
    this.producerManager = new ProducerManager(this.config.channelExpiredTimeout, this.log);
    this.pullRequestHoldService = new PullRequestHoldService(this.log);
    this.rebalanceLockManager = new RebalanceLockManager(this.config.rebalanceLockMaxLiveTime);
    this.namesrvClient = new RemotingClient({}, this.log);
    this.subscriptionGuard = new SubscriptionGuard(this.log);
    this.topicConfigManager.onChange = () => this.scheduleRegister();
  }

  configDir(): string {
    return join(this.config.storePathRootDir, 'config');
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Loads metadata, starts the store and the server, registers with the name servers. */
  async start(): Promise<{ port: number }> {
    if (this.started) throw new RmqError('ALREADY_STARTED', 'broker already started');
    this.started = true;
    const c = this.config;
    if (c.unknownKeys?.length) this.log.warn({ keys: c.unknownKeys }, 'unknown broker config keys ignored');
    mkdirSync(this.configDir(), { recursive: true });
    this.topicConfigManager.load();
    this.subscriptionGroupManager.load();
    this.consumerOffsetManager.load();

    this.store = this.opts.store ?? new DefaultMessageStore(storeConfigOf(c), { logger: componentLogger('store', { brokerName: c.brokerName }) });
    await this.store.start();
    if (c.enableControllerMode) {
      // The controller decides the role before any service starts (and a diverged log is cut here).
      this.failover = new FailoverClient(this, componentLogger('failover', { brokerName: c.brokerName }));
      this.store = await this.failover.preStart(this.store);
    }
    this.store.setMessageArrivingListener((topic, queueId, logicOffset, tagsCode) => {
      if (topic === TIMER_TOPIC) this.timerMessageService?.onTimerTopicArriving();
      this.pullRequestHoldService.notifyMessageArriving(topic, queueId, logicOffset, tagsCode);
      this.popMessageService?.notifyMessageArriving(topic);
    });

    const server = new RemotingServer({ host: this.opts.host ?? '0.0.0.0', port: c.listenPort }, this.log);
    this.server = server;
    const reg = (code: number, h: RequestHandler): void => server.registerProcessor(code, h);
    new SendMessageProcessor(this).register(reg);
    new PullMessageProcessor(this).register(reg);
    new ConsumerManageProcessor(this).register(reg);
    new ClientManageProcessor(this).register(reg);
    new QueryMessageProcessor(this).register(reg);
    new AdminBrokerProcessor(this).register(reg);
    new LockProcessor(this).register(reg);
    new RecallMessageProcessor(this).register(reg);
    new EndTransactionProcessor(this).register(reg);
    new WhyNotConsumedService(this).register(reg);
    this.popMessageService = new PopMessageService(this, {}, componentLogger('pop', { brokerName: c.brokerName }));
    this.transactionService = new TransactionService(this, componentLogger('transaction', { brokerName: c.brokerName }));
    new PopProcessor(this.popMessageService).register(reg);
    server.on('disconnect', (conn) => this.onChannelClosed(conn));
    let port: number;
    try {
      ({ port } = await server.listen());
    } catch (e) {
      await this.store.shutdown().catch(() => undefined);
      this.started = false;
      throw e;
    }
    this.brokerAddr = `${c.brokerIP1}:${port}`;
    this.storeHost = encodeSocketAddress(c.brokerIP1, port);
    if (c.listenPort === 0) c.haListenPort = port + 1;
    try {
      this.ha = new BrokerHa(this, componentLogger('ha', { brokerName: c.brokerName, brokerId: c.brokerId }));
      await this.ha.start(this.opts.host ?? '0.0.0.0');
    } catch (e) {
      await this.server.close().catch(() => undefined);
      await this.store.shutdown().catch(() => undefined);
      this.started = false;
      throw e;
    }

    this.scheduleMessageService = new ScheduleMessageService(this.store, this.delayLevels, join(this.configDir(), 'delayOffset.json'), () => this.storeHost, this.log);
    this.scheduleMessageService.load();
    if (c.brokerRole !== 'SLAVE') this.scheduleMessageService.start();
    if (c.timerWheelEnable) {
      const timers = new TimerMessageService(this.store, c, () => this.storeHost, componentLogger('timer', { brokerName: c.brokerName }));
      timers.load();
      this.timerMessageService = timers;
      if (c.brokerRole !== 'SLAVE') timers.start();
    }
    await this.popMessageService.start();
    if (c.brokerRole !== 'SLAVE') this.transactionService.start();
    this.stats.start();
    this.startTimers();
    this.failover?.start();
    this.log.info({ addr: this.brokerAddr, cluster: c.brokerClusterName, store: c.storePathRootDir }, 'broker started');
    // First registration in the background: a missing name server must not block start-up.
    void this.registerBrokerAll();
    return { port };
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'periodic task failed');
      }
    }, ms);
    t.unref?.();
    this.timers.push(t);
  }

  private startTimers(): void {
    const c = this.config;
    this.every(Math.max(100, c.flushConsumerOffsetInterval), () => this.consumerOffsetManager.persistAsync());
    this.every(Math.max(100, c.flushDelayOffsetInterval), () => this.scheduleMessageService.persistAsync());
    this.every(CLIENT_SCAN_INTERVAL_MS, () => this.scanNotActiveChannels());
    this.restartRegisterTimer();
  }

  private restartRegisterTimer(): void {
    if (this.registerTimer) clearInterval(this.registerTimer);
    this.registerTimer = setInterval(() => void this.registerBrokerAll(), Math.max(1000, this.config.registerNameServerPeriod));
    this.registerTimer.unref?.();
  }

  scanNotActiveChannels(): void {
    const dropped = [
      ...this.consumerManager.scanNotActiveChannel((g) => this.notifyEnabled(g)),
      ...this.producerManager.scanNotActiveChannel(),
    ];
    for (const conn of new Set(dropped)) conn.close();
  }

  private notifyEnabled(group: string): boolean {
    if (!this.config.notifyConsumerIdsChangedEnable) return false;
    return this.subscriptionGroupManager.table.get(group)?.notifyConsumerIdsChangedEnable ?? true;
  }

  private onChannelClosed(conn: RemotingConnection): void {
    this.consumerManager.doChannelCloseEvent(conn, (g) => this.notifyEnabled(g));
    this.producerManager.doChannelCloseEvent(conn);
  }

  /** NOTIFY_CONSUMER_IDS_CHANGED (oneway) to each member of the group. */
  notifyConsumerIdsChanged(group: string, channels: ClientChannelInfo[]): void {
    for (const info of channels) {
      if (info.conn.closed) continue;
      const req = markOneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: group }));
      info.conn.invokeOneway(req).catch((e: Error) => this.log.warn({ group, clientId: info.clientId, err: e.message }, 'notify consumer ids changed failed'));
    }
  }

  /** Puts one message, rewriting it for the schedule topic when it carries DELAY. */
  putMessage(msg: MessageInner): Promise<PutMessageResult> {
    const refused = this.beforePut(msg);
    return refused !== undefined ? Promise.resolve(refused) : this.store.putMessage(msg);
  }

  /** putMessage answered through a callback (no promise per message when the store offers it). */
  putMessageCb(msg: MessageInner, done: (r: PutMessageResult) => void): void {
    const refused = this.beforePut(msg);
    if (refused !== undefined) return done(refused);
    const store = this.store;
    if (store.putMessageCb !== undefined) store.putMessageCb(msg, done);
    else putCallbackFrom(store.putMessage(msg), done, this.log);
  }

  /** Timer and delay-level rewriting of a message about to be put; a refusal when it is illegal. */
  private beforePut(msg: MessageInner): PutMessageResult | undefined {
    if (this.config.timerWheelEnable) {
      const t = applyTimerProperties(msg, Date.now, this.config.timerMaxDelaySec * 1000);
      if (t.kind === 'illegal') return { status: 'MESSAGE_ILLEGAL', remark: t.remark };
    }
    if (msg.properties.includes('DELAY\u0001')) applyDelayLevel(msg, this.delayLevels, Date.now());
    return undefined;
  }

  /** GET_BROKER_RUNTIME_INFO table. */
  runtimeInfo(): Record<string, string> {
    const s = this.store;
    return {
      ...s.getRuntimeInfo(),
      ...this.stats.runtimeInfo(),
      brokerVersionDesc: VERSION_DESC,
      brokerVersion: String(VERSION),
      commitLogMaxOffset: String(s.getMaxPhyOffset()),
      commitLogMinOffset: String(s.getMinPhyOffset()),
      brokerRole: this.config.brokerRole,
      brokerAddr: this.brokerAddr,
      pullHeldRequests: String(this.pullRequestHoldService.heldCount),
      ...this.timerRuntimeInfo(),
      ...this.ha?.runtimeInfo(),
    };
  }

  private timerRuntimeInfo(): Record<string, string> {
    const t = this.timerMessageService?.stats;
    if (!t) return {};
    return { timerPendingCount: String(t.pending), timerInflightCount: String(t.inflight), timerDeliveredTotal: String(t.delivered), timerCancelledTotal: String(t.cancelled) };
  }

  onConfigUpdated(keys: string[]): void {
    nextDataVersion(this.configDataVersion);
    this.log.info({ keys }, 'broker config updated');
    this.persistConfig();
    if (keys.includes('registerNameServerPeriod')) this.restartRegisterTimer();
    if (keys.some((k) => k === 'brokerPermission' || k === 'namesrvAddr')) this.scheduleRegister();
  }

  /** The whole configuration to brokerConfigPath, as Java's Configuration.persist (survives a restart). */
  private persistConfig(): void {
    const path = this.config.brokerConfigPath;
    if (path === '') return;
    try {
      // the file names no path of its own: read again with -c, it is where it was read from
      const { brokerConfigPath: _own, ...rest } = this.config;
      writePropertiesFile(path, brokerConfigToProperties(rest));
    } catch (e) {
      this.log.error({ path, err: (e as Error).message }, 'broker config not persisted');
    }
  }

  namesrvAddrs(): string[] {
    return this.config.namesrvAddr
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private scheduleRegister(): void {
    if (!this.started || this.stopping || this.registerSoon) return;
    this.registerSoon = setTimeout(() => {
      this.registerSoon = undefined;
      void this.registerBrokerAll();
    }, 10);
    this.registerSoon.unref?.();
  }

  /** Topic table sent to name servers; perms are capped by the broker's own permission. */
  private registrationWrapper(): { topicConfigTable: Record<string, TopicConfig>; dataVersion: DataVersion } {
    const w = this.topicConfigManager.wrapper();
    const bp = this.config.brokerPermission;
    if (!isWriteable(bp) || !isReadable(bp)) {
      for (const [k, tc] of Object.entries(w.topicConfigTable)) w.topicConfigTable[k] = { ...tc, perm: tc.perm & bp };
    }
    return w;
  }

  /** REGISTER_BROKER to every name server; returns how many accepted. */
  async registerBrokerAll(): Promise<number> {
    const addrs = this.namesrvAddrs();
    if (addrs.length === 0 || !this.brokerAddr) return 0;
    const c = this.config;
    const body = Buffer.from(JSON.stringify({ topicConfigSerializeWrapper: this.registrationWrapper(), filterServerList: [] }));
    const ext = RegisterBrokerRequestHeader.encode({
      brokerName: c.brokerName,
      brokerAddr: this.brokerAddr,
      clusterName: c.brokerClusterName,
      haServerAddr: `${c.brokerIP2}:${c.haListenPort}`,
      brokerId: c.brokerId,
      compressed: false,
      bodyCrc32: crc32(body) & 0x7fffffff,
    });
    const results = await Promise.all(
      addrs.map(async (addr) => {
        try {
          const res = await this.namesrvClient.invoke(addr, createRequest(RequestCode.REGISTER_BROKER, { ...ext }, body), c.registerBrokerTimeoutMills);
          if (res.code !== ResponseCode.SUCCESS) {
            this.log.warn({ namesrv: addr, code: res.code, remark: res.remark }, 'register broker refused');
            return 0;
          }
          this.ha?.onRegisterResponse(res.extFields as Record<string, unknown> | undefined);
          return 1;
        } catch (e) {
          this.log.warn({ namesrv: addr, err: (e as Error).message }, 'register broker failed');
          return 0;
        }
      }),
    );
    return results.reduce<number>((a, b) => a + b, 0);
  }

  private async unregisterBrokerAll(): Promise<void> {
    const c = this.config;
    const ext = UnRegisterBrokerRequestHeader.encode({ brokerName: c.brokerName, brokerAddr: this.brokerAddr, clusterName: c.brokerClusterName, brokerId: c.brokerId });
    await Promise.all(
      this.namesrvAddrs().map(async (addr) => {
        try {
          await this.namesrvClient.invoke(addr, createRequest(RequestCode.UNREGISTER_BROKER, { ...ext }), 3000);
        } catch (e) {
          this.log.warn({ namesrv: addr, err: (e as Error).message }, 'unregister broker failed');
        }
      }),
    );
  }

  /** Unregisters, answers held pulls, stops the server, persists metadata, shuts the store down. */
  async shutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.registerTimer) clearInterval(this.registerTimer);
    if (this.registerSoon) clearTimeout(this.registerSoon);
    this.stats.stop();
    if (this.brokerAddr) await this.unregisterBrokerAll();
    this.namesrvClient.close();
    this.pullRequestHoldService.releaseAll();
    await this.scheduleMessageService?.shutdown();
    await this.server?.close();
    this.failover?.shutdown();
    await this.ha?.shutdown();
    await this.timerMessageService?.shutdown();
    await this.popMessageService?.shutdown();
    this.transactionService?.shutdown();
    await this.consumerOffsetManager.idle();
    this.consumerOffsetManager.persist(true);
    this.topicConfigManager.persist();
    this.subscriptionGroupManager.persist();
    await this.store.shutdown();
    this.started = false;
    this.stopping = false;
    this.log.info({ addr: this.brokerAddr }, 'broker stopped');
  }
}
