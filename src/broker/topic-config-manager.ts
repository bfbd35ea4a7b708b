/**
 * Topic configs of this broker, persisted in config/topics.json
 * (`{"topicConfigTable":{"<topic>":TopicConfig},"dataVersion":{...}}`).
 * Built-in topics as a 4.9.8 broker creates them (store-format.md §14), TBW102 only when
 * autoCreateTopicEnable; topics auto-created on send from a template topic with the INHERIT bit.
 */
import type { Logger } from '../common/logger.js';
import type { TopicConfig } from '../protocol/body/types.js';
import type { BrokerConfig } from './broker-config.js';
import { JsonConfigFile, newDataVersion, nextDataVersion, readDataVersion, type DataVersion } from './config-file.js';

export const PERM_PRIORITY = 8;
export const PERM_READ = 4;
export const PERM_WRITE = 2;
export const PERM_INHERIT = 1;

export const isReadable = (perm: number): boolean => (perm & PERM_READ) !== 0;
export const isWriteable = (perm: number): boolean => (perm & PERM_WRITE) !== 0;
export const isInherited = (perm: number): boolean => (perm & PERM_INHERIT) !== 0;

export function permToString(perm: number): string {
  return (isReadable(perm) ? 'R' : '-') + (isWriteable(perm) ? 'W' : '-') + (isInherited(perm) ? 'X' : '-');
}

export const TopicValidator = {
  AUTO_CREATE_TOPIC_KEY_TOPIC: 'TBW102',
  SCHEDULE_TOPIC: 'SCHEDULE_TOPIC_XXXX',
  BENCHMARK_TOPIC: 'BenchmarkTest',
  SELF_TEST_TOPIC: 'SELF_TEST_TOPIC',
  OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  RMQ_SYS_TRANS_HALF_TOPIC: 'RMQ_SYS_TRANS_HALF_TOPIC',
  RMQ_SYS_TRANS_OP_HALF_TOPIC: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  TRANS_CHECK_MAX_TIME_TOPIC: 'TRANS_CHECK_MAX_TIME_TOPIC',
  RMQ_SYS_TRACE_TOPIC: 'RMQ_SYS_TRACE_TOPIC',
  SYSTEM_TOPIC_PREFIX: 'rmq_sys_',
  RETRY_GROUP_TOPIC_PREFIX: '%RETRY%',
  DLQ_GROUP_TOPIC_PREFIX: '%DLQ%',
  TOPIC_MAX_LENGTH: 127,
} as const;

const TOPIC_PATTERN = /^[%|a-zA-Z0-9_-]+$/;

/** Why a topic name is refused, or undefined when it is valid (TopicValidator.validateTopic). */
export function topicNameProblem(topic: string | undefined): string | undefined {
  if (topic === undefined || topic.trim() === '') return 'The specified topic is blank.';
  if (!TOPIC_PATTERN.test(topic)) return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  if (topic.length > TopicValidator.TOPIC_MAX_LENGTH) return `The specified topic is longer than topic max length ${TopicValidator.TOPIC_MAX_LENGTH}.`;
  return undefined;
}

/** Topics a client may not send to directly (TopicValidator.isNotAllowedSendTopic). */
export function isNotAllowedSendTopic(topic: string): boolean {
  return (
    topic === TopicValidator.SCHEDULE_TOPIC ||
    topic === TopicValidator.RMQ_SYS_TRANS_HALF_TOPIC ||
    topic === TopicValidator.RMQ_SYS_TRANS_OP_HALF_TOPIC ||
    topic === TopicValidator.TRANS_CHECK_MAX_TIME_TOPIC ||
    topic === TopicValidator.OFFSET_MOVED_EVENT ||
    topic.startsWith(TopicValidator.SYSTEM_TOPIC_PREFIX)
  );
}

export type { TopicConfig };

export function newTopicConfig(topicName: string, queueNums = 16, perm = PERM_READ | PERM_WRITE): TopicConfig {
  return { topicName, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

/** Reads a TopicConfig from fastjson input, tolerating missing/extra fields. */
export function readTopicConfig(name: string, raw: unknown): TopicConfig | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown, d: number): number => (v === undefined || v === null || !Number.isFinite(Number(v)) ? d : Number(v));
  const tc: TopicConfig = {
    topicName: typeof r.topicName === 'string' && r.topicName ? r.topicName : name,
    readQueueNums: num(r.readQueueNums, 16),
    writeQueueNums: num(r.writeQueueNums, 16),
    perm: num(r.perm, 6),
    topicFilterType: r.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
    topicSysFlag: num(r.topicSysFlag, 0),
    order: r.order === true || r.order === 'true',
  };
  if (r.attributes && typeof r.attributes === 'object') {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.attributes as Record<string, unknown>)) attrs[k] = String(v);
    if (Object.keys(attrs).length) tc.attributes = attrs;
  }
  return tc;
}

export class TopicConfigManager {
  readonly table = new Map<string, TopicConfig>();
  dataVersion: DataVersion = newDataVersion();
  private readonly file: JsonConfigFile;
  /** Called after a topic is created, changed or deleted (the broker re-registers with name servers). */
  onChange?: (topic: string) => void;

  constructor(
    private readonly config: BrokerConfig,
    filePath: string,
    private readonly log?: Logger,
  ) {
    this.file = new JsonConfigFile(filePath, log);
    this.addSystemTopics();
  }

