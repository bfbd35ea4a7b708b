/**
 * BrokerConfig: RocketMQ's broker.conf key names and defaults (BrokerConfig, NettyServerConfig and
 * MessageStoreConfig merged into one flat object, as broker.conf is flat too).
 *
 *   const config = loadBrokerConfig('conf/broker.conf', { listenPort: 0 });
 *
 * Values in broker.conf are strings; each is coerced to the type of its default and validated at
 * start-up, so a typo fails with a clear message instead of surfacing later. Unknown keys are kept
 * in `unknownKeys` (Java ignores them silently; we log them once).
 */
import { readFileSync } from 'node:fs';
import { homedir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parsePropertiesFile } from '../common/properties-file.js';
import { RmqError } from '../common/errors.js';
import { DEFAULT_STORE_CONFIG, type BrokerRole, type FlushDiskType, type MessageStoreConfig } from '../store/types.js';

export interface BrokerConfig extends MessageStoreConfig {
  // ---- identity / cluster ----
  brokerClusterName: string;
  brokerName: string;
  /** 0 = master, > 0 = slave. */
  brokerId: number;
  /** Name server addresses, ';'-separated ("" = none). */
  namesrvAddr: string;
  /** Address advertised to name servers and clients (Java: the first site-local IPv4). */
  brokerIP1: string;
  /** Address advertised for HA (defaults to brokerIP1). */
  brokerIP2: string;
  /** Remoting listen port (NettyServerConfig.listenPort). 0 = ephemeral (tests). */
  listenPort: number;
  /** HA listen port (4.9.8 forces listenPort + 1). */
  haListenPort: number;
  /** PermName bits of the whole broker: 4 READ | 2 WRITE (6). */
  brokerPermission: number;
  // ---- topics / groups ----
  autoCreateTopicEnable: boolean;
  autoCreateSubscriptionGroup: boolean;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  /** Queue count of TBW102 (the auto-create template). */
  defaultTopicQueueNums: number;
  traceTopicEnable: boolean;
  msgTraceTopicName: string;
  /** Default retryMaxTimes of auto-created subscription groups (SubscriptionGroupConfig default 16). */
  maxReconsumeTimes: number;
  // ---- consume ----
  longPollingEnable: boolean;
  shortPollingTimeMills: number;
  notifyConsumerIdsChangedEnable: boolean;
  slaveReadEnable: boolean;
  /** Client channels without heartbeat for this long are dropped (Java: fixed 120 s). */
  channelExpiredTimeout: number;
  /** Lock lease of LOCK_BATCH_MQ (rocketmq.broker.rebalance.lockMaxLiveTime). */
  rebalanceLockMaxLiveTime: number;
  enablePropertyFilter: boolean;
  /** Largest QUERY_MESSAGE answer for _UNIQUE_KEY_QUERY (MessageStoreConfig.defaultQueryMaxNum). */
  defaultQueryMaxNum: number;
  // ---- periodic work ----
  registerNameServerPeriod: number;
  registerBrokerTimeoutMills: number;
  flushConsumerOffsetInterval: number;
  flushDelayOffsetInterval: number;
  // ---- delay ----
  messageDelayLevel: string;
  // ---- timer messages (5.x TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS) ----
  timerWheelEnable: boolean;
  /** Largest accepted delay, seconds (259 200 = 3 days as RocketMQ; any value is allowed). */
  timerMaxDelaySec: number;
  /** Timer log segment size, bytes (100 MiB). */
  mappedFileSizeTimerLog: number;
  /** Timer checkpoint / log sync interval, ms: the window of possible redelivery after a crash. */
  timerFlushIntervalMs: number;
  /** A pending timer parked longer than this is parked again, so retention never drops it, seconds (1 day). */
  timerRollWindowSec: number;
  // ---- HA (src/broker/ha) ----
  /** Slave: master HA address "ip:port" (else learnt from the REGISTER_BROKER answer). */
  haMasterAddress: string;
  /** Master: empty transfer frame after this long idle; slave: offset report at least this often (ms). */
  haSendHeartbeatInterval: number;
  /** HA connection closed after this long without traffic (ms). */
  haHousekeepingInterval: number;
  /** Largest transfer frame body, bytes (32 KiB). */
  haTransferBatchSize: number;
  /** SYNC_MASTER: a slave further behind than this is not in sync (SLAVE_NOT_AVAILABLE), bytes. */
  haSlaveFallbehindMax: number;
  /** Slave metadata sync period, ms (RocketMQ 4.9.8: fixed 10 s). */
  slaveSyncMetadataInterval: number;
  /** Master suggests the slave for reads further behind than this percent of memory (40). */
  accessMessageInMemoryMaxRatio: number;
  /** Automatic failover (docs/ha.md): roles decided by the controller at controllerAddr. */
  enableControllerMode: boolean;
  controllerAddr: string;
  /** Heartbeat to the controller, ms (1000). */
  controllerHeartbeatInterval: number;
  /** A master stops writing this long after its last controller answer, ms (1500; < controller timeout - interval). */
  controllerLeaseMs: number;
  /** Controller mode: replicas (master included) that must hold a message before SYNC_MASTER acknowledges
   * it; 1 = a master without a slave in sync acknowledges alone (RocketMQ 5's default). */
  minInSyncReplicas: number;
  /** Role a configured slave takes when the controller promotes it (SYNC_MASTER). */
  controllerMasterRole: string;
  // ---- misc accepted for compatibility (no effect here) ----
  rejectTransactionMessage: boolean;
  transactionTimeOut: number;
  transactionCheckMax: number;
  transactionCheckInterval: number;
  aclEnable: boolean;
  storeReplyMessageEnable: boolean;
  sendMessageThreadPoolNums: number;
  pullMessageThreadPoolNums: number;
  useReentrantLockWhenPutMessage: boolean;
  waitTimeMillsInSendQueue: number;
  brokerFastFailureEnable: boolean;
  /**
   * Where UPDATE_BROKER_CONFIG persists the whole configuration (as Java's Configuration.persist): the
   * file the broker was started with (-c), else <storePathRootDir>/config/broker.properties, Java's
   * default under the default store root. Empty: not persisted.
   */
  brokerConfigPath: string;
  /** Unknown keys found in the file (reported, otherwise ignored). */
  unknownKeys?: string[];
}

