/**
 * AdminClient: what mqadmin's DefaultMQAdminExt does, spoken directly over remoting (one
 * RemotingClient, request codes and headers from src/protocol). Name-server calls go to the
 * configured name servers in order until one answers; broker calls go to the given address.
 * Every call has a timeout; a non-success response becomes a RemotingResponseError with the
 * peer's code and remark.
 */
import { RemotingResponseError, RmqError } from '../common/errors.js';
import { createRequest, type RemotingCommand } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import {
  CreateTopicRequestHeader,
  DeleteKVConfigRequestHeader,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  DeleteTopicRequestHeader,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  GetProducerConnectionListRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  GetRouteInfoRequestHeader,
  GetTopicStatsInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  PutKVConfigRequestHeader,
  QueryMessageRequestHeader,
  QueryTopicConsumeByWhoRequestHeader,
  ResetOffsetRequestHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  UNIQUE_KEY_QUERY,
  UpdateConsumerOffsetRequestHeader,
  ViewMessageRequestHeader,
} from '../protocol/headers/index.js';
import { decodeRecords, type MessageExt } from '../message/message-record.js';
import { RemotingClient } from '../remoting/remoting-client.js';
import { parsePropertiesFile } from '../common/properties-file.js';
import {
  messageQueueEntries as mqMapEntries,
  parseFastjson,
  type BrokerData,
  type ClusterInfo,
  type Connection,
  type ConsumerConnection,
  type MessageQueue,
  type SubscriptionGroupConfig,
  type TopicConfig,
  type TopicRouteData,
} from '../protocol/body/index.js';

export type { BrokerData, ClusterInfo, Connection, ConsumerConnection, MessageQueue, SubscriptionGroupConfig, TopicConfig, TopicRouteData };

/** A JSON body as Java writes it (fastjson quirks tolerated); {} for an absent body. */
function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return {};
  return parseFastjson(body);
}

export const DEFAULT_TIMEOUT_MS = 3000;
/** MixAll.TOOLS_CONSUMER_GROUP: the group mqadmin pulls with. */
export const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';
/** Producer group of `admin sendMessage` (the broker only records it for connections). */
export const TOOLS_PRODUCER_GROUP = 'TOOLS_PRODUCER';
export const DEFAULT_TOPIC = 'TBW102';
/** NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

/** What updateTopic sends (UPDATE_AND_CREATE_TOPIC header fields). */
export interface TopicConfigRequest {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
  /** Attribute modifications ("+message.type=FIFO,-k"). */
  attributes?: string;
}

export interface QueueTopicOffset {
  mq: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface QueueConsumeOffset {
  mq: MessageQueue;
  brokerOffset: number;
  consumerOffset: number;
  pullOffset?: number;
  lastTimestamp: number;
}

export interface GroupConsumeStats {
  offsets: QueueConsumeOffset[];
  consumeTps: number;
}

/** A consumer client's own report (ConsumerRunningInfo). */
export interface ConsumerRunningInfo {
  properties: Record<string, string>;
  subscriptionSet: Array<{ topic: string; subString: string; expressionType?: string; subVersion?: number }>;
  /** Per owned queue: ProcessQueueInfo (commitOffset, cachedMsgCount, lastPullTimestamp, ...). */
  mqTable: Array<[MessageQueue, Record<string, unknown>]>;
  statusTable: Record<string, unknown>;
  jstack?: string;
}

export interface BrokerTarget {
  brokerName: string;
  addr: string;
  cluster?: string;
}

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messages: MessageExt[];
}

export interface AdminClientOptions {
  /** Name servers, ';'-separated. */
  namesrvAddr: string;
  timeoutMs?: number;
}

/** The address list from `-n` or NAMESRV_ADDR, as mqadmin reads it. */
export function resolveNamesrvAddr(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const v = (flag ?? env.NAMESRV_ADDR ?? '').trim();
  if (v === '') {
    throw new RmqError('NO_NAMESRV', 'no name server address: pass -n host:port or set NAMESRV_ADDR');
  }
  return v;
}

