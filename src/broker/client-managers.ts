/**
 * Client channels learned from HEART_BEAT: ConsumerManager (group -> members, subscriptions) and
 * ProducerManager (group -> members). A channel leaves its groups when its connection closes, on
 * UNREGISTER_CLIENT, or after channelExpiredTimeout (120 s) without a heartbeat. Membership changes of a
 * consumer group are pushed to its remaining members with NOTIFY_CONSUMER_IDS_CHANGED (oneway).
 */
import type { Logger } from '../common/logger.js';
import type { RemotingConnection } from '../remoting/types.js';
import { javaStringHashCode } from '../common/java-hash.js';
import type { SubscriptionData } from '../protocol/body/types.js';

export type { SubscriptionData };

export const SUB_ALL = '*';

/** Builds SubscriptionData from an expression (FilterAPI.buildSubscriptionData): `*` or `TagA || TagB`. */
export function buildSubscriptionData(topic: string, subString: string | undefined, expressionType = 'TAG', subVersion = Date.now()): SubscriptionData {
  const s = subString === undefined || subString.trim() === '' ? SUB_ALL : subString.trim();
  const sd: SubscriptionData = { topic, subString: s, tagsSet: [], codeSet: [], subVersion, expressionType };
  if (expressionType.toUpperCase() === 'TAG' && s !== SUB_ALL) {
    for (const t of s.split('||')) {
      const tag = t.trim();
      if (tag && !sd.tagsSet.includes(tag)) {
        sd.tagsSet.push(tag);
        sd.codeSet.push(javaStringHashCode(tag));
      }
    }
  }
  return sd;
}

/** Normalises a SubscriptionData from a heartbeat body (computes codeSet when absent). */
export function readSubscriptionData(raw: unknown): SubscriptionData | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.topic !== 'string' || !r.topic) return undefined;
  const expressionType = typeof r.expressionType === 'string' && r.expressionType ? r.expressionType : 'TAG';
  const sd = buildSubscriptionData(r.topic, typeof r.subString === 'string' ? r.subString : SUB_ALL, expressionType, Number(r.subVersion ?? 0) || 0);
  if (Array.isArray(r.tagsSet) && r.tagsSet.length && expressionType.toUpperCase() === 'TAG') {
    sd.tagsSet = r.tagsSet.map(String);
    sd.codeSet = Array.isArray(r.codeSet) && r.codeSet.length === r.tagsSet.length ? r.codeSet.map(Number) : sd.tagsSet.map(javaStringHashCode);
  }
  if (r.classFilterMode !== undefined) sd.classFilterMode = r.classFilterMode === true;
  return sd;
}

export interface ClientChannelInfo {
  conn: RemotingConnection;
  clientId: string;
  language: string;
  version: number;
  lastUpdateTimestamp: number;
}

export interface ConsumerGroupInfo {
  groupName: string;
  channels: Map<RemotingConnection, ClientChannelInfo>;
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  lastUpdateTimestamp: number;
}

/** Sends NOTIFY_CONSUMER_IDS_CHANGED to the given channels (implemented by the controller). */
export type ConsumerIdsChangedNotifier = (group: string, channels: ClientChannelInfo[]) => void;

export class ConsumerManager {
  readonly groups = new Map<string, ConsumerGroupInfo>();

