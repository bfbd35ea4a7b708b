/**
 * Offsets: QUERY/UPDATE_CONSUMER_OFFSET (14/15, §6.4), GET_MAX/MIN_OFFSET (30/31),
 * SEARCH_OFFSET_BY_TIMESTAMP (29), GET_EARLIEST_MSG_STORETIME (32), §6.9.
 */
import { defineHeader, optional, required, topicRequestFields, type HeaderType } from '../header.js';

export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  setZeroIfNotFound: optional.boolean,
  ...topicRequestFields,
});
export type QueryConsumerOffsetRequestHeader = HeaderType<typeof QueryConsumerOffsetRequestHeader>;

export const QueryConsumerOffsetResponseHeader = defineHeader('QueryConsumerOffsetResponseHeader', {
  offset: required.long,
});
export type QueryConsumerOffsetResponseHeader = HeaderType<typeof QueryConsumerOffsetResponseHeader>;

export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  commitOffset: required.long,
  ...topicRequestFields,
});
export type UpdateConsumerOffsetRequestHeader = HeaderType<typeof UpdateConsumerOffsetRequestHeader>;

export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
  topic: required.string,
  queueId: required.int,
  committed: optional.boolean,
  ...topicRequestFields,
});
export type GetMaxOffsetRequestHeader = HeaderType<typeof GetMaxOffsetRequestHeader>;

export const GetMaxOffsetResponseHeader = defineHeader('GetMaxOffsetResponseHeader', {
  offset: required.long,
});
export type GetMaxOffsetResponseHeader = HeaderType<typeof GetMaxOffsetResponseHeader>;

export const GetMinOffsetRequestHeader = defineHeader('GetMinOffsetRequestHeader', {
  topic: required.string,
  queueId: required.int,
  ...topicRequestFields,
});
export type GetMinOffsetRequestHeader = HeaderType<typeof GetMinOffsetRequestHeader>;

export const GetMinOffsetResponseHeader = defineHeader('GetMinOffsetResponseHeader', {
  offset: required.long,
});
export type GetMinOffsetResponseHeader = HeaderType<typeof GetMinOffsetResponseHeader>;

export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', {
  topic: required.string,
  queueId: required.int,
  timestamp: required.long,
  /** 5.x BoundaryType: Java writes "LOWER"/"UPPER" and reads either case; absent = lower. */
  boundaryType: optional.string,
  ...topicRequestFields,
});
export type SearchOffsetRequestHeader = HeaderType<typeof SearchOffsetRequestHeader>;

export const SearchOffsetResponseHeader = defineHeader('SearchOffsetResponseHeader', {
  offset: required.long,
});
export type SearchOffsetResponseHeader = HeaderType<typeof SearchOffsetResponseHeader>;

export const GetEarliestMsgStoretimeRequestHeader = defineHeader('GetEarliestMsgStoretimeRequestHeader', {
  topic: required.string,
  queueId: required.int,
  ...topicRequestFields,
});
export type GetEarliestMsgStoretimeRequestHeader = HeaderType<typeof GetEarliestMsgStoretimeRequestHeader>;

export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', {
  timestamp: required.long,
});
export type GetEarliestMsgStoretimeResponseHeader = HeaderType<typeof GetEarliestMsgStoretimeResponseHeader>;

/** INVOKE_BROKER_TO_RESET_OFFSET (222) and RESET_CONSUMER_CLIENT_OFFSET (220). */
export const ResetOffsetRequestHeader = defineHeader('ResetOffsetRequestHeader', {
  topic: required.string,
  group: required.string,
  timestamp: required.long,
  isForce: required.boolean,
  queueId: optional.int,
  offset: optional.long,
  ...topicRequestFields,
});
export type ResetOffsetRequestHeader = HeaderType<typeof ResetOffsetRequestHeader>;

/** INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223) and GET_CONSUMER_STATUS_FROM_CLIENT (221). */
export const GetConsumerStatusRequestHeader = defineHeader('GetConsumerStatusRequestHeader', {
  topic: required.string,
  group: required.string,
  clientAddr: optional.string,
  ...topicRequestFields,
});
export type GetConsumerStatusRequestHeader = HeaderType<typeof GetConsumerStatusRequestHeader>;
