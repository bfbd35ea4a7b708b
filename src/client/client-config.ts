/**
 * Options shared by producers and consumers (Java's ClientConfig), with RocketMQ's names and defaults.
 */
import { networkInterfaces } from 'node:os';

export interface ClientConfig {
  /** Name servers, ';'-separated "ip:port" list. Default: NAMESRV_ADDR environment variable. */
  namesrvAddr?: string;
  /** This client's IP, part of the client id. Default: first non-internal IPv4 address. */
  clientIP?: string;
  /** Client instance name. "DEFAULT" becomes "<pid>#<nanotime>" so each instance gets its own id. */
  instanceName?: string;
  unitName?: string;
  /** Route refresh period, ms (30 000). */
  pollNameServerInterval?: number;
  /** Heartbeat period, ms (30 000). */
  heartbeatBrokerInterval?: number;
  /** Consumer offset flush period, ms (5 000). */
  persistConsumerOffsetInterval?: number;
  /** Timeout of client -> server administrative calls, ms (3 000). */
  mqClientApiTimeout?: number;
  /** Use the broker's fast channel (listen port - 2). Default false. */
  vipChannelEnabled?: boolean;
  unitMode?: boolean;
  /** Namespace prefix ("ns%topic"); empty by default. */
  namespace?: string;
  /** Message trace: Pub / SubBefore / SubAfter records written to the trace topic (src/client/trace). */
  enableMsgTrace?: boolean;
  /** Trace topic (default RMQ_SYS_TRACE_TOPIC). */
  customizedTraceTopic?: string;
}

export interface ResolvedClientConfig {
  namesrvAddr: string;
  clientIP: string;
  instanceName: string;
  unitName?: string;
  pollNameServerInterval: number;
  heartbeatBrokerInterval: number;
  persistConsumerOffsetInterval: number;
  mqClientApiTimeout: number;
  vipChannelEnabled: boolean;
  unitMode: boolean;
}

let defaultIp: string | undefined;
export function localIp(): string {
  if (defaultIp) return defaultIp;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family === 'IPv4' && !i.internal) return (defaultIp = i.address);
    }
  }
  return (defaultIp = '127.0.0.1');
}

export function resolveClientConfig(c: ClientConfig): ResolvedClientConfig {
  const namesrvAddr = c.namesrvAddr ?? process.env.NAMESRV_ADDR ?? '';
  let instanceName = c.instanceName ?? process.env['rocketmq.client.name'] ?? 'DEFAULT';
  if (instanceName === 'DEFAULT') instanceName = `${process.pid}#${process.hrtime.bigint()}`;
  return {
    namesrvAddr,
    clientIP: c.clientIP ?? localIp(),
    instanceName,
    unitName: c.unitName,
    pollNameServerInterval: c.pollNameServerInterval ?? 30000,
    heartbeatBrokerInterval: c.heartbeatBrokerInterval ?? 30000,
    persistConsumerOffsetInterval: c.persistConsumerOffsetInterval ?? 5000,
    mqClientApiTimeout: c.mqClientApiTimeout ?? 3000,
    vipChannelEnabled: c.vipChannelEnabled ?? false,
    unitMode: c.unitMode ?? false,
  };
}

/** clientIP@instanceName[@unitName], the id brokers group connections by. */
export function buildClientId(c: ResolvedClientConfig): string {
  return c.unitName ? `${c.clientIP}@${c.instanceName}@${c.unitName}` : `${c.clientIP}@${c.instanceName}`;
}

export function parseNamesrvAddr(s: string): string[] {
  return s
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Topic name rules (Validators.checkTopic): at most 127 chars of [%|a-zA-Z0-9_-]. */
const checkedTopics = new Set<string>();

export function checkTopic(topic: string): void {
  if (checkedTopics.has(topic)) return;
  if (!topic || topic.trim() === '') throw new RangeError('The specified topic is blank');
  if (topic.length > 127) throw new RangeError('The specified topic is longer than topic max length 127.');
  if (!/^[%|a-zA-Z0-9_-]+$/.test(topic)) {
    throw new RangeError(`The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`);
  }
  // Valid names are remembered (bounded) so the send path skips the regex.
  if (checkedTopics.size > 10000) checkedTopics.clear();
  checkedTopics.add(topic);
}

/** Group name rules (Validators.checkGroup). */
export function checkGroup(group: string): void {
  if (!group || group.trim() === '') throw new RangeError('the specified group is blank');
  if (group.length > 255) throw new RangeError('the specified group is longer than group max length 255.');
  if (!/^[%|a-zA-Z0-9_-]+$/.test(group)) {
    throw new RangeError(`the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`);
  }
}

export const MixAll = {
  DEFAULT_PRODUCER_GROUP: 'DEFAULT_PRODUCER',
  DEFAULT_CONSUMER_GROUP: 'DEFAULT_CONSUMER',
  CLIENT_INNER_PRODUCER_GROUP: 'CLIENT_INNER_PRODUCER',
  AUTO_CREATE_TOPIC_KEY_TOPIC: 'TBW102',
  RETRY_GROUP_TOPIC_PREFIX: '%RETRY%',
  DLQ_GROUP_TOPIC_PREFIX: '%DLQ%',
  MASTER_ID: 0,
} as const;

export const retryTopic = (group: string): string => MixAll.RETRY_GROUP_TOPIC_PREFIX + group;
export const isRetryTopic = (topic: string): boolean => topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX);