  constructor(
    private readonly notifier: ConsumerIdsChangedNotifier,
    private readonly channelExpiredTimeoutMs: number,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  getConsumerGroupInfo(group: string): ConsumerGroupInfo | undefined {
    return this.groups.get(group);
  }

  findSubscriptionData(group: string, topic: string): SubscriptionData | undefined {
    return this.groups.get(group)?.subscriptionTable.get(topic);
  }

  /**
   * Registers (or refreshes) a member. Returns true when the group's membership or subscriptions
   * changed; the members are then notified when `notify`.
   */
  registerConsumer(
    group: string,
    info: ClientChannelInfo,
    consumeType: string,
    messageModel: string,
    consumeFromWhere: string,
    /** undefined = keep the subscriptions (5.x heartbeat v2 `withoutSub`). */
    subs: SubscriptionData[] | undefined,
    notify: boolean,
  ): boolean {
    let g = this.groups.get(group);
    if (!g) {
      g = { groupName: group, channels: new Map(), subscriptionTable: new Map(), consumeType, messageModel, consumeFromWhere, lastUpdateTimestamp: this.now() };
      this.groups.set(group, g);
    }
    g.consumeType = consumeType;
    g.messageModel = messageModel;
    g.consumeFromWhere = consumeFromWhere;
    g.lastUpdateTimestamp = this.now();
    let changed = false;
    const old = g.channels.get(info.conn);
    if (!old) {
      g.channels.set(info.conn, info);
      this.log?.info({ group, clientId: info.clientId, addr: info.conn.remoteAddress }, 'new consumer connected');
      changed = true;
    } else {
      if (old.clientId !== info.clientId) changed = true;
      old.clientId = info.clientId;
      old.lastUpdateTimestamp = info.lastUpdateTimestamp;
      old.version = info.version;
      old.language = info.language;
    }
    // Subscriptions: add/replace newer ones, drop topics no longer subscribed.
    if (subs === undefined) {
      if (changed && notify) this.notifier(group, [...g.channels.values()]);
      return changed;
    }
    const seen = new Set<string>();
    for (const sd of subs) {
      seen.add(sd.topic);
      const cur = g.subscriptionTable.get(sd.topic);
      if (!cur) {
        g.subscriptionTable.set(sd.topic, sd);
        changed = true;
      } else if (sd.subVersion > cur.subVersion) {
        if (cur.subString !== sd.subString || cur.expressionType !== sd.expressionType) changed = true;
        g.subscriptionTable.set(sd.topic, sd);
      }
    }
    for (const t of [...g.subscriptionTable.keys()]) {
      if (!seen.has(t)) {
        g.subscriptionTable.delete(t);
        changed = true;
      }
    }
    if (changed && notify) this.notifier(group, [...g.channels.values()]);
    return changed;
  }

  unregisterConsumer(group: string, conn: RemotingConnection, notify: boolean): void {
    const g = this.groups.get(group);
    if (!g || !g.channels.delete(conn)) return;
    this.log?.info({ group, addr: conn.remoteAddress }, 'consumer unregistered');
    if (g.channels.size === 0) this.groups.delete(group);
    else if (notify) this.notifier(group, [...g.channels.values()]);
  }

  /** Connection closed: leave every group; notify the remaining members. */
  doChannelCloseEvent(conn: RemotingConnection, notifyEnabled: (group: string) => boolean): void {
    for (const [group, g] of [...this.groups]) {
      if (!g.channels.delete(conn)) continue;
      this.log?.info({ group, addr: conn.remoteAddress }, 'consumer channel closed');
      if (g.channels.size === 0) this.groups.delete(group);
      else if (notifyEnabled(group)) this.notifier(group, [...g.channels.values()]);
    }
  }

  /** Drops members silent for longer than the expiry; returns the connections dropped. */
  scanNotActiveChannel(notifyEnabled: (group: string) => boolean): RemotingConnection[] {
    const dropped: RemotingConnection[] = [];
    const deadline = this.now() - this.channelExpiredTimeoutMs;
    for (const [group, g] of [...this.groups]) {
      let changed = false;
      for (const [conn, info] of [...g.channels]) {
        if (info.lastUpdateTimestamp < deadline) {
          g.channels.delete(conn);
          dropped.push(conn);
          changed = true;
          this.log?.warn({ group, clientId: info.clientId, addr: conn.remoteAddress }, 'consumer channel expired');
        }
      }
      if (g.channels.size === 0) this.groups.delete(group);
      else if (changed && notifyEnabled(group)) this.notifier(group, [...g.channels.values()]);
    }
    return dropped;
  }

  /** Groups subscribed to a topic. */
  queryTopicConsumeByWho(topic: string): Set<string> {
    const out = new Set<string>();
    for (const [group, g] of this.groups) if (g.subscriptionTable.has(topic)) out.add(group);
    return out;
  }

  findChannelByClientId(group: string, clientId: string): ClientChannelInfo | undefined {
    const g = this.groups.get(group);
    if (!g) return undefined;
    for (const info of g.channels.values()) if (info.clientId === clientId) return info;
    return undefined;
  }
}

export class ProducerManager {
  readonly groups = new Map<string, Map<RemotingConnection, ClientChannelInfo>>();

  constructor(
    private readonly channelExpiredTimeoutMs: number,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  registerProducer(group: string, info: ClientChannelInfo): void {
    let m = this.groups.get(group);
    if (!m) {
      m = new Map();
      this.groups.set(group, m);
    }
    const old = m.get(info.conn);
    if (old) {
      old.lastUpdateTimestamp = info.lastUpdateTimestamp;
      old.clientId = info.clientId;
    } else {
      m.set(info.conn, info);
      this.log?.info({ group, clientId: info.clientId, addr: info.conn.remoteAddress }, 'new producer connected');
    }
  }

  unregisterProducer(group: string, conn: RemotingConnection): void {
    const m = this.groups.get(group);
    if (!m) return;
    m.delete(conn);
    if (m.size === 0) this.groups.delete(group);
  }

  doChannelCloseEvent(conn: RemotingConnection): void {
    for (const [group, m] of [...this.groups]) {
      if (m.delete(conn) && m.size === 0) this.groups.delete(group);
    }
  }

  scanNotActiveChannel(): RemotingConnection[] {
    const dropped: RemotingConnection[] = [];
    const deadline = this.now() - this.channelExpiredTimeoutMs;
    for (const [group, m] of [...this.groups]) {
      for (const [conn, info] of [...m]) {
        if (info.lastUpdateTimestamp < deadline) {
          m.delete(conn);
          dropped.push(conn);
          this.log?.warn({ group, clientId: info.clientId, addr: conn.remoteAddress }, 'producer channel expired');
        }
      }
      if (m.size === 0) this.groups.delete(group);
    }
    return dropped;
  }

  getGroup(group: string): ClientChannelInfo[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }
}
