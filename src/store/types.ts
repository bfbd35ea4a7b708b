/**
 * The store's public contract: what the broker (and later HA, timers, transactions, pop) uses.
 * Implemented by DefaultMessageStore (src/store/default-message-store.ts).
 */

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';
export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

/** RocketMQ's MessageStoreConfig names and defaults (store-format.md). */
export interface MessageStoreConfig {
  /** Root of the store: commitlog/, consumequeue/, index/, checkpoint, abort, lock, config/. */
  storePathRootDir: string;
  /** Defaults to <storePathRootDir>/commitlog. */
  storePathCommitLog?: string;
  /** Commit-log segment size, bytes (1 GiB). Tests use small segments. */
  mappedFileSizeCommitLog: number;
  /** Consume-queue segment size, bytes (300 000 entries x 20). */
  mappedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  /** ASYNC_FLUSH: background fdatasync interval, ms (500). */
  flushIntervalCommitLog: number;
  /** SYNC_FLUSH: how long an append waits for durability before FLUSH_DISK_TIMEOUT, ms (5000). */
  syncFlushTimeout: number;
  /** Consume-queue flush interval, ms (1000). */
  flushIntervalConsumeQueue: number;
  /**
   * false (RocketMQ's default): an append's bytes are written to the commit-log file on the put path,
   * as RocketMQ copies them into the mapped file. true: big write groups go to a background (thread-pool)
   * write, as RocketMQ's transient store pool commits from its own thread; encoding goes on meanwhile,
   * which pays on hosts with cores to spare. Either way an append is acknowledged once the OS has it.
   */
  transientStorePoolEnable: boolean;
  /** Largest stored body, bytes (4 MiB). */
  maxMessageSize: number;
  /** Segments older than this many hours may be deleted (72). */
  fileReservedTime: number;
  /** Hour(s) of day when expired segments are deleted: "04" or "04;16". */
  deleteWhen: string;
  /** Disk usage percent above which the oldest segments are deleted regardless of age (75). */
  diskMaxUsedSpaceRatio: number;
  /** How often the retention service runs, ms (10 000). */
  cleanResourceInterval: number;
  /** Validate body CRC during recovery (true). */
  checkCRCOnRecover: boolean;
  messageIndexEnable: boolean;
  /** Index file hash slots (5 000 000) and entries (20 000 000). */
  maxHashSlotNum: number;
  maxIndexNum: number;
  /** Pull limits per request: bytes and count for data likely in memory (256 KiB, 32). */
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  brokerRole: BrokerRole;
}

export const DEFAULT_STORE_CONFIG: Omit<MessageStoreConfig, 'storePathRootDir'> = {
  mappedFileSizeCommitLog: 1024 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 300_000 * 20,
  flushDiskType: 'ASYNC_FLUSH',
  flushIntervalCommitLog: 500,
  syncFlushTimeout: 5000,
  flushIntervalConsumeQueue: 1000,
  transientStorePoolEnable: false,
  maxMessageSize: 4 * 1024 * 1024,
  fileReservedTime: 72,
  deleteWhen: '04',
  diskMaxUsedSpaceRatio: 75,
  cleanResourceInterval: 10_000,
  checkCRCOnRecover: true,
  messageIndexEnable: true,
  maxHashSlotNum: 5_000_000,
  maxIndexNum: 20_000_000,
  maxTransferBytesOnMessageInMemory: 256 * 1024,
  maxTransferCountOnMessageInMemory: 32,
  brokerRole: 'ASYNC_MASTER',
};

/** A message as the broker hands it to the store (MessageExtBrokerInner). */
export interface MessageInner {
  topic: string;
  queueId: number;
  flag: number;
  body: Buffer;
  /** Encoded properties string (name\x01value\x02...). */
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  /** Pre-encoded ip + int32 port (8 bytes IPv4, 20 bytes IPv6). */
  bornHost: Buffer;
  storeHost: Buffer;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /** Consume-queue tag code; defaults to Java hashCode of the TAGS property (0 if none). */
  tagsCode?: number;
}

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPPED_FILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGE_CACHE_BUSY'
  | 'UNKNOWN_ERROR';

