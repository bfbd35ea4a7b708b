/**
 * The name server's routing tables (RocketMQ's RouteInfoManager): which brokers exist, in which
 * cluster, with which addresses, which topics they serve with how many queues, and when each broker
 * last checked in. Everything runs on the event loop, so there are no locks.
 *
 * Liveness: a broker is dropped when it has been silent longer than its heartbeat timeout
 * (brokerChannelExpiredTime, 120 s, or the heartbeatTimeoutMillis it registered with), found by a
 * periodic scan, and at once when the connection it registered on closes.
 *
 * Output objects are built with their keys in alphabetical order, the order fastjson writes them, so
 * our bodies read like Java's.
 */
import type { Logger } from '../common/logger.js';
import { componentLogger } from '../common/logger.js';
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  TopicConfig,
  TopicConfigSerializeWrapper,
  TopicRouteData,
} from '../protocol/body/types.js';
import { PermName } from '../protocol/body/types.js';
import type { RemotingConnection } from '../remoting/types.js';

export const MASTER_ID = 0;

export interface BrokerLiveInfo {
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  /** The connection the broker registered on (null when registered without one, e.g. in tests). */
  conn: RemotingConnection | null;
  haServerAddr: string;
  clusterName: string;
  brokerName: string;
}

export interface RegisterBrokerArgs {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  topicConfigWrapper: TopicConfigSerializeWrapper | null;
  filterServerList: string[];
  conn: RemotingConnection | null;
  heartbeatTimeoutMillis?: number;
  enableActingMaster?: boolean;
}

export interface RegisterBrokerResult {
  haServerAddr?: string;
  masterAddr?: string;
}

function dataVersionEquals(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter && (a.stateVersion ?? 0) === (b.stateVersion ?? 0);
}

function copyBrokerData(bd: BrokerData): BrokerData {
  return { brokerAddrs: { ...bd.brokerAddrs }, brokerName: bd.brokerName, cluster: bd.cluster } as BrokerData;
}

export interface RouteInfoManagerOptions {
  brokerChannelExpiredTime: number;
  now?: () => number;
  logger?: Logger;
}

export class RouteInfoManager {
  /** topic -> brokerName -> queues */
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  /** brokerName -> addresses by broker id */
  private readonly brokerAddrTable = new Map<string, BrokerData>();
  /** cluster -> broker names */
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  /** broker address -> liveness */
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  /** broker address -> filter server addresses */
  private readonly filterServerTable = new Map<string, string[]>();
  private readonly now: () => number;
  private readonly log: Logger;
  brokerChannelExpiredTime: number;

  constructor(opts: RouteInfoManagerOptions) {
    this.brokerChannelExpiredTime = opts.brokerChannelExpiredTime;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? componentLogger('namesrv');
  }

  // ------------------------------------------------------------ registration

