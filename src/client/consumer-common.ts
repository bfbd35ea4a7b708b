/**
 * Pieces shared by the push and lite-pull consumers: ConsumeFromWhere start offsets, the pull call
 * with broker selection, and consume-timestamp parsing.
 */
import { PullSysFlag } from '../protocol/headers/pull-message.js';
import type { ConsumeFromWhere as ConsumeFromWhereName, MessageModel as MessageModelName } from '../protocol/body/types.js';
import { isRetryTopic } from './client-config.js';
import { MQClientError } from './errors.js';
import type { MessageExt } from './message.js';
import type { MessageQueue } from './message-queue.js';
import { PullStatus } from './mq-client-api.js';
import type { MQClientInstance } from './mq-client-instance.js';
import { ReadOffsetType, type OffsetStore } from './offset-store.js';
import { decodePulledMessages } from './pulled-messages.js';
import type { SubscriptionData } from './subscription.js';

export { PullStatus };

/** Message models, as RocketMQ's MessageModel enum (values are the names). */
export const MessageModel = { CLUSTERING: 'CLUSTERING', BROADCASTING: 'BROADCASTING' } as const satisfies Record<string, MessageModelName>;
export type MessageModel = MessageModelName;

/** Where a group with no stored offset starts, as RocketMQ's ConsumeFromWhere enum. */
export const ConsumeFromWhere = {
  CONSUME_FROM_LAST_OFFSET: 'CONSUME_FROM_LAST_OFFSET',
  CONSUME_FROM_FIRST_OFFSET: 'CONSUME_FROM_FIRST_OFFSET',
  CONSUME_FROM_TIMESTAMP: 'CONSUME_FROM_TIMESTAMP',
  CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST: 'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST',
  CONSUME_FROM_MIN_OFFSET: 'CONSUME_FROM_MIN_OFFSET',
  CONSUME_FROM_MAX_OFFSET: 'CONSUME_FROM_MAX_OFFSET',
} as const satisfies Record<string, ConsumeFromWhereName>;
export type ConsumeFromWhere = ConsumeFromWhereName;

/** "yyyyMMddHHmmss" (local time, as UtilAll.parseDate) -> ms. */
export function parseConsumeTimestamp(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) throw new RangeError(`consumeTimestamp must be yyyyMMddHHmmss, got ${s}`);
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
}

export function formatConsumeTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Where a newly owned queue starts (RebalancePushImpl.computePullFromWhere): the stored offset if the
 * group has one; otherwise by ConsumeFromWhere (retry topics always from 0 / the end).
 */
export async function computePullFromWhere(
  instance: MQClientInstance,
  offsetStore: OffsetStore,
  mq: MessageQueue,
  consumeFromWhere: ConsumeFromWhere | string,
  consumeTimestamp: string,
): Promise<number> {
  const lastOffset = await offsetStore.readOffset(mq, ReadOffsetType.READ_FROM_STORE);
  if (lastOffset >= 0) return lastOffset;
  if (lastOffset !== -1) return -1;
  const addr = await brokerAddrFor(instance, mq);
  const timeout = instance.config.mqClientApiTimeout;
  switch (consumeFromWhere) {
    case 'CONSUME_FROM_FIRST_OFFSET':
    case 'CONSUME_FROM_MIN_OFFSET':
      return 0;
    case 'CONSUME_FROM_TIMESTAMP':
      if (isRetryTopic(mq.topic)) return instance.api.getMaxOffset(addr, mq, timeout);
      return instance.api.searchOffset(addr, mq, parseConsumeTimestamp(consumeTimestamp), timeout);
    default:
      if (isRetryTopic(mq.topic)) return 0;
      return instance.api.getMaxOffset(addr, mq, timeout);
  }
}

/** Master address of the queue's broker, else (master down) one of its slaves. */
export async function brokerAddrFor(instance: MQClientInstance, mq: MessageQueue): Promise<string> {
  let addr = instance.findBrokerAddressInPublish(mq.brokerName);
  if (!addr) {
    await instance.updateTopicRouteInfoFromNameServer(mq.topic);
    addr = instance.findBrokerAddressInPublish(mq.brokerName);
  }
  // Master gone (only its slave in the route): offsets and queue bounds are read from / committed to the
  // slave, as RocketMQ's findBrokerAddressInSubscribe(brokerName, MASTER_ID, false) does; the slave gives
  // committed offsets back to its master when it returns.
  if (!addr) addr = instance.findBrokerAddressInSubscribe(mq.brokerName)?.addr;
  if (!addr) throw new MQClientError('BROKER_NOT_EXIST', `The broker[${mq.brokerName}] not exist`, { retriable: true });
  return addr;
}

export interface PullResult {
  pullStatus: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  msgFoundList: MessageExt[];
}

export interface PullArgs {
  group: string;
  mq: MessageQueue;
  sub: SubscriptionData;
  /** Send the expression with the pull (lite pull, or postSubscriptionWhenPull). */
  postSubscription: boolean;
  offset: number;
  maxNums: number;
  commitOffset: number;
  suspendTimeoutMillis: number;
  timeoutMillis: number;
}

/** Per-queue broker id the broker last suggested (master unless told otherwise). */
const suggested = new WeakMap<MessageQueue, number>();

/** One PULL_MESSAGE round trip, with the body decoded and tag-filtered (PullAPIWrapper). */
export async function pullKernel(instance: MQClientInstance, a: PullArgs): Promise<PullResult> {
  let found = instance.findBrokerAddressInSubscribe(a.mq.brokerName, suggested.get(a.mq) ?? 0);
  if (!found) {
    await instance.updateTopicRouteInfoFromNameServer(a.mq.topic);
    found = instance.findBrokerAddressInSubscribe(a.mq.brokerName, suggested.get(a.mq) ?? 0);
  }
  if (!found) throw new MQClientError('BROKER_NOT_EXIST', `The broker[${a.mq.brokerName}] not exist`, { retriable: true });
  let sysFlag = PullSysFlag.SUSPEND;
  if (a.commitOffset > 0 && !found.slave) sysFlag |= PullSysFlag.COMMIT_OFFSET;
  if (a.postSubscription) sysFlag |= PullSysFlag.SUBSCRIPTION;
  const raw = await instance.api.pullMessage(
    found.addr,
    {
      consumerGroup: a.group,
      topic: a.mq.topic,
      queueId: a.mq.queueId,
      queueOffset: a.offset,
      maxMsgNums: a.maxNums,
      sysFlag,
      commitOffset: a.commitOffset,
      suspendTimeoutMillis: a.suspendTimeoutMillis,
      subscription: a.postSubscription ? a.sub.subString : undefined,
      subVersion: a.sub.subVersion,
      expressionType: a.sub.expressionType ?? 'TAG',
      bname: a.mq.brokerName,
    },
    a.timeoutMillis,
  );
  suggested.set(a.mq, raw.suggestWhichBrokerId);
  const msgFoundList =
    raw.pullStatus === PullStatus.FOUND && raw.body && raw.body.length > 0
      ? decodePulledMessages(raw.body, a.mq.brokerName, raw.minOffset, raw.maxOffset, a.sub)
      : [];
  return { pullStatus: raw.pullStatus, nextBeginOffset: raw.nextBeginOffset, minOffset: raw.minOffset, maxOffset: raw.maxOffset, msgFoundList };
}