/** The machine's first non-internal IPv4 address, else 127.0.0.1 (RemotingUtil.getLocalAddress). */
export function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

export function defaultBrokerConfig(): BrokerConfig {
  const storePathRootDir = join(homedir(), 'store');
  const ip = localAddress();
  return {
    ...DEFAULT_STORE_CONFIG,
    storePathRootDir,
    brokerConfigPath: '',
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: 0,
    namesrvAddr: process.env.NAMESRV_ADDR ?? '',
    brokerIP1: ip,
    brokerIP2: ip,
    listenPort: 10911,
    haListenPort: 10912,
    brokerPermission: 6,
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    defaultTopicQueueNums: 8,
    traceTopicEnable: false,
    msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
    maxReconsumeTimes: 16,
    longPollingEnable: true,
    shortPollingTimeMills: 1000,
    notifyConsumerIdsChangedEnable: true,
    slaveReadEnable: false,
    channelExpiredTimeout: 120_000,
    rebalanceLockMaxLiveTime: 60_000,
    enablePropertyFilter: false,
    defaultQueryMaxNum: 32,
    registerNameServerPeriod: 30_000,
    registerBrokerTimeoutMills: 6000,
    flushConsumerOffsetInterval: 5000,
    flushDelayOffsetInterval: 10_000,
    messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
    timerWheelEnable: true,
    timerMaxDelaySec: 259_200,
    mappedFileSizeTimerLog: 100 * 1024 * 1024,
    timerFlushIntervalMs: 1000,
    timerRollWindowSec: 86_400,
    haMasterAddress: '',
    haSendHeartbeatInterval: 5000,
    haHousekeepingInterval: 20_000,
    haTransferBatchSize: 32 * 1024,
    haSlaveFallbehindMax: 256 * 1024 * 1024,
    slaveSyncMetadataInterval: 10_000,
    accessMessageInMemoryMaxRatio: 40,
    enableControllerMode: false,
    controllerAddr: '',
    controllerHeartbeatInterval: 1000,
    controllerLeaseMs: 1500,
    controllerMasterRole: 'SYNC_MASTER',
    minInSyncReplicas: 1,
    rejectTransactionMessage: false,
    transactionTimeOut: 6000,
    transactionCheckMax: 15,
    transactionCheckInterval: 60_000,
    aclEnable: false,
    storeReplyMessageEnable: true,
    sendMessageThreadPoolNums: 1,
    pullMessageThreadPoolNums: 16,
    useReentrantLockWhenPutMessage: false,
    waitTimeMillsInSendQueue: 200,
    brokerFastFailureEnable: true,
  };
}