  private addSystemTopics(): void {
    const c = this.config;
    const put = (tc: TopicConfig): void => void this.table.set(tc.topicName, tc);
    put(newTopicConfig(TopicValidator.SELF_TEST_TOPIC, 1));
    if (c.autoCreateTopicEnable) {
      put(newTopicConfig(TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, c.defaultTopicQueueNums, PERM_INHERIT | PERM_READ | PERM_WRITE));
    }
    put(newTopicConfig(TopicValidator.BENCHMARK_TOPIC, 1024));
    let perm = PERM_INHERIT;
    if (c.clusterTopicEnable) perm |= PERM_READ | PERM_WRITE;
    put(newTopicConfig(c.brokerClusterName, 16, perm));
    perm = PERM_INHERIT;
    if (c.brokerTopicEnable) perm |= PERM_READ | PERM_WRITE;
    put(newTopicConfig(c.brokerName, 1, perm));
    put(newTopicConfig(TopicValidator.OFFSET_MOVED_EVENT, 1));
    put(newTopicConfig(TopicValidator.SCHEDULE_TOPIC, 18));
    if (c.traceTopicEnable) put(newTopicConfig(c.msgTraceTopicName, 1));
    put(newTopicConfig(`${c.brokerClusterName}_REPLY_TOPIC`, 1));
  }

  /** Loads topics.json over the built-in topics. */
  load(): void {
    const raw = this.file.load() as { topicConfigTable?: Record<string, unknown>; dataVersion?: unknown } | undefined;
    if (!raw || typeof raw !== 'object') return;
    for (const [name, v] of Object.entries(raw.topicConfigTable ?? {})) {
      const tc = readTopicConfig(name, v);
      if (tc) this.table.set(name, tc);
    }
    // TBW102 is a template only while auto-creation is on (a file from an earlier run may still hold it).
    if (!this.config.autoCreateTopicEnable) this.table.delete(TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC);
    const dv = readDataVersion(raw.dataVersion);
    if (dv) this.dataVersion = dv;
  }

  encode(pretty = false): string {
    const topicConfigTable: Record<string, TopicConfig> = {};
    for (const [k, v] of this.table) topicConfigTable[k] = v;
    return JSON.stringify({ topicConfigTable, dataVersion: this.dataVersion }, null, pretty ? 1 : undefined);
  }

  /** TopicConfigSerializeWrapper as an object (REGISTER_BROKER / GET_ALL_TOPIC_CONFIG body). */
  wrapper(): { topicConfigTable: Record<string, TopicConfig>; dataVersion: DataVersion } {
    const topicConfigTable: Record<string, TopicConfig> = {};
    for (const [k, v] of this.table) topicConfigTable[k] = v;
    return { topicConfigTable, dataVersion: { ...this.dataVersion } };
  }

  persist(): void {
    try {
      this.file.persist(this.encode(true));
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'persisting topics.json failed');
    }
  }

  get(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  private changed(topic: string): void {
    nextDataVersion(this.dataVersion);
    this.persist();
    this.onChange?.(topic);
  }

  /**
   * Auto-creates `topic` from the template `defaultTopic` on send (TBW102 only while
   * autoCreateTopicEnable). Queue count = min(client's defaultTopicQueueNums, template's write queues).
   */
  createTopicInSendMessageMethod(topic: string, defaultTopic: string, clientQueueNums: number, topicSysFlag: number): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const template = this.table.get(defaultTopic);
    if (!template) return undefined;
    if (defaultTopic === TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC && !this.config.autoCreateTopicEnable) return undefined;
    if (!isInherited(template.perm)) return undefined;
    let queueNums = Math.min(clientQueueNums > 0 ? clientQueueNums : template.writeQueueNums, template.writeQueueNums);
    if (queueNums < 1) queueNums = 1;
    const tc = newTopicConfig(topic, queueNums, template.perm & ~PERM_INHERIT);
    tc.topicSysFlag = topicSysFlag;
    tc.topicFilterType = template.topicFilterType;
    this.table.set(topic, tc);
    this.log?.info({ topic, queueNums, template: defaultTopic }, 'topic auto-created on send');
    this.changed(topic);
    return tc;
  }

  /** Retry / DLQ topics created on heartbeat or send-back. */
  createTopicInSendMessageBackMethod(topic: string, queueNums: number, perm: number, topicSysFlag = 0): TopicConfig {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const tc = newTopicConfig(topic, queueNums, perm);
    tc.topicSysFlag = topicSysFlag;
    this.table.set(topic, tc);
    this.changed(topic);
    return tc;
  }

  updateTopicConfig(tc: TopicConfig): void {
    this.table.set(tc.topicName, tc);
    this.log?.info({ topic: tc.topicName, read: tc.readQueueNums, write: tc.writeQueueNums, perm: tc.perm }, 'topic config updated');
    this.changed(tc.topicName);
  }

  deleteTopicConfig(topic: string): boolean {
    const had = this.table.delete(topic);
    if (had) {
      this.log?.info({ topic }, 'topic deleted');
      this.changed(topic);
    }
    return had;
  }

  isOrderTopic(topic: string): boolean {
    return this.table.get(topic)?.order ?? false;
  }
}
