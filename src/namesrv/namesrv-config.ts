/**
 * Name server configuration, with RocketMQ's key names (NamesrvConfig + the listen port of
 * NettyServerConfig) so a namesrv.conf properties file and UPDATE_NAMESRV_CONFIG use the same keys.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RmqError } from '../common/errors.js';

export interface NamesrvConfig {
  /** TCP port (Java NettyServerConfig.listenPort); 0 = ephemeral. */
  listenPort: number;
  /** Address to bind. */
  host: string;
  rocketmqHome: string;
  /** KV config store (Java default ~/namesrv/kvConfig.json). */
  kvConfigPath: string;
  /** Where UPDATE_NAMESRV_CONFIG persists the configuration (Java default ~/namesrv/namesrv.properties). */
  configStorePath: string;
  /** Keys UPDATE_NAMESRV_CONFIG may not change, ';'-separated. */
  configBlackList: string;
  /** Put the ORDER_TOPIC_CONFIG KV value into routes as orderTopicConf. */
  orderMessageEnable: boolean;
  clusterTest: boolean;
  /** Answer GET_ALL_TOPIC_LIST_FROM_NAMESERVER. */
  enableAllTopicList: boolean;
  /** Answer GET_TOPICS_BY_CLUSTER and the other topic-list requests. */
  enableTopicList: boolean;
  /** How often expired brokers are looked for, ms (4.9.8: 10 000, 5.x: 5 000). */
  scanNotActiveBrokerInterval: number;
  /** A broker silent this long is dropped, ms (may be overridden per broker by heartbeatTimeoutMillis). */
  brokerChannelExpiredTime: number;
  /** Largest frame accepted, bytes. */
  maxFrameBytes: number;
}

export function defaultNamesrvConfig(): NamesrvConfig {
  const home = homedir();
  return {
    listenPort: 9876,
    host: '0.0.0.0',
    rocketmqHome: process.env.ROCKETMQ_HOME ?? '',
    kvConfigPath: join(home, 'namesrv', 'kvConfig.json'),
    configStorePath: join(home, 'namesrv', 'namesrv.properties'),
    configBlackList: 'configBlackList;configStorePath;kvConfigPath',
    orderMessageEnable: false,
    clusterTest: false,
    enableAllTopicList: true,
    enableTopicList: true,
    scanNotActiveBrokerInterval: 5000,
    brokerChannelExpiredTime: 120000,
    maxFrameBytes: 16 * 1024 * 1024,
  };
}

/** Defaults overlaid with `partial`; validated. */
export function makeNamesrvConfig(partial: Partial<NamesrvConfig> = {}): NamesrvConfig {
  const c = { ...defaultNamesrvConfig(), ...stripUndefined(partial) };
  validateNamesrvConfig(c);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function validateNamesrvConfig(c: NamesrvConfig): void {
  const bad = (m: string) => {
    throw new RmqError('BAD_CONFIG', `namesrv config: ${m}`);
  };
  if (!Number.isInteger(c.listenPort) || c.listenPort < 0 || c.listenPort > 65535) bad(`listenPort ${c.listenPort} out of range`);
  if (!(c.scanNotActiveBrokerInterval > 0)) bad('scanNotActiveBrokerInterval must be > 0');
  if (!(c.brokerChannelExpiredTime > 0)) bad('brokerChannelExpiredTime must be > 0');
  if (!(c.maxFrameBytes >= 1024)) bad('maxFrameBytes must be >= 1024');
  if (c.kvConfigPath === '') bad('kvConfigPath is empty');
}

/**
 * Applies RocketMQ-style string properties (namesrv.conf, UPDATE_NAMESRV_CONFIG) to a config, converting
 * each value to the type of the existing field. Unknown keys are returned, not applied.
 */
export function applyNamesrvProperties(c: NamesrvConfig, props: Record<string, string>, blocked: ReadonlySet<string> = new Set()): { applied: string[]; ignored: string[] } {
  const applied: string[] = [];
  const ignored: string[] = [];
  const next = { ...c } as Record<string, unknown>;
  for (const [k, raw] of Object.entries(props)) {
    if (!(k in next) || blocked.has(k)) {
      ignored.push(k);
      continue;
    }
    const cur = next[k];
    const v = raw.trim();
    if (typeof cur === 'number') {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw new RmqError('BAD_CONFIG', `namesrv config: ${k}=${raw} is not a number`);
      next[k] = n;
    } else if (typeof cur === 'boolean') {
      next[k] = v.toLowerCase() === 'true';
    } else {
      next[k] = v;
    }
    applied.push(k);
  }
  validateNamesrvConfig(next as unknown as NamesrvConfig);
  Object.assign(c, next);
  return { applied, ignored };
}

/** The config as Java properties text (GET_NAMESRV_CONFIG body). */
export function namesrvConfigToProperties(c: NamesrvConfig): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n') + '\n';
}