export class AdminClient {
  readonly namesrvAddrs: string[];
  readonly timeoutMs: number;
  private readonly remoting: RemotingClient;

  constructor(opts: AdminClientOptions) {
    this.namesrvAddrs = opts.namesrvAddr
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (this.namesrvAddrs.length === 0) throw new RmqError('NO_NAMESRV', 'empty name server address list');
    for (const a of this.namesrvAddrs) {
      if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(a)) throw new RmqError('BAD_ADDRESS', `bad name server address "${a}" (expected host:port)`);
    }
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.remoting = new RemotingClient({ connectTimeoutMs: this.timeoutMs });
  }

  close(): void {
    this.remoting.close();
  }

  // ---- transport ----------------------------------------------------------------------------

  /** Sends to the broker (or name server) at `addr`; throws unless the code is SUCCESS or in `accept`. */
  async invoke(addr: string, req: RemotingCommand, accept: readonly number[] = []): Promise<RemotingCommand> {
    let res: RemotingCommand;
    try {
      res = await this.remoting.invoke(addr, req, this.timeoutMs);
    } catch (err) {
      throw new RmqError('REMOTING_FAILED', `${addr}: ${(err as Error).message ?? String(err)}`, { cause: err, retriable: true });
    }
    if (res.code !== ResponseCode.SUCCESS && !accept.includes(res.code)) {
      throw new RemotingResponseError(res.code, res.remark);
    }
    return res;
  }

  /** Name-server request: the first name server that answers (any code) wins, as mqadmin does. */
  async invokeNamesrv(code: number, extFields: Record<string, string> = {}, body?: Buffer, accept: readonly number[] = []): Promise<RemotingCommand> {
    let lastErr: unknown;
    for (const addr of this.namesrvAddrs) {
      try {
        return await this.invoke(addr, createRequest(code, { ...extFields }, body), accept);
      } catch (err) {
        if (err instanceof RemotingResponseError) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** Same request to every name server (deletes and KV updates must reach them all). */
  async invokeAllNamesrv(code: number, extFields: Record<string, string>, accept: readonly number[] = []): Promise<void> {
    for (const addr of this.namesrvAddrs) await this.invoke(addr, createRequest(code, { ...extFields }), accept);
  }

  async invokeBroker(addr: string, code: number, extFields: Record<string, string> = {}, body?: Buffer, accept: readonly number[] = []): Promise<RemotingCommand> {
    return this.invoke(addr, createRequest(code, extFields, body), accept);
  }

  // ---- name server ----------------------------------------------------------------------------

  async getClusterInfo(): Promise<ClusterInfo> {
    const res = await this.invokeNamesrv(RequestCode.GET_BROKER_CLUSTER_INFO);
    const body = parseJsonBody(res.body) as Partial<ClusterInfo>;
    return { brokerAddrTable: body.brokerAddrTable ?? {}, clusterAddrTable: body.clusterAddrTable ?? {} };
  }

  /** Route of `topic`; throws RemotingResponseError(TOPIC_NOT_EXIST) when the name server knows none. */
  async getTopicRoute(topic: string): Promise<TopicRouteData> {
    const res = await this.invokeNamesrv(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader.encode({ topic, acceptStandardJsonOnly: true }));
    const body = parseJsonBody(res.body) as Partial<TopicRouteData>;
    return { ...body, queueDatas: body.queueDatas ?? [], brokerDatas: body.brokerDatas ?? [], filterServerTable: body.filterServerTable ?? {} };
  }

  async getAllTopicList(): Promise<string[]> {
    const res = await this.invokeNamesrv(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    return ((parseJsonBody(res.body) as { topicList?: string[] }).topicList ?? []).slice().sort();
  }

  async getTopicsByCluster(cluster: string): Promise<string[]> {
    const res = await this.invokeNamesrv(RequestCode.GET_TOPICS_BY_CLUSTER, GetTopicsByClusterRequestHeader.encode({ cluster }));
    return (parseJsonBody(res.body) as { topicList?: string[] }).topicList ?? [];
  }

  async deleteTopicInNamesrv(topic: string, clusterName?: string): Promise<void> {
    await this.invokeAllNamesrv(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader.encode({ topic, clusterName }));
  }

  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.invokeAllNamesrv(RequestCode.PUT_KV_CONFIG, PutKVConfigRequestHeader.encode({ namespace, key, value }));
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    await this.invokeAllNamesrv(RequestCode.DELETE_KV_CONFIG, DeleteKVConfigRequestHeader.encode({ namespace, key }));
  }

  // ---- target resolution ---------------------------------------------------------------------

  /** Master brokers of `cluster` (all clusters when undefined). Throws if the cluster is unknown. */
  async masterBrokers(cluster?: string): Promise<BrokerTarget[]> {
    const info = await this.getClusterInfo();
    const names = cluster === undefined ? Object.keys(info.brokerAddrTable) : info.clusterAddrTable[cluster];
    if (names === undefined) throw new RmqError('CLUSTER_NOT_FOUND', `cluster ${cluster} not found (known: ${Object.keys(info.clusterAddrTable).join(', ') || 'none'})`);
    const out: BrokerTarget[] = [];
    for (const name of [...names].sort()) {
      const bd = info.brokerAddrTable[name];
      const addr = bd?.brokerAddrs['0'];
      if (bd && addr) out.push({ brokerName: name, addr, cluster: bd.cluster });
    }
    return out;
  }

  /** Every broker (masters and slaves) of every cluster, for status listings. */
  async allBrokers(cluster?: string): Promise<Array<BrokerTarget & { brokerId: number }>> {
    const info = await this.getClusterInfo();
    const out: Array<BrokerTarget & { brokerId: number }> = [];
    const clusters = cluster === undefined ? Object.keys(info.clusterAddrTable).sort() : [cluster];
    for (const c of clusters) {
      const names = info.clusterAddrTable[c];
      if (names === undefined) throw new RmqError('CLUSTER_NOT_FOUND', `cluster ${c} not found`);
      for (const name of [...names].sort()) {
        const bd = info.brokerAddrTable[name];
        if (!bd) continue;
        for (const [id, addr] of Object.entries(bd.brokerAddrs).sort((a, b) => Number(a[0]) - Number(b[0]))) {
          out.push({ cluster: c, brokerName: name, addr, brokerId: Number(id) });
        }
      }
    }
    return out;
  }

  /**
   * `-b brokerAddr` or `-c clusterName`, as mqadmin's update commands take them: the one broker
   * (its name looked up when the cluster info knows it), or every master of the cluster.
   */
  async resolveTargets(brokerAddr: string | undefined, clusterName: string | undefined): Promise<BrokerTarget[]> {
    if (brokerAddr) {
      let brokerName = brokerAddr;
      try {
        const info = await this.getClusterInfo();
        for (const bd of Object.values(info.brokerAddrTable)) {
          if (Object.values(bd.brokerAddrs).includes(brokerAddr)) brokerName = bd.brokerName;
        }
      } catch {
        // the broker may be reachable even when no name server is: keep the address as its name
      }
      return [{ brokerName, addr: brokerAddr }];
    }
    if (clusterName) return this.masterBrokers(clusterName);
    throw new RmqError('USAGE', 'one of -b brokerAddr or -c clusterName is required');
  }

  /** Master brokers serving `topic` per its route. */
  async topicMasters(topic: string): Promise<{ route: TopicRouteData; targets: BrokerTarget[] }> {
    const route = await this.getTopicRoute(topic);
    const targets: BrokerTarget[] = [];
    for (const bd of [...route.brokerDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName))) {
      const addr = bd.brokerAddrs['0'];
      if (addr) targets.push({ brokerName: bd.brokerName, addr, cluster: bd.cluster });
    }
    return { route, targets };
  }

  // ---- broker admin ---------------------------------------------------------------------------

  async createTopic(addr: string, tc: TopicConfigRequest): Promise<void> {
    await this.invokeBroker(
      addr,
      RequestCode.UPDATE_AND_CREATE_TOPIC,
      CreateTopicRequestHeader.encode({
        topic: tc.topicName,
        defaultTopic: DEFAULT_TOPIC,
        readQueueNums: tc.readQueueNums,
        writeQueueNums: tc.writeQueueNums,
        perm: tc.perm,
        topicFilterType: tc.topicFilterType,
        topicSysFlag: tc.topicSysFlag,
        order: tc.order,
        attributes: tc.attributes,
      }),
    );
  }

  async deleteTopicInBroker(addr: string, topic: string): Promise<void> {
    await this.invokeBroker(addr, RequestCode.DELETE_TOPIC_IN_BROKER, DeleteTopicRequestHeader.encode({ topic }));
  }

  async createSubscriptionGroup(addr: string, config: SubscriptionGroupConfig): Promise<void> {
    await this.invokeBroker(addr, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from(JSON.stringify(config)));
  }

  async deleteSubscriptionGroup(addr: string, groupName: string, cleanOffset: boolean): Promise<void> {
    await this.invokeBroker(addr, RequestCode.DELETE_SUBSCRIPTIONGROUP, DeleteSubscriptionGroupRequestHeader.encode({ groupName, cleanOffset }));
  }

  async getAllSubscriptionGroups(addr: string): Promise<Record<string, SubscriptionGroupConfig>> {
    const res = await this.invokeBroker(addr, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    return (parseJsonBody(res.body) as { subscriptionGroupTable?: Record<string, SubscriptionGroupConfig> }).subscriptionGroupTable ?? {};
  }

  async getAllTopicConfig(addr: string): Promise<Record<string, TopicConfig>> {
    const res = await this.invokeBroker(addr, RequestCode.GET_ALL_TOPIC_CONFIG);
    return (parseJsonBody(res.body) as { topicConfigTable?: Record<string, TopicConfig> }).topicConfigTable ?? {};
  }

  /** GET_BROKER_RUNTIME_INFO: the broker's KVTable. */
  async getBrokerRuntimeInfo(addr: string): Promise<Record<string, string>> {
    const res = await this.invokeBroker(addr, RequestCode.GET_BROKER_RUNTIME_INFO);
    return (parseJsonBody(res.body) as { table?: Record<string, string> }).table ?? {};
  }

  async getTopicStats(addr: string, topic: string): Promise<{ offsets: QueueTopicOffset[]; topicPutTps?: number }> {
    const res = await this.invokeBroker(addr, RequestCode.GET_TOPIC_STATS_INFO, GetTopicStatsInfoRequestHeader.encode({ topic }));
    const body = parseJsonBody(res.body) as { offsetTable?: unknown; topicPutTps?: number };
    const offsets = mqMapEntries<{ minOffset?: number; maxOffset?: number; lastUpdateTimestamp?: number }>(body.offsetTable).map(([mq, v]) => ({
      mq,
      minOffset: Number(v.minOffset ?? 0),
      maxOffset: Number(v.maxOffset ?? 0),
      lastUpdateTimestamp: Number(v.lastUpdateTimestamp ?? 0),
    }));
    return { offsets: sortByQueue(offsets), topicPutTps: body.topicPutTps };
  }

  async getConsumeStats(addr: string, consumerGroup: string, topic?: string): Promise<GroupConsumeStats> {
    const res = await this.invokeBroker(addr, RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader.encode({ consumerGroup, topic }));
    const body = parseJsonBody(res.body) as { offsetTable?: unknown; consumeTps?: number };
    const offsets = mqMapEntries<{ brokerOffset?: number; consumerOffset?: number; pullOffset?: number; lastTimestamp?: number }>(body.offsetTable).map(([mq, v]) => ({
      mq,
      brokerOffset: Number(v.brokerOffset ?? 0),
      consumerOffset: Number(v.consumerOffset ?? 0),
      pullOffset: v.pullOffset === undefined ? undefined : Number(v.pullOffset),
      lastTimestamp: Number(v.lastTimestamp ?? 0),
    }));
    return { offsets: sortByQueue(offsets), consumeTps: Number(body.consumeTps ?? 0) };
  }

  /** GET_CONSUMER_CONNECTION_LIST; null when the group has no online consumer there (206). */
  async getConsumerConnection(addr: string, consumerGroup: string): Promise<ConsumerConnection | null> {
    const res = await this.invokeBroker(
      addr,
      RequestCode.GET_CONSUMER_CONNECTION_LIST,
      GetConsumerConnectionListRequestHeader.encode({ consumerGroup }),
      undefined,
      [ResponseCode.CONSUMER_NOT_ONLINE],
    );
    if (res.code === ResponseCode.CONSUMER_NOT_ONLINE) return null;
    const body = parseJsonBody(res.body) as Partial<ConsumerConnection>;
    return { consumeType: '', messageModel: '', consumeFromWhere: '', ...body, connectionSet: body.connectionSet ?? [], subscriptionTable: body.subscriptionTable ?? {} };
  }

  /** QUERY_TOPIC_CONSUME_BY_WHO: groups that consume `topic` on that broker. */
  async queryTopicConsumeByWho(addr: string, topic: string): Promise<string[]> {
    const res = await this.invokeBroker(addr, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, QueryTopicConsumeByWhoRequestHeader.encode({ topic }));
    return (parseJsonBody(res.body) as { groupList?: string[] }).groupList ?? [];
  }

  /** GET_BROKER_CONFIG: the broker's configuration (properties text in the body). */
  async getBrokerConfig(addr: string): Promise<Record<string, string>> {
    const res = await this.invokeBroker(addr, RequestCode.GET_BROKER_CONFIG);
    return parsePropertiesFile(res.body?.toString('utf8') ?? '');
  }

  /** UPDATE_BROKER_CONFIG: body = "key=value" lines, no header. */
  async updateBrokerConfig(addr: string, props: Record<string, string>): Promise<void> {
    await this.invokeBroker(addr, RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from(propertiesText(props), 'utf8'));
  }

  async getProducerConnection(addr: string, producerGroup: string): Promise<Connection[]> {
    const res = await this.invokeBroker(addr, RequestCode.GET_PRODUCER_CONNECTION_LIST, GetProducerConnectionListRequestHeader.encode({ producerGroup }));
    return (parseJsonBody(res.body) as { connectionSet?: Connection[] }).connectionSet ?? [];
  }

  /** Per name server, as mqadmin reports it: the count of topics changed, or the error. */
  async wipeWritePerm(brokerName: string): Promise<Array<{ namesrvAddr: string; count?: number; error?: string }>> {
    return this.perNamesrv(RequestCode.WIPE_WRITE_PERM_OF_BROKER, WipeWritePermOfBrokerRequestHeader.encode({ brokerName }), (res) => WipeWritePermOfBrokerResponseHeader.decodeCommand(res).wipeTopicCount);
  }

  async addWritePerm(brokerName: string): Promise<Array<{ namesrvAddr: string; count?: number; error?: string }>> {
    return this.perNamesrv(RequestCode.ADD_WRITE_PERM_OF_BROKER, AddWritePermOfBrokerRequestHeader.encode({ brokerName }), (res) => AddWritePermOfBrokerResponseHeader.decodeCommand(res).addTopicCount);
  }

  private async perNamesrv(code: number, ext: Record<string, string>, count: (res: RemotingCommand) => number): Promise<Array<{ namesrvAddr: string; count?: number; error?: string }>> {
    const out: Array<{ namesrvAddr: string; count?: number; error?: string }> = [];
    for (const namesrvAddr of this.namesrvAddrs) {
      try {
        out.push({ namesrvAddr, count: count(await this.invoke(namesrvAddr, createRequest(code, { ...ext }))) });
      } catch (err) {
        out.push({ namesrvAddr, error: (err as Error).message });
      }
    }
    return out;
  }

  /** GET_NAMESRV_CONFIG of each name server. */
  async getNamesrvConfig(): Promise<Array<{ namesrvAddr: string; config: Record<string, string> }>> {
    const out: Array<{ namesrvAddr: string; config: Record<string, string> }> = [];
    for (const namesrvAddr of this.namesrvAddrs) {
      const res = await this.invoke(namesrvAddr, createRequest(RequestCode.GET_NAMESRV_CONFIG));
      out.push({ namesrvAddr, config: parsePropertiesFile(res.body?.toString('utf8') ?? '') });
    }
    return out;
  }

  async updateNamesrvConfig(props: Record<string, string>): Promise<void> {
    for (const addr of this.namesrvAddrs) {
      await this.invoke(addr, createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from(propertiesText(props), 'utf8')));
    }
  }

  /**
   * GET_CONSUMER_RUNNING_INFO: the broker forwards it to the client `clientId` of the group and
   * relays its ConsumerRunningInfo (properties, subscriptions, per-queue process state).
   */
  async getConsumerRunningInfo(addr: string, consumerGroup: string, clientId: string, jstackEnable = false): Promise<ConsumerRunningInfo> {
    const res = await this.invokeBroker(addr, RequestCode.GET_CONSUMER_RUNNING_INFO, GetConsumerRunningInfoRequestHeader.encode({ consumerGroup, clientId, jstackEnable }));
    const body = parseJsonBody(res.body) as { properties?: Record<string, string>; subscriptionSet?: unknown[]; mqTable?: unknown; statusTable?: Record<string, unknown>; jstack?: string };
    return {
      properties: body.properties ?? {},
      subscriptionSet: (body.subscriptionSet ?? []) as ConsumerRunningInfo['subscriptionSet'],
      mqTable: mqMapEntries<Record<string, unknown>>(body.mqTable),
      statusTable: body.statusTable ?? {},
      jstack: body.jstack,
    };
  }

  // ---- messages and offsets -------------------------------------------------------------------

  async viewMessage(addr: string, commitLogOffset: number, topic?: string): Promise<MessageExt> {
    const res = await this.invokeBroker(addr, RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader.encode({ offset: commitLogOffset, topic }));
    const msgs = decodeRecords(res.body ?? Buffer.alloc(0), true);
    if (msgs.length === 0) throw new RmqError('NO_MESSAGE', `${addr}: no message at commit-log offset ${commitLogOffset}`);
    return msgs[0]!;
  }

  /** QUERY_MESSAGE by key (or UNIQ_KEY when `unique`); [] when the index has none (22). */
  async queryMessage(addr: string, topic: string, key: string, maxNum: number, beginTimestamp: number, endTimestamp: number, unique = false): Promise<MessageExt[]> {
    const ext = QueryMessageRequestHeader.encode({ topic, key, maxNum, beginTimestamp, endTimestamp });
    if (unique) ext[UNIQUE_KEY_QUERY] = 'true';
    const res = await this.invokeBroker(addr, RequestCode.QUERY_MESSAGE, ext, undefined, [ResponseCode.QUERY_NOT_FOUND]);
    if (res.code === ResponseCode.QUERY_NOT_FOUND || !res.body) return [];
    return decodeRecords(res.body, true);
  }

  async getMaxOffset(addr: string, topic: string, queueId: number): Promise<number> {
    const res = await this.invokeBroker(addr, RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader.encode({ topic, queueId }));
    return GetMaxOffsetResponseHeader.decodeCommand(res).offset;
  }

  async getMinOffset(addr: string, topic: string, queueId: number): Promise<number> {
    const res = await this.invokeBroker(addr, RequestCode.GET_MIN_OFFSET, GetMinOffsetRequestHeader.encode({ topic, queueId }));
    return GetMinOffsetResponseHeader.decodeCommand(res).offset;
  }

  async searchOffset(addr: string, topic: string, queueId: number, timestamp: number): Promise<number> {
    const res = await this.invokeBroker(addr, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, SearchOffsetRequestHeader.encode({ topic, queueId, timestamp }));
    return SearchOffsetResponseHeader.decodeCommand(res).offset;
  }

  async updateConsumerOffset(addr: string, consumerGroup: string, topic: string, queueId: number, commitOffset: number): Promise<void> {
    await this.invokeBroker(addr, RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader.encode({ consumerGroup, topic, queueId, commitOffset }));
  }

  /**
   * INVOKE_BROKER_TO_RESET_OFFSET: the broker moves the group's offsets to `timestamp` and tells
   * online clients. Returns the new offsets, or null when no consumer of the group is online (206).
   */
  async resetOffsetByTimestamp(addr: string, topic: string, group: string, timestamp: number, isForce: boolean): Promise<Array<[MessageQueue, number]> | null> {
    const res = await this.invokeBroker(
      addr,
      RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
      ResetOffsetRequestHeader.encode({ topic, group, timestamp, isForce }),
      undefined,
      [ResponseCode.CONSUMER_NOT_ONLINE],
    );
    if (res.code === ResponseCode.CONSUMER_NOT_ONLINE) return null;
    const body = parseJsonBody(res.body) as { offsetTable?: unknown };
    return mqMapEntries<number>(body.offsetTable).map(([mq, v]) => [mq, Number(v)] as [MessageQueue, number]);
  }

  /** One PULL_MESSAGE without commit or suspension, as mqadmin's pull consumer does. */
  async pull(addr: string, consumerGroup: string, topic: string, queueId: number, queueOffset: number, maxMsgNums: number, subscription = '*'): Promise<PullResult> {
    const ext = PullMessageRequestHeader.encode({
      consumerGroup,
      topic,
      queueId,
      queueOffset,
      maxMsgNums,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription,
      subVersion: 0,
      expressionType: 'TAG',
    });
    const res = await this.invokeBroker(addr, RequestCode.PULL_MESSAGE, ext, undefined, [
      ResponseCode.PULL_NOT_FOUND,
      ResponseCode.PULL_RETRY_IMMEDIATELY,
      ResponseCode.PULL_OFFSET_MOVED,
    ]);
    const h = PullMessageResponseHeader.decodeCommand(res);
    let status: PullStatus;
    switch (res.code) {
      case ResponseCode.SUCCESS:
        status = 'FOUND';
        break;
      case ResponseCode.PULL_RETRY_IMMEDIATELY:
        status = 'NO_MATCHED_MSG';
        break;
      case ResponseCode.PULL_NOT_FOUND:
        status = 'NO_NEW_MSG';
        break;
      default:
        status = 'OFFSET_ILLEGAL';
    }
    const messages = status === 'FOUND' && res.body ? decodeRecords(res.body, true) : [];
    return { status, nextBeginOffset: h.nextBeginOffset, minOffset: h.minOffset, maxOffset: h.maxOffset, messages };
  }

  /** SEND_MESSAGE_V2 of one message to a chosen queue; returns the SendResult header. */
  async sendMessage(
    addr: string,
    brokerName: string,
    topic: string,
    queueId: number,
    body: Buffer,
    properties: string,
    producerGroup = TOOLS_PRODUCER_GROUP,
  ): Promise<{ code: number; msgId: string; queueId: number; queueOffset: number; transactionId?: string }> {
    const ext = SendMessageRequestHeaderV2.encode({
      producerGroup,
      topic,
      defaultTopic: DEFAULT_TOPIC,
      defaultTopicQueueNums: 4,
      queueId,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties,
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      brokerName,
    });
    const res = await this.invokeBroker(addr, RequestCode.SEND_MESSAGE_V2, ext, body, [
      ResponseCode.FLUSH_DISK_TIMEOUT,
      ResponseCode.FLUSH_SLAVE_TIMEOUT,
      ResponseCode.SLAVE_NOT_AVAILABLE,
    ]);
    const h = SendMessageResponseHeader.decodeCommand(res);
    return { code: res.code, msgId: h.msgId, queueId: h.queueId, queueOffset: h.queueOffset, transactionId: h.transactionId };
  }
}

function propertiesText(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';
}

function sortByQueue<T extends { mq: MessageQueue }>(a: T[]): T[] {
  return a.sort((x, y) => x.mq.topic.localeCompare(y.mq.topic) || x.mq.brokerName.localeCompare(y.mq.brokerName) || x.mq.queueId - y.mq.queueId);
}