const FLUSH_TYPES: readonly FlushDiskType[] = ['ASYNC_FLUSH', 'SYNC_FLUSH'];
const ROLES: readonly BrokerRole[] = ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'];

/** Keys whose value must be a non-negative integer (besides the type check). */
const NON_NEGATIVE = new Set([
  'brokerId', 'listenPort', 'haListenPort', 'defaultTopicQueueNums', 'maxReconsumeTimes', 'shortPollingTimeMills',
  'registerNameServerPeriod', 'flushConsumerOffsetInterval', 'flushDelayOffsetInterval', 'mappedFileSizeCommitLog',
  'mappedFileSizeConsumeQueue', 'maxMessageSize', 'flushIntervalCommitLog', 'flushIntervalConsumeQueue', 'syncFlushTimeout',
  'channelExpiredTimeout', 'rebalanceLockMaxLiveTime', 'fileReservedTime', 'cleanResourceInterval',
  'timerMaxDelaySec', 'mappedFileSizeTimerLog', 'timerFlushIntervalMs', 'timerRollWindowSec',
]);

function badValue(key: string, value: unknown, expected: string): RmqError {
  return new RmqError('BAD_CONFIG', `broker config: ${key}=${JSON.stringify(value)} is not valid (expected ${expected})`);
}

/** Coerces one raw value (string from broker.conf or a typed override) to the type of the default. */
function coerce(key: string, raw: unknown, def: unknown): unknown {
  if (typeof def === 'number') {
    const s = typeof raw === 'number' ? raw : String(raw).trim();
    const n = typeof s === 'number' ? s : s === '' ? NaN : Number(s);
    if (!Number.isFinite(n) || !Number.isInteger(n)) throw badValue(key, raw, 'an integer');
    if (NON_NEGATIVE.has(key) && n < 0) throw badValue(key, raw, 'a non-negative integer');
    return n;
  }
  if (typeof def === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const s = String(raw).trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
    throw badValue(key, raw, 'true or false');
  }
  return typeof raw === 'string' ? raw.trim() : String(raw);
}

/** Parses messageDelayLevel ("1s 5s ... 2h") into delays in ms; throws on a bad token. */
export function parseDelayLevels(spec: string): number[] {
  // RocketMQ's units are s, m, h, d; "ms" is an extension for tests and fine-grained setups.
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const out: number[] = [];
  for (const tok of spec.trim().split(/\s+/)) {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(tok);
    if (!m) throw badValue('messageDelayLevel', spec, 'space-separated durations such as "1s 5s 1m 2h"');
    out.push(Number(m[1]) * unit[m[2]!]!);
  }
  if (out.length === 0) throw badValue('messageDelayLevel', spec, 'at least one level');
  return out;
}

/** Applies raw key/values onto `config` with coercion; returns the keys it did not know. */
export function applyBrokerConfig(config: BrokerConfig, raw: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  const optional = new Set(['storePathCommitLog']);
  const target = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (key === 'unknownKeys') continue;
    if (optional.has(key)) {
      target[key] = String(value).trim() || undefined;
      continue;
    }
    if (!(key in target)) {
      unknown.push(key);
      continue;
    }
    target[key] = coerce(key, value, target[key]);
  }
  return unknown;
}

