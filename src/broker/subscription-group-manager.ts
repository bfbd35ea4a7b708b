/**
 * Subscription groups (consumer group configs), persisted in config/subscriptionGroup.json
 * (`{"subscriptionGroupTable":{"<group>":SubscriptionGroupConfig},"dataVersion":{...}}`).
 * Unknown groups are created on first use when autoCreateSubscriptionGroup is on.
 */
import type { Logger } from '../common/logger.js';
import type { SubscriptionGroupConfig } from '../protocol/body/types.js';
import type { BrokerConfig } from './broker-config.js';
import { JsonConfigFile, newDataVersion, nextDataVersion, readDataVersion, type DataVersion } from './config-file.js';

export type { SubscriptionGroupConfig };

export function newSubscriptionGroupConfig(groupName: string, retryMaxTimes = 16): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
  };
}

/** Reads a SubscriptionGroupConfig from fastjson/JSON input; unknown keys ignored, missing ones defaulted. */
export function readSubscriptionGroupConfig(raw: unknown, nameHint?: string, retryMaxTimes = 16): SubscriptionGroupConfig | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const name = typeof r.groupName === 'string' && r.groupName ? r.groupName : nameHint;
  if (!name) return undefined;
  const d = newSubscriptionGroupConfig(name, retryMaxTimes);
  const bool = (v: unknown, def: boolean): boolean => (v === undefined || v === null ? def : v === true || v === 'true');
  const num = (v: unknown, def: number): number => (v === undefined || v === null || !Number.isFinite(Number(v)) ? def : Number(v));
  const out: SubscriptionGroupConfig = {
    groupName: name,
    consumeEnable: bool(r.consumeEnable, d.consumeEnable),
    consumeFromMinEnable: bool(r.consumeFromMinEnable, d.consumeFromMinEnable),
    consumeBroadcastEnable: bool(r.consumeBroadcastEnable, d.consumeBroadcastEnable),
    retryQueueNums: num(r.retryQueueNums, d.retryQueueNums),
    retryMaxTimes: num(r.retryMaxTimes, d.retryMaxTimes),
    brokerId: num(r.brokerId, d.brokerId),
    whichBrokerWhenConsumeSlowly: num(r.whichBrokerWhenConsumeSlowly, d.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: bool(r.notifyConsumerIdsChangedEnable, d.notifyConsumerIdsChangedEnable),
  };
  if (r.consumeMessageOrderly !== undefined) out.consumeMessageOrderly = bool(r.consumeMessageOrderly, false);
  if (r.groupSysFlag !== undefined) out.groupSysFlag = num(r.groupSysFlag, 0);
  if (r.consumeTimeoutMinute !== undefined) out.consumeTimeoutMinute = num(r.consumeTimeoutMinute, 15);
  if (r.attributes && typeof r.attributes === 'object') {
    out.attributes = {};
    for (const [k, v] of Object.entries(r.attributes as Record<string, unknown>)) out.attributes[k] = String(v);
  }
  return out;
}

/** Groups every 4.9.8 broker starts with. */
const SYSTEM_GROUPS = [
  'TOOLS_CONSUMER',
  'FILTERSRV_CONSUMER',
  '__MONITOR_CONSUMER',
  'CID_ONS-HTTP-PROXY',
  'CID_ONSAPI_PULL',
  'CID_ONSAPI_PERMISSION',
  'CID_ONSAPI_OWNER',
  'SELF_TEST_C_GROUP',
];

export class SubscriptionGroupManager {
  readonly table = new Map<string, SubscriptionGroupConfig>();
  dataVersion: DataVersion = newDataVersion();
  private readonly file: JsonConfigFile;

  constructor(
    private readonly config: BrokerConfig,
    filePath: string,
    private readonly log?: Logger,
  ) {
    this.file = new JsonConfigFile(filePath, log);
    for (const g of SYSTEM_GROUPS) {
      const sg = newSubscriptionGroupConfig(g);
      if (g === 'TOOLS_CONSUMER' || g === 'FILTERSRV_CONSUMER' || g === '__MONITOR_CONSUMER') sg.consumeBroadcastEnable = true;
      this.table.set(g, sg);
    }
  }

  load(): void {
    const raw = this.file.load() as { subscriptionGroupTable?: Record<string, unknown>; dataVersion?: unknown } | undefined;
    if (!raw || typeof raw !== 'object') return;
    for (const [name, v] of Object.entries(raw.subscriptionGroupTable ?? {})) {
      const sg = readSubscriptionGroupConfig(v, name);
      if (sg) this.table.set(name, sg);
    }
    const dv = readDataVersion(raw.dataVersion);
    if (dv) this.dataVersion = dv;
  }

  encode(pretty = false): string {
    const subscriptionGroupTable: Record<string, SubscriptionGroupConfig> = {};
    for (const [k, v] of this.table) subscriptionGroupTable[k] = v;
    return JSON.stringify({ subscriptionGroupTable, dataVersion: this.dataVersion }, null, pretty ? 1 : undefined);
  }

  persist(): void {
    try {
      this.file.persist(this.encode(true));
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'persisting subscriptionGroup.json failed');
    }
  }

  /** The group's config; auto-created (and persisted) when missing and autoCreateSubscriptionGroup is on. */
  findSubscriptionGroupConfig(group: string): SubscriptionGroupConfig | undefined {
    let sg = this.table.get(group);
    if (sg) return sg;
    if (!this.config.autoCreateSubscriptionGroup) return undefined;
    sg = newSubscriptionGroupConfig(group, this.config.maxReconsumeTimes);
    this.table.set(group, sg);
    this.log?.info({ group }, 'subscription group auto-created');
    nextDataVersion(this.dataVersion);
    this.persist();
    return sg;
  }

  updateSubscriptionGroupConfig(sg: SubscriptionGroupConfig): void {
    this.table.set(sg.groupName, sg);
    this.log?.info({ group: sg.groupName }, 'subscription group updated');
    nextDataVersion(this.dataVersion);
    this.persist();
  }

  deleteSubscriptionGroupConfig(group: string): boolean {
    const had = this.table.delete(group);
    if (had) {
      nextDataVersion(this.dataVersion);
      this.persist();
    }
    return had;
  }
}