export interface AppendMessageResult {
  /** Physical offset of the first record written. */
  wroteOffset: number;
  wroteBytes: number;
  /** Offset message id; for a batch the ids joined by ','. */
  msgId: string;
  /** Queue offset of the first message. */
  logicsOffset: number;
  msgNum: number;
  storeTimestamp: number;
}

export interface PutMessageResult {
  status: PutMessageStatus;
  appendResult?: AppendMessageResult;
  /** Human-readable reason for a non-OK status. */
  remark?: string;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Raw stored records, in queue order (views or copies; the caller may concatenate them). */
  messages: Buffer[];
  /** Queue offsets of `messages`, same order. */
  queueOffsets: number[];
  bufferTotalSize: number;
  suggestPullingFromSlave: boolean;
}

/** Filters a pull: first on the consume-queue tag code, then optionally on the full record. */
export interface MessageFilter {
  isMatchedByConsumeQueue(tagsCode: number): boolean;
  isMatchedByCommitLog?(record: Buffer): boolean;
}

/** Called after a record is dispatched to its consume queue (long-polling wake-up, metrics). */
export type MessageArrivingListener = (
  topic: string,
  queueId: number,
  logicOffset: number,
  tagsCode: number,
  storeTimestamp: number,
  properties: string,
) => void;

export interface QueryMessageResult {
  /** Raw records whose index key matched (the caller re-checks the real keys). */
  messages: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export interface MessageStore {
  /** Loads files, recovers (normal or after a crash), starts flush/dispatch/retention services. */
  start(): Promise<void>;
  /** Flushes everything, writes the checkpoint, removes the abort file. */
  shutdown(): Promise<void>;

  putMessage(msg: MessageInner): Promise<PutMessageResult>;
  /**
   * putMessage answered through a callback, without a promise (the broker's send path). `done` may run
   * before this returns (a refusal).
   */
  putMessageCb?(msg: MessageInner, done: (r: PutMessageResult) => void): void;
  /** All messages of one topic/queue, stored as consecutive records and queue offsets. */
  putMessages(msgs: MessageInner[]): Promise<PutMessageResult>;

  getMessage(
    group: string,
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    maxTotalBytes: number,
    filter?: MessageFilter,
  ): GetMessageResult;

  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** Commit-log offset of the record at this queue offset, or -1. */
  getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): number;
  /** First queue offset whose store time is >= timestamp (binary search). */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number;
  getEarliestMessageTime(topic: string, queueId: number): number;
  getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): number;

  /** The raw record at a commit-log offset, or null. */
  selectOneMessageByOffset(commitLogOffset: number): Buffer | null;
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult;

  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  /** Every topic/queue the store knows, with min and max offsets. */
  listQueues(): Array<{ topic: string; queueId: number; minOffset: number; maxOffset: number }>;
  /** Drops consume queues (and their offsets) of deleted topics. */
  deleteTopics(topics: string[]): void;

  /** Replication: raw commit-log bytes from `offset` (at most maxBytes, whole records not required). */
  getCommitLogData(offset: number, maxBytes: number): Buffer | null;
  /** Replication (slave): append raw bytes at exactly `startOffset` (= getMaxPhyOffset()), then dispatch. */
  appendToCommitLog(startOffset: number, data: Buffer): Promise<boolean>;

  setMessageArrivingListener(listener: MessageArrivingListener | undefined): void;
  /** Called after each commit-log write with the new committed end (replication wakes its transfers here). */
  setCommitListener(listener: ((committed: number) => void) | undefined): void;
  /** Key/value runtime stats for GET_BROKER_RUNTIME_INFO. */
  getRuntimeInfo(): Record<string, string>;
}