/** Checks cross-field rules; throws RmqError('BAD_CONFIG') with the offending key. */
export function validateBrokerConfig(c: BrokerConfig): void {
  if (!FLUSH_TYPES.includes(c.flushDiskType)) throw badValue('flushDiskType', c.flushDiskType, FLUSH_TYPES.join(' or '));
  if (!ROLES.includes(c.brokerRole)) throw badValue('brokerRole', c.brokerRole, ROLES.join(', '));
  if (c.listenPort > 65535) throw badValue('listenPort', c.listenPort, 'a port 0..65535');
  if (c.brokerPermission < 0 || c.brokerPermission > 15) throw badValue('brokerPermission', c.brokerPermission, 'PermName bits 0..15');
  if (c.defaultTopicQueueNums < 1 || c.defaultTopicQueueNums > 1024) throw badValue('defaultTopicQueueNums', c.defaultTopicQueueNums, '1..1024');
  if (!/^[a-zA-Z0-9_-]+$/.test(c.brokerName)) throw badValue('brokerName', c.brokerName, 'letters, digits, _ or -');
  if (!/^[a-zA-Z0-9_-]+$/.test(c.brokerClusterName)) throw badValue('brokerClusterName', c.brokerClusterName, 'letters, digits, _ or -');
  if (c.storePathRootDir === '') throw badValue('storePathRootDir', c.storePathRootDir, 'a directory');
  if (c.maxMessageSize < 1) throw badValue('maxMessageSize', c.maxMessageSize, 'a positive size in bytes');
  if (c.mappedFileSizeConsumeQueue % 20 !== 0) throw badValue('mappedFileSizeConsumeQueue', c.mappedFileSizeConsumeQueue, 'a multiple of 20');
  parseDelayLevels(c.messageDelayLevel);
  if (c.brokerRole === 'SLAVE' && c.brokerId === 0) throw badValue('brokerId', c.brokerId, 'a slave id > 0 with brokerRole=SLAVE (0 is the master)');
  if (c.controllerMasterRole !== 'SYNC_MASTER' && c.controllerMasterRole !== 'ASYNC_MASTER') throw badValue('controllerMasterRole', c.controllerMasterRole, 'SYNC_MASTER or ASYNC_MASTER');
  if (c.enableControllerMode && !/^[^:\s]+:\d+$/.test(c.controllerAddr)) throw badValue('controllerAddr', c.controllerAddr, '"ip:port" of the controller (enableControllerMode=true)');
  if (c.haTransferBatchSize < 1) throw badValue('haTransferBatchSize', c.haTransferBatchSize, 'a positive size in bytes');
  if (c.mappedFileSizeTimerLog < 4096) throw badValue('mappedFileSizeTimerLog', c.mappedFileSizeTimerLog, 'at least 4096 bytes');
  for (const a of c.namesrvAddr.split(';').map((s) => s.trim()).filter(Boolean)) {
    if (!/^[^:\s]+:\d+$/.test(a) && !/^\[.+\]:\d+$/.test(a)) throw badValue('namesrvAddr', c.namesrvAddr, '"ip:port;ip:port"');
  }
}

/**
 * Loads broker.conf (if a path is given), then applies `overrides` (typed values or strings),
 * then validates. Relative `storePathRootDir` stays relative to the process' working directory.
 */
export function loadBrokerConfig(path?: string, overrides: Record<string, unknown> = {}): BrokerConfig {
  const config = defaultBrokerConfig();
  const unknown: string[] = [];
  let raw: Record<string, string> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new RmqError('BAD_CONFIG', `cannot read broker config ${path}: ${(e as Error).message}`, { cause: e });
    }
    raw = parsePropertiesFile(text);
    // ${user.home} and ~ are common in broker.conf store paths.
    for (const k of Object.keys(raw)) raw[k] = raw[k]!.replace(/\$\{user\.home\}/g, homedir()).replace(/^~(?=\/|$)/, homedir());
    unknown.push(...applyBrokerConfig(config, raw));
  }
  unknown.push(...applyBrokerConfig(config, overrides));
  const isSet = (k: string): boolean => k in raw || overrides[k] !== undefined;
  if (!isSet('brokerIP2')) config.brokerIP2 = config.brokerIP1;
  if (!isSet('haListenPort') && config.listenPort > 0) config.haListenPort = config.listenPort + 1;
  if (!isSet('brokerConfigPath')) config.brokerConfigPath = path ?? join(config.storePathRootDir, 'config', 'broker.properties');
  validateBrokerConfig(config);
  if (unknown.length) config.unknownKeys = unknown;
  return config;
}

/** The store's part of the broker config. */
export function storeConfigOf(c: BrokerConfig): MessageStoreConfig {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(DEFAULT_STORE_CONFIG)) out[k] = (c as unknown as Record<string, unknown>)[k];
  out.storePathRootDir = c.storePathRootDir;
  if (c.storePathCommitLog) out.storePathCommitLog = c.storePathCommitLog;
  return out as unknown as MessageStoreConfig;
}

/** Java-style properties text of the config (GET_BROKER_CONFIG body). */
export function brokerConfigToProperties(c: Partial<BrokerConfig>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(c)) {
    if (k === 'unknownKeys' || v === undefined) continue;
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}
