/**
 * Consumer management and retry: CONSUMER_SEND_MSG_BACK (36, §6.5), GET_CONSUMER_LIST_BY_GROUP (38),
 * UNREGISTER_CLIENT (35), NOTIFY_CONSUMER_IDS_CHANGED (40), LOCK/UNLOCK_BATCH_MQ (41/42, body only),
 * broker -> client callbacks (307, 309).
 */
import { defineHeader, optional, required, rpcRequestFields, topicRequestFields, type HeaderType } from '../header.js';

export const ConsumerSendMsgBackRequestHeader = defineHeader('ConsumerSendMsgBackRequestHeader', {
  offset: required.long,
  group: required.string,
  /** 0 = broker decides (3 + reconsumeTimes); -1 = straight to the DLQ. */
  delayLevel: required.int,
  originMsgId: optional.string,
  originTopic: optional.string,
  unitMode: optional.boolean,
  maxReconsumeTimes: optional.int,
  ...rpcRequestFields,
});
export type ConsumerSendMsgBackRequestHeader = HeaderType<typeof ConsumerSendMsgBackRequestHeader>;

export const GetConsumerListByGroupRequestHeader = defineHeader('GetConsumerListByGroupRequestHeader', {
  consumerGroup: required.string,
  ...rpcRequestFields,
});
export type GetConsumerListByGroupRequestHeader = HeaderType<typeof GetConsumerListByGroupRequestHeader>;

export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', {
  clientID: required.string,
  producerGroup: optional.string,
  consumerGroup: optional.string,
  ...rpcRequestFields,
});
export type UnregisterClientRequestHeader = HeaderType<typeof UnregisterClientRequestHeader>;

export const NotifyConsumerIdsChangedRequestHeader = defineHeader('NotifyConsumerIdsChangedRequestHeader', {
  consumerGroup: required.string,
  ...rpcRequestFields,
});
export type NotifyConsumerIdsChangedRequestHeader = HeaderType<typeof NotifyConsumerIdsChangedRequestHeader>;

/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ: the payload is the body; 5.x may add the rpc fields. */
export const LockBatchMqRequestHeader = defineHeader('LockBatchMqRequestHeader', { ...rpcRequestFields });
export type LockBatchMqRequestHeader = HeaderType<typeof LockBatchMqRequestHeader>;

export const UnlockBatchMqRequestHeader = defineHeader('UnlockBatchMqRequestHeader', { ...rpcRequestFields });
export type UnlockBatchMqRequestHeader = HeaderType<typeof UnlockBatchMqRequestHeader>;

/** GET_CONSUMER_RUNNING_INFO (307), broker -> client. */
export const GetConsumerRunningInfoRequestHeader = defineHeader('GetConsumerRunningInfoRequestHeader', {
  consumerGroup: required.string,
  clientId: required.string,
  jstackEnable: optional.boolean,
  ...rpcRequestFields,
});
export type GetConsumerRunningInfoRequestHeader = HeaderType<typeof GetConsumerRunningInfoRequestHeader>;

/** CONSUME_MESSAGE_DIRECTLY (309), broker -> client. */
export const ConsumeMessageDirectlyResultRequestHeader = defineHeader('ConsumeMessageDirectlyResultRequestHeader', {
  consumerGroup: required.string,
  clientId: optional.string,
  msgId: optional.string,
  brokerName: optional.string,
  topic: optional.string,
  topicSysFlag: optional.int,
  groupSysFlag: optional.int,
  ...topicRequestFields,
});
export type ConsumeMessageDirectlyResultRequestHeader = HeaderType<typeof ConsumeMessageDirectlyResultRequestHeader>;