  registerBroker(a: RegisterBrokerArgs): RegisterBrokerResult {
    let names = this.clusterAddrTable.get(a.clusterName);
    if (names === undefined) {
      names = new Set();
      this.clusterAddrTable.set(a.clusterName, names);
    }
    names.add(a.brokerName);

    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(a.brokerName);
    if (brokerData === undefined) {
      registerFirst = true;
      brokerData = { cluster: a.clusterName, brokerName: a.brokerName, brokerAddrs: {} };
      this.brokerAddrTable.set(a.brokerName, brokerData);
    }
    if (a.enableActingMaster !== undefined) brokerData.enableActingMaster = a.enableActingMaster;
    // A broker that changed role (slave -> master) keeps its address under a new id: drop the old id.
    const id = String(a.brokerId);
    for (const [otherId, addr] of Object.entries(brokerData.brokerAddrs)) {
      if (addr === a.brokerAddr && otherId !== id) delete brokerData.brokerAddrs[otherId];
    }
    const oldAddr = brokerData.brokerAddrs[id];
    brokerData.brokerAddrs[id] = a.brokerAddr;
    registerFirst ||= oldAddr === undefined;

    if (a.topicConfigWrapper !== null && a.brokerId === MASTER_ID) {
      const changed = this.isBrokerTopicConfigChanged(a.brokerAddr, a.topicConfigWrapper.dataVersion);
      this.log.debug(
        { brokerAddr: a.brokerAddr, dataVersion: a.topicConfigWrapper.dataVersion, topics: Object.keys(a.topicConfigWrapper.topicConfigTable).length, changed, registerFirst },
        'register broker',
      );
      if (registerFirst || changed) {
        const added: string[] = [];
        for (const tc of Object.values(a.topicConfigWrapper.topicConfigTable)) {
          if (this.createAndUpdateQueueData(a.brokerName, tc)) added.push(tc.topicName);
        }
        // One line per registration, not per topic: a broker may bring thousands.
        if (added.length > 0) {
          this.log.info({ brokerName: a.brokerName, count: added.length, topics: added.length <= 20 ? added : added.slice(0, 20) }, 'new topics registered');
        }
      }
    }

    const prev = this.brokerLiveTable.get(a.brokerAddr);
    this.brokerLiveTable.set(a.brokerAddr, {
      lastUpdateTimestamp: this.now(),
      heartbeatTimeoutMillis: a.heartbeatTimeoutMillis && a.heartbeatTimeoutMillis > 0 ? a.heartbeatTimeoutMillis : this.brokerChannelExpiredTime,
      dataVersion: a.topicConfigWrapper?.dataVersion ?? { timestamp: 0, counter: 0 },
      conn: a.conn,
      haServerAddr: a.haServerAddr,
      clusterName: a.clusterName,
      brokerName: a.brokerName,
    });
    if (prev === undefined) this.log.info({ brokerAddr: a.brokerAddr, brokerName: a.brokerName, brokerId: a.brokerId, cluster: a.clusterName }, 'new broker registered');

    if (a.filterServerList.length === 0) this.filterServerTable.delete(a.brokerAddr);
    else this.filterServerTable.set(a.brokerAddr, [...a.filterServerList]);

    const result: RegisterBrokerResult = {};
    if (a.brokerId !== MASTER_ID) {
      const masterAddr = brokerData.brokerAddrs[String(MASTER_ID)];
      if (masterAddr !== undefined) {
        const master = this.brokerLiveTable.get(masterAddr);
        if (master !== undefined) {
          result.haServerAddr = master.haServerAddr;
          result.masterAddr = masterAddr;
        }
      }
    }
    return result;
  }

