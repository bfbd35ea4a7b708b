/**
 * JSON bodies (remoting-protocol.md §8) as TypeScript types. Field names are Java's. Maps keyed by
 * Integer/Long arrive as objects with string keys; maps keyed by MessageQueue are parsed into
 * arrays of entries by the helpers in message-queue-map.ts.
 */

/** A queue of a topic on a broker. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export interface DataVersion {
  /** 5.x */
  stateVersion?: number;
  timestamp: number;
  counter: number;
}

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere =
  | 'CONSUME_FROM_LAST_OFFSET'
  | 'CONSUME_FROM_FIRST_OFFSET'
  | 'CONSUME_FROM_TIMESTAMP'
  | 'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST'
  | 'CONSUME_FROM_MIN_OFFSET'
  | 'CONSUME_FROM_MAX_OFFSET';
export type ExpressionType = 'TAG' | 'SQL92';

export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType?: ExpressionType | string;
  classFilterMode?: boolean;
  filterClassSource?: string;
}

export interface ProducerData {
  groupName: string;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType | string;
  messageModel: MessageModel | string;
  consumeFromWhere: ConsumeFromWhere | string;
  subscriptionDataSet: SubscriptionData[];
  unitMode?: boolean;
}

/** HEART_BEAT body (§8.1). */
export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
  /** 5.x heartbeat v2 */
  heartbeatFingerprint?: number;
  withoutSub?: boolean;
}

/** Topic permission bits. */
export const PermName = {
  PERM_PRIORITY: 0x8,
  PERM_READ: 0x4,
  PERM_WRITE: 0x2,
  PERM_INHERIT: 0x1,
} as const;

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId (0 = master) -> "ip:port". */
  brokerAddrs: Record<string, string>;
  /** 5.x */
  enableActingMaster?: boolean;
  /** 5.x */
  zoneName?: string | null;
}

/** GET_ROUTEINFO_BY_TOPIC body (§8.2). */
export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  /** broker address -> filter server addresses */
  filterServerTable: Record<string, string[]>;
  /** 5.x static topics */
  topicQueueMappingByBroker?: Record<string, unknown> | null;
}

/** GET_BROKER_CLUSTER_INFO body (§8.3). */
export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

export type TopicFilterType = 'SINGLE_TAG' | 'MULTI_TAG';

/** §8.6 */
export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: TopicFilterType | string;
  topicSysFlag: number;
  order: boolean;
  /** 5.x, e.g. {"message.type":"FIFO"} */
  attributes?: Record<string, string>;
}

/** GET_ALL_TOPIC_CONFIG body and topics.json. */
export interface TopicConfigSerializeWrapper {
  topicConfigTable: Record<string, TopicConfig>;
  dataVersion: DataVersion;
  /** 5.x extras, passed through untouched */
  topicQueueMappingInfoMap?: Record<string, unknown>;
  topicQueueMappingDetailMap?: Record<string, unknown>;
  mappingDataVersion?: DataVersion;
}

/** REGISTER_BROKER body (uncompressed form). */
export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

/** §8.7 */
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  /** 5.x */
  consumeMessageOrderly?: boolean;
  groupRetryPolicy?: unknown;
  groupSysFlag?: number;
  consumeTimeoutMinute?: number;
  subscriptionDataSet?: unknown[];
  attributes?: Record<string, string>;
}

/** GET_ALL_SUBSCRIPTIONGROUP_CONFIG body and subscriptionGroup.json. */
export interface SubscriptionGroupWrapper {
  subscriptionGroupTable: Record<string, SubscriptionGroupConfig>;
  dataVersion: DataVersion;
  forbiddenTable?: Record<string, Record<string, number>>;
}

/** §8.4: "topic@group" -> queueId -> next offset to consume. */
export interface ConsumerOffsetSerializeWrapper {
  offsetTable: Record<string, Record<string, number>>;
  dataVersion?: DataVersion;
}

/** §8.5 */
export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  onlyThisBroker?: boolean;
  mqSet: MessageQueue[];
}

export type UnlockBatchRequestBody = LockBatchRequestBody;

export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueue[];
}

export interface TopicOffset {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

/** GET_TOPIC_STATS_INFO body (§8.7); offsetTable is Map<MessageQueue, TopicOffset> on the wire. */
export interface TopicStatsTable {
  offsetTable: Array<[MessageQueue, TopicOffset]>;
  topicPutTps?: number;
}

export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  pullOffset?: number;
  lastTimestamp: number;
}

/** GET_CONSUME_STATS body (§8.7); offsetTable is Map<MessageQueue, OffsetWrapper> on the wire. */
export interface ConsumeStats {
  offsetTable: Array<[MessageQueue, OffsetWrapper]>;
  consumeTps: number;
}

export interface Connection {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}

/** GET_CONSUMER_CONNECTION_LIST body (§8.7). */
export interface ConsumerConnection {
  connectionSet: Connection[];
  subscriptionTable: Record<string, SubscriptionData>;
  consumeType: ConsumeType | string;
  messageModel: MessageModel | string;
  consumeFromWhere: ConsumeFromWhere | string;
  /** Ours (not in Java's body): members of the group that subscribe a topic differently. */
  subscriptionConflicts?: SubscriptionConflict[];
}

/** One topic that members of a group subscribe differently, and who subscribes how. */
export interface SubscriptionConflict {
  topic: string;
  variants: Array<{ expressionType: string; subString: string; clientIds: string[] }>;
}

/** GET_PRODUCER_CONNECTION_LIST body. */
export interface ProducerConnection {
  connectionSet: Connection[];
}

/** GET_BROKER_RUNTIME_INFO body, REGISTER_BROKER response body, GET_KVLIST_BY_NAMESPACE body. */
export interface KVTable {
  table: Record<string, string>;
}

/** GET_CONSUMER_LIST_BY_GROUP response body. */
export interface GetConsumerListByGroupResponseBody {
  consumerIdList: string[];
}

/** GET_ALL_TOPIC_LIST_FROM_NAMESERVER / GET_TOPICS_BY_CLUSTER body. */
export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}

/** QUERY_TOPIC_CONSUME_BY_WHO body. */
export interface GroupList {
  groupList: string[];
}