  /** Records the broker's queues for a topic; true if the topic is new to the name server. */
  private createAndUpdateQueueData(brokerName: string, tc: TopicConfig): boolean {
    const qd: QueueData = {
      brokerName,
      perm: tc.perm,
      readQueueNums: tc.readQueueNums,
      topicSysFlag: tc.topicSysFlag,
      writeQueueNums: tc.writeQueueNums,
    } as QueueData;
    let byBroker = this.topicQueueTable.get(tc.topicName);
    const isNew = byBroker === undefined;
    if (byBroker === undefined) {
      byBroker = new Map();
      this.topicQueueTable.set(tc.topicName, byBroker);
    }
    byBroker.set(brokerName, qd);
    return isNew;
  }

  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    this.log.info({ brokerAddr, brokerName, brokerId, known: live !== undefined }, 'broker unregistered');
    const bd = this.brokerAddrTable.get(brokerName);
    if (bd === undefined) return;
    delete bd.brokerAddrs[String(brokerId)];
    if (Object.keys(bd.brokerAddrs).length === 0) {
      this.brokerAddrTable.delete(brokerName);
      this.removeBrokerNameFromCluster(clusterName, brokerName);
      this.removeTopicByBrokerName(brokerName);
    }
  }

  private removeBrokerNameFromCluster(clusterName: string, brokerName: string): void {
    const names = this.clusterAddrTable.get(clusterName);
    if (names === undefined) return;
    names.delete(brokerName);
    if (names.size === 0) this.clusterAddrTable.delete(clusterName);
  }

  private removeTopicByBrokerName(brokerName: string): void {
    for (const [topic, byBroker] of this.topicQueueTable) {
      if (byBroker.delete(brokerName) && byBroker.size === 0) {
        this.topicQueueTable.delete(topic);
        this.log.debug({ topic }, 'topic removed with its last broker');
      }
    }
  }

  /** Drops the broker registered at `brokerAddr` (its connection closed or it expired). */
  private removeBrokerAddr(brokerAddr: string, why: string): void {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    this.log.info({ brokerAddr, why }, 'broker removed');
    for (const [brokerName, bd] of this.brokerAddrTable) {
      let removed = false;
      for (const [id, addr] of Object.entries(bd.brokerAddrs)) {
        if (addr === brokerAddr) {
          delete bd.brokerAddrs[id];
          removed = true;
        }
      }
      if (removed && Object.keys(bd.brokerAddrs).length === 0) {
        this.brokerAddrTable.delete(brokerName);
        for (const clusterName of [...this.clusterAddrTable.keys()]) this.removeBrokerNameFromCluster(clusterName, brokerName);
        this.removeTopicByBrokerName(brokerName);
      }
    }
  }

  /** A connection closed: every broker that registered on it is gone. */
  onConnectionClosed(conn: RemotingConnection): void {
    for (const [addr, live] of [...this.brokerLiveTable]) {
      if (live.conn === conn) this.removeBrokerAddr(addr, 'connection closed');
    }
  }

  /** Drops brokers silent longer than their timeout and closes their connections; returns how many. */
  scanNotActiveBroker(): number {
    const now = this.now();
    let n = 0;
    for (const [addr, live] of [...this.brokerLiveTable]) {
      if (live.lastUpdateTimestamp + live.heartbeatTimeoutMillis < now) {
        this.log.warn({ brokerAddr: addr, silentMs: now - live.lastUpdateTimestamp }, 'broker expired');
        this.removeBrokerAddr(addr, 'expired');
        live.conn?.close();
        n++;
      }
    }
    return n;
  }

  // ------------------------------------------------------------ liveness / versions

  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const prev = this.brokerLiveTable.get(brokerAddr);
    return prev === undefined || !dataVersionEquals(prev.dataVersion, dataVersion);
  }

  queryBrokerTopicConfig(brokerAddr: string): DataVersion | undefined {
    return this.brokerLiveTable.get(brokerAddr)?.dataVersion;
  }

  /** Marks the broker alive now; false if unknown. */
  updateBrokerInfoUpdateTimestamp(brokerAddr: string): boolean {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live === undefined) return false;
    live.lastUpdateTimestamp = this.now();
    return true;
  }

  getBrokerLiveInfo(brokerAddr: string): Readonly<BrokerLiveInfo> | undefined {
    return this.brokerLiveTable.get(brokerAddr);
  }

  /** Broker addresses currently alive. */
  liveBrokerAddrs(): string[] {
    return [...this.brokerLiveTable.keys()];
  }

  // ------------------------------------------------------------ queries

  /** The route of `topic`, or null when no live broker serves it. */
  pickupTopicRouteData(topic: string): TopicRouteData | null {
    const byBroker = this.topicQueueTable.get(topic);
    if (byBroker === undefined || byBroker.size === 0) return null;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable: Record<string, string[]> = {};
    for (const brokerName of byBroker.keys()) {
      const bd = this.brokerAddrTable.get(brokerName);
      if (bd === undefined) continue;
      brokerDatas.push(copyBrokerData(bd));
      for (const addr of Object.values(bd.brokerAddrs)) {
        const fs = this.filterServerTable.get(addr);
        if (fs !== undefined) filterServerTable[addr] = [...fs];
      }
    }
    if (brokerDatas.length === 0) return null;
    return {
      brokerDatas,
      filterServerTable,
      queueDatas: [...byBroker.values()].map((q) => ({ ...q })),
    } as TopicRouteData;
  }

  getAllClusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const [name, bd] of this.brokerAddrTable) brokerAddrTable[name] = copyBrokerData(bd);
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [c, names] of this.clusterAddrTable) clusterAddrTable[c] = [...names];
    return { brokerAddrTable, clusterAddrTable };
  }

  getAllTopicList(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  getTopicsByCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster);
    if (names === undefined) return [];
    const out: string[] = [];
    for (const [topic, byBroker] of this.topicQueueTable) {
      for (const name of names) {
        if (byBroker.has(name)) {
          out.push(topic);
          break;
        }
      }
    }
    return out;
  }

  /** Deletes the topic, or only its queues on the brokers of `clusterName`. */
  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined || clusterName === '') {
      this.topicQueueTable.delete(topic);
      return;
    }
    const byBroker = this.topicQueueTable.get(topic);
    const names = this.clusterAddrTable.get(clusterName);
    if (byBroker === undefined || names === undefined) return;
    for (const name of names) byBroker.delete(name);
    if (byBroker.size === 0) this.topicQueueTable.delete(topic);
  }

  /** REGISTER_TOPIC_IN_NAMESRV: adds queue data for brokers we know. */
  registerTopic(topic: string, queueDatas: QueueData[]): void {
    for (const qd of queueDatas) {
      if (!this.brokerAddrTable.has(qd.brokerName)) continue;
      let byBroker = this.topicQueueTable.get(topic);
      if (byBroker === undefined) {
        byBroker = new Map();
        this.topicQueueTable.set(topic, byBroker);
      }
      byBroker.set(qd.brokerName, {
        brokerName: qd.brokerName,
        perm: Number(qd.perm),
        readQueueNums: Number(qd.readQueueNums),
        topicSysFlag: Number(qd.topicSysFlag ?? 0),
        writeQueueNums: Number(qd.writeQueueNums),
      } as QueueData);
    }
  }

  /** Removes write permission from every queue of `brokerName`; returns the number of topics touched. */
  wipeWritePermOfBroker(brokerName: string): number {
    let n = 0;
    for (const byBroker of this.topicQueueTable.values()) {
      const qd = byBroker.get(brokerName);
      if (qd !== undefined) {
        qd.perm &= ~PermName.PERM_WRITE;
        n++;
      }
    }
    return n;
  }

  /** Gives every queue of `brokerName` read and write permission back; returns the number of topics touched. */
  addWritePermOfBroker(brokerName: string): number {
    let n = 0;
    for (const byBroker of this.topicQueueTable.values()) {
      const qd = byBroker.get(brokerName);
      if (qd !== undefined) {
        qd.perm = PermName.PERM_READ | PermName.PERM_WRITE;
        n++;
      }
    }
    return n;
  }

  /**
   * GET_SYSTEM_TOPIC_LIST_FROM_NS: every cluster name and broker name (each is a system topic), plus
   * one broker address for the caller to ask about the rest.
   */
  getSystemTopicList(): { topicList: string[]; brokerAddr?: string } {
    const topics = new Set<string>();
    for (const [cluster, names] of this.clusterAddrTable) {
      topics.add(cluster);
      for (const n of names) topics.add(n);
    }
    let brokerAddr: string | undefined;
    for (const bd of this.brokerAddrTable.values()) {
      const first = Object.values(bd.brokerAddrs)[0];
      if (first !== undefined) {
        brokerAddr = first;
        break;
      }
    }
    return brokerAddr === undefined ? { topicList: [...topics] } : { brokerAddr, topicList: [...topics] };
  }

  /** Topics whose (first) queue data's topicSysFlag passes `pred` (unit-topic queries). */
  getTopicsBySysFlag(pred: (topicSysFlag: number) => boolean): string[] {
    const out: string[] = [];
    for (const [topic, byBroker] of this.topicQueueTable) {
      const first = byBroker.values().next();
      if (!first.done && pred(first.value.topicSysFlag)) out.push(topic);
    }
    return out;
  }

  /** GET_BROKER_MEMBER_GROUP: the addresses of one broker group (empty when unknown). */
  getBrokerMemberGroup(clusterName: string, brokerName: string): { brokerAddrs: Record<string, string>; brokerName: string; cluster: string } {
    const bd = this.brokerAddrTable.get(brokerName);
    return { brokerAddrs: bd === undefined ? {} : { ...bd.brokerAddrs }, brokerName, cluster: clusterName };
  }

  /** Names of the brokers of a cluster. */
  brokerNamesOf(cluster: string): string[] {
    return [...(this.clusterAddrTable.get(cluster) ?? [])];
  }
}
